"""Referrals to partner agencies: only the agreement's fields leave; outcomes come back.

A partner's "served" on an emergency-assistance intervention (rental or utility assistance) is
also recorded as a CrisisEvent of type emergency_assistance (source partner): it is one of the
outcomes the model learns from (DESIGN.md import_outcomes), so MODEL's outcome report sees it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from alerts.models import Intervention, Referral, WorkItem, WorkItemAction
from cases.models import CrisisEvent, Household
from dhs.audit import audit_record
from dhs.exceptions import AgreementError, ApplicationError
from dhs.models import DataSharingAgreement, PartnerAgency

OUTCOMES = ("enrolled", "served", "declined", "unreachable")
EMERGENCY_ASSISTANCE = {"rental_assistance", "utility_assistance"}
# How a partner's outcome shows on the work item, and whether it closes it.
ITEM_ACTION = {"enrolled": ("accepted", True), "served": ("accepted", True),
               "declined": ("declined", True), "unreachable": ("unreachable", False)}
PAYLOAD_FIELDS = ("household_ref", "head_name", "head_first_name", "head_last_name", "phone",
                  "address", "street", "unit", "city", "state", "zip", "household_size",
                  "children", "housing", "monthly_income", "flags")


def _head(household: Household) -> Any:
    members = list(household.members.all())
    return next((m for m in members if m.relationship == "head"), members[0] if members else None)


def referral_payload_build(*, household: Household, fields: list[str]) -> dict[str, Any]:
    """The household as the partner may see it: only `fields`, nothing else."""
    wanted = [f for f in fields if f in PAYLOAD_FIELDS]
    head = _head(household) if {"head_name", "head_first_name", "head_last_name"} & set(
        wanted) else None
    values: dict[str, Any] = {}
    for f in wanted:
        if f == "household_ref":
            values[f] = household.ref
        elif f == "head_name":
            values[f] = head.full_name if head else ""
        elif f == "head_first_name":
            values[f] = head.first_name if head else ""
        elif f == "head_last_name":
            values[f] = head.last_name if head else ""
        elif f == "address":
            values[f] = household.address_line
        elif f == "household_size":
            values[f] = household.members.count()
        elif f == "children":
            values[f] = household.members.filter(relationship="child").count()
        elif f == "monthly_income":
            values[f] = str(household.monthly_income)
        elif f == "flags":
            values[f] = list(household.flags.filter(resolved_at__isnull=True)
                             .values_list("rule__name", flat=True))
        else:
            values[f] = getattr(household, f)
    return values


def referral_agreement(*, partner: PartnerAgency) -> DataSharingAgreement:
    """The partner's active agreement to receive referrals, or AgreementError."""
    agreement = (DataSharingAgreement.objects.active_on().filter(
        partner=partner, receives_referrals=True).order_by("-effective_date").first())
    if agreement is None:
        raise AgreementError(f"{partner.name} has no active agreement to receive referrals.")
    return agreement


def _referral_create(*, household: Household, intervention: Intervention, user: Any,
                     work_item: WorkItem | None) -> Referral:
    if not intervention.active or intervention.provider_id is None:
        raise ApplicationError(f"{intervention.name} has no active provider to refer to.",
                               code="no_provider")
    agreement = referral_agreement(partner=intervention.provider)
    referral = Referral.objects.create(
        household=household, intervention=intervention, partner=intervention.provider,
        agreement=agreement, work_item=work_item, created_by=user,
        payload=referral_payload_build(household=household, fields=agreement.referral_fields))
    audit_record(action="referral.create", user=user, partner=intervention.provider,
                 object_type="referral", object_id=referral.pk, household_ref=household.ref,
                 purpose=agreement.purpose,
                 details={"intervention": intervention.code, "fields": sorted(referral.payload),
                          "agreement": agreement.reference})
    return referral


def referral_create(*, household: Household, intervention_code: str, user: Any,
                    work_item: WorkItem | None = None) -> Referral:
    """Refer a household; with a work item, the referral is also an action on it."""
    intervention = Intervention.objects.select_related("provider").filter(
        code=intervention_code).first()
    if intervention is None:
        raise ApplicationError(f"Unknown intervention '{intervention_code}'.",
                               code="invalid_intervention", status=404)
    if work_item is not None:
        from alerts.services.work_items import work_item_act

        action = work_item_act(item_id=work_item.pk, user=user, action="referred",
                               intervention_code=intervention_code)
        return Referral.objects.filter(work_item_id=action.item_id,
                                       intervention=intervention).order_by("-id").first()
    with transaction.atomic():
        return _referral_create(household=household, intervention=intervention, user=user,
                                work_item=None)


def referral_record_outcome(*, referral: Referral, partner: PartnerAgency, outcome: str,
                            note: str = "") -> Referral:
    """The partner reports what happened; the work item and the model's outcomes follow."""
    if referral.partner_id != partner.pk:
        raise ApplicationError("No such referral.", code="not_found", status=404)
    if outcome not in OUTCOMES:
        raise ApplicationError(f"Unknown outcome '{outcome}'.", code="invalid_outcome",
                               extra={"fields": {"outcome": [f"One of {', '.join(OUTCOMES)}."]}})
    now = timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related(
            "intervention", "household").get(pk=referral.pk)
        referral.outcome, referral.outcome_note, referral.outcome_at = outcome, note, now
        referral.status = "enrolled" if outcome == "enrolled" else "closed"
        referral.save(update_fields=["outcome", "outcome_note", "outcome_at", "status",
                                     "updated_at"])
        item = referral.work_item
        if item is not None:
            item_action, closes = ITEM_ACTION[outcome]
            WorkItemAction.objects.create(
                item=item, action=item_action, by=None, at=now,
                intervention=referral.intervention,
                note=f"{partner.name} reported: {outcome}. {note}".strip())
            if closes and item.status != WorkItem.CLOSED and not item.needs_review:
                from alerts.services.work_items import _close

                _close(item, outcome=f"referral_{outcome}", now=now,
                       resolution=f"Referral to {partner.name}: {outcome}")
        if outcome == "served" and referral.intervention.code in EMERGENCY_ASSISTANCE:
            CrisisEvent.objects.get_or_create(
                household=referral.household, event_type="emergency_assistance",
                event_date=timezone.localdate(now), defaults={"source": "partner"})
        audit_record(action="referral.outcome", partner=partner, object_type="referral",
                     object_id=referral.pk, household_ref=referral.household.ref,
                     purpose=referral.agreement.purpose if referral.agreement_id else "",
                     details={"outcome": outcome})
    return referral


def referrals_for_partner(*, partner: PartnerAgency) -> QuerySet[Referral]:
    """What a partner may list: its own referrals only."""
    return (Referral.objects.filter(partner=partner)
            .select_related("intervention", "household", "agreement")
            .order_by("-created_at", "-id"))


def referral_payload_for_partner(*, referral: Referral) -> dict[str, Any]:
    """The referral as the partner sees it; fields the agreement no longer allows are dropped."""
    allowed = set(referral.agreement.referral_fields or [])
    return {
        "id": referral.pk,
        "intervention": referral.intervention.code,
        "intervention_name": referral.intervention.name,
        "created_at": referral.created_at.isoformat(),
        "status": referral.status,
        "outcome": referral.outcome,
        "outcome_note": referral.outcome_note,
        "household": {k: v for k, v in (referral.payload or {}).items() if k in allowed},
    }
