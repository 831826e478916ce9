"""Admin for the risk layer: sources are editable (cadence, location); the rest is a record.

Raw rows, signals, batches, model versions and scores are evidence of what happened, so they
are read-only here: they change only through ingestion, review, retention and the model
commands. Large tables skip the full count and select their foreign keys in one query.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from risk.models import (
    CurrentScore,
    FeedBatch,
    HouseholdScore,
    KnownIdentifier,
    LinkReview,
    ModelVersion,
    RawRecord,
    ScoreRun,
    Signal,
    SignalSource,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """List and inspect, never add, change or delete."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignalSource)
class SignalSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "location_kind", "location", "schedule_minutes", "enabled",
                    "partner", "last_pulled_at", "watermark", "last_error")
    list_filter = ("location_kind", "enabled")
    list_editable = ("schedule_minutes", "enabled")
    readonly_fields = ("last_pulled_at", "last_error")
    list_select_related = ("partner",)


@admin.register(FeedBatch)
class FeedBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "source", "origin", "file_name", "partner", "received_at", "status",
                    "rows_read", "new", "duplicate", "linked", "review", "unlinked", "rejected")
    list_filter = ("source", "origin", "status")
    search_fields = ("file_name", "file_sha256", "idempotency_key")
    list_select_related = ("partner",)
    date_hierarchy = "received_at"


@admin.register(RawRecord)
class RawRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "source", "record_id", "line", "status", "match_probability",
                    "person", "household", "received_at", "reason")
    list_filter = ("source", "status")
    search_fields = ("=record_id", "=content_hash")
    list_select_related = ("person", "household")
    raw_id_fields = ("batch", "person", "household", "duplicate_of", "agreement")


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "household", "person", "occurred_on", "deadline", "amount",
                    "value", "known_at", "source")
    list_filter = ("kind", "source")
    search_fields = ("=household__ref", "=person__ref")
    list_select_related = ("household", "person")
    raw_id_fields = ("household", "person", "raw_record", "agreement")
    date_hierarchy = "occurred_on"


@admin.register(LinkReview)
class LinkReviewAdmin(ReadOnlyAdmin):
    """Decisions are made on /review/links/ (audited); the admin only shows them."""

    list_display = ("id", "raw_record", "person", "match_probability", "decision",
                    "decided_by", "decided_at", "created_at")
    list_filter = ("decision",)
    list_select_related = ("raw_record", "person", "decided_by")
    raw_id_fields = ("raw_record", "person", "decided_by")


@admin.register(KnownIdentifier)
class KnownIdentifierAdmin(ReadOnlyAdmin):
    list_display = ("source", "external_id", "person", "confirmed_by", "created_at")
    list_filter = ("source",)
    search_fields = ("=external_id", "=person__ref")
    list_select_related = ("person", "confirmed_by")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "status", "algorithm", "as_of", "created_at", "promoted_at",
                    "promoted_by")
    list_filter = ("status", "algorithm")
    search_fields = ("version",)


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "model_version", "as_of", "status", "households", "chunks_done",
                    "chunks_total", "psi", "drift_flagged", "started_at", "finished_at")
    list_filter = ("status", "drift_flagged")
    list_select_related = ("model_version",)


@admin.register(HouseholdScore)
class HouseholdScoreAdmin(ReadOnlyAdmin):
    list_display = ("household", "score", "band", "model_version", "as_of", "run")
    list_filter = ("band",)
    search_fields = ("=household__ref",)
    list_select_related = ("household", "model_version", "run")
    raw_id_fields = ("household", "run", "model_version")


@admin.register(CurrentScore)
class CurrentScoreAdmin(ReadOnlyAdmin):
    list_display = ("household", "score", "band", "previous_score", "model_version", "as_of")
    list_filter = ("band",)
    search_fields = ("=household__ref",)
    list_select_related = ("household", "model_version")
    raw_id_fields = ("household", "model_version")
