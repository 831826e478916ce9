"""Request and response shapes of the partner and staff API (also the OpenAPI components)."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import Flag, Referral, WorkItem, WorkItemAction
from alerts.services.referrals import referral_payload_for_partner
from alerts.services.work_items import CASEWORK_ACTIONS

MAX_BATCH = 1000
OUTCOMES = [c for c, _ in Referral.OUTCOMES if c]


# --- errors -------------------------------------------------------------------------------------
class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_found.")
    message = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Field errors: field name -> messages.")


class ErrorSerializer(serializers.Serializer):
    """The one error shape of every 4xx answer."""

    error = ErrorBodySerializer()


# --- signals ------------------------------------------------------------------------------------
def _as_text(value: Any) -> str:
    """Feed fields are text in CSV; JSON numbers and booleans are read the same way."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value)


class FeedRecordField(serializers.DictField):
    """One feed row as a JSON object of the feed's fields (DESIGN.md feed formats)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.JSONField(), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # A record that is not an object is rejected by ingestion, per record, like any bad row.
        if not isinstance(data, dict):
            return data
        return {str(k): _as_text(v) for k, v in data.items()}


class SignalBatchSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=FeedRecordField(), allow_empty=False,
        help_text=f"Up to {MAX_BATCH} records, each an object of the source's feed fields.")


class RecordResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    reason = serializers.CharField(allow_null=True, required=False,
                                   help_text="Why a record was rejected or is a duplicate.")
    record_id = serializers.CharField(allow_blank=True, required=False,
                                      help_text="The feed's own key of the record.")


class SignalBatchResultSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    source = serializers.CharField()
    replayed = serializers.BooleanField(
        help_text="True when this is the stored answer to an earlier request with the same "
                  "Idempotency-Key; nothing new was stored.")
    accepted = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = RecordResultSerializer(many=True, help_text="One result per record, in order.")


# --- referrals ----------------------------------------------------------------------------------
class InterventionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ReferralSerializer(serializers.ModelSerializer):
    intervention = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField(
        help_text="Only the household fields the data-sharing agreement allows.")
    outcome = serializers.CharField(allow_blank=True,
                                    help_text="enrolled, served, declined, unreachable, or "
                                              "empty while pending.")

    class Meta:
        model = Referral
        fields = ["id", "intervention", "status", "outcome", "outcome_note", "outcome_at",
                  "created_at", "updated_at", "household"]

    @extend_schema_field(InterventionRefSerializer)
    def get_intervention(self, obj: Referral) -> dict[str, Any]:
        return InterventionRefSerializer({"code": obj.intervention.code,
                                          "name": obj.intervention.name}).data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_household(self, obj: Referral) -> dict[str, Any]:
        return referral_payload_for_partner(referral=obj).get("household", {})


class ReferralOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# --- services (HSDS) ----------------------------------------------------------------------------
class HSDSOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class HSDSServiceSerializer(serializers.Serializer):
    """The main fields of an Open Referral HSDS 3.0 service (other HSDS fields may appear)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["active", "inactive", "defunct",
                                              "temporarily closed"])
    description = serializers.CharField(required=False, allow_null=True)
    url = serializers.CharField(required=False, allow_null=True)
    email = serializers.CharField(required=False, allow_null=True)
    organization = HSDSOrganizationSerializer(required=False, allow_null=True)


class HSDSPageSerializer(serializers.Serializer):
    """The HSDS 3.0 API page: counts plus `contents`."""

    total_items = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    page_number = serializers.IntegerField()
    size = serializers.IntegerField()
    first_page = serializers.BooleanField()
    last_page = serializers.BooleanField()
    empty = serializers.BooleanField()
    contents = HSDSServiceSerializer(many=True)


# --- staff --------------------------------------------------------------------------------------
class WorkItemSerializer(serializers.ModelSerializer):
    household_ref = serializers.CharField(source="household.ref")
    office = serializers.CharField(source="office.code")
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True,
                                        default=None)

    class Meta:
        model = WorkItem
        fields = ["id", "household_ref", "office", "status", "priority", "severity",
                  "top_reason", "deadline", "sla_due_at", "assigned_to", "claimed_at",
                  "created_at", "needs_review"]


class FlagSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code")
    rule_name = serializers.CharField(source="rule.name")
    evidence = serializers.JSONField()

    class Meta:
        model = Flag
        fields = ["id", "rule", "rule_name", "severity", "reason", "evidence", "deadline",
                  "opened_at", "expires_at"]


class MemberSerializer(serializers.Serializer):
    ref = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    relationship = serializers.CharField()


class ScoreFactorSerializer(serializers.Serializer):
    feature = serializers.CharField()
    label = serializers.CharField()
    contribution = serializers.FloatField()


class ScoreSerializer(serializers.Serializer):
    score = serializers.FloatField()
    band = serializers.CharField()
    as_of = serializers.DateTimeField()
    factors = ScoreFactorSerializer(many=True)


class HouseholdSummarySerializer(serializers.Serializer):
    ref = serializers.CharField()
    office = serializers.CharField()
    address = serializers.CharField()
    housing = serializers.CharField()
    monthly_income = serializers.DecimalField(max_digits=10, decimal_places=2)
    phone = serializers.CharField(allow_blank=True)
    sms_consent = serializers.BooleanField()
    members = MemberSerializer(many=True)
    score = ScoreSerializer(allow_null=True)
    open_flags = serializers.IntegerField()
    open_work_item = serializers.IntegerField(allow_null=True)


class WorkItemActionRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(CASEWORK_ACTIONS))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    intervention_code = serializers.CharField(required=False, allow_null=True, default=None,
                                              max_length=40)


class WorkItemActionSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id")
    by = serializers.CharField(source="by.username", allow_null=True, default=None)
    intervention = serializers.CharField(source="intervention.code", allow_null=True,
                                         default=None)

    class Meta:
        model = WorkItemAction
        fields = ["id", "item", "action", "by", "at", "note", "intervention", "review_status"]
