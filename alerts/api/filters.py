"""django-filter sets for the list endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import exceptions

from alerts.models import Referral


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-time, compared in UTC: offsets PostgreSQL refuses (beyond ±15:59) or
    instants outside the calendar are a 400, never a database error."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                raise exceptions.ValidationError(
                    {self.field_name: ["Date-time out of range."]}) from None
        return super().filter(qs, value)


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(field_name="status",
                                       help_text="Referral status, e.g. sent.")
    outcome = django_filters.ChoiceFilter(
        field_name="outcome", choices=[c for c in Referral.OUTCOMES if c[0]],
        help_text="Recorded outcome; use outcome_pending=true for referrals without one.")
    outcome_pending = django_filters.BooleanFilter(
        method="filter_pending", help_text="true: only referrals without an outcome yet.")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                      help_text="Created at or after (ISO 8601).")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                       help_text="Created before (ISO 8601).")

    class Meta:
        model = Referral
        fields = ["status", "outcome", "outcome_pending", "created_after", "created_before"]

    def filter_pending(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(outcome="") if value else queryset.exclude(outcome="")
