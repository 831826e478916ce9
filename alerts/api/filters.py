"""django-filter sets for the list endpoints."""

from __future__ import annotations

import django_filters

from alerts.models import Referral


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(field_name="status",
                                       help_text="Referral status, e.g. sent.")
    outcome = django_filters.ChoiceFilter(
        field_name="outcome", choices=[c for c in Referral.OUTCOMES if c[0]],
        help_text="Recorded outcome; use outcome_pending=true for referrals without one.")
    outcome_pending = django_filters.BooleanFilter(
        method="filter_pending", help_text="true: only referrals without an outcome yet.")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Referral
        fields = ["status", "outcome", "outcome_pending", "created_after", "created_before"]

    def filter_pending(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(outcome="") if value else queryset.exclude(outcome="")
