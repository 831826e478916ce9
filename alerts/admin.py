"""Admin: supervisors tune flag rules and the catalogue here; the rest is read-mostly."""

from __future__ import annotations

from django.contrib import admin

from alerts.models import (
    Flag,
    FlagRule,
    Intervention,
    OutreachMessage,
    OutreachTemplate,
    Referral,
    WorkItem,
    WorkItemAction,
)


@admin.register(FlagRule)
class FlagRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "severity", "params", "expiry_days", "sla_hours", "enabled")
    list_editable = ("severity", "expiry_days", "sla_hours", "enabled")
    fieldsets = ((None, {"fields": ("code", "name", "description", "severity", "enabled")}),
                 ("Thresholds", {"fields": ("params", "expiry_days", "sla_hours"),
                                 "description": "See docs/queue.md for each rule's params."}))

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("household", "rule", "severity", "reason", "opened_at", "resolved_at")
    list_filter = ("rule", "severity", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("household__ref", "reason")
    raw_id_fields = ("household", "signal")
    list_select_related = ("household", "rule")


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "provider", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("code", "name")


class ActionInline(admin.TabularInline):
    model = WorkItemAction
    extra = 0
    fields = ("action", "by", "at", "note", "intervention", "review_status", "reviewed_by")
    readonly_fields = fields
    can_delete = False


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = ("household", "office", "status", "severity", "priority", "assigned_to",
                    "sla_due_at", "needs_review")
    list_filter = ("office", "status", "severity", "needs_review")
    search_fields = ("household__ref",)
    raw_id_fields = ("household", "assigned_to")
    list_select_related = ("household", "office", "assigned_to")
    inlines = [ActionInline]


@admin.register(OutreachTemplate)
class OutreachTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "intervention")


@admin.register(OutreachMessage)
class OutreachMessageAdmin(admin.ModelAdmin):
    list_display = ("household", "direction", "status", "created_at")
    list_filter = ("direction", "status")
    search_fields = ("household__ref", "provider_id")
    raw_id_fields = ("household", "sent_by")


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("household", "intervention", "partner", "status", "outcome", "created_at")
    list_filter = ("partner", "status", "outcome")
    search_fields = ("household__ref",)
    raw_id_fields = ("household", "work_item", "created_by")
