from __future__ import annotations

import pytest

from alerts.models import WorkItem
from alerts.services.catalogue import catalogue_load
from alerts.services.flags import flags_evaluate
from alerts.services.referrals import (
    referral_create,
    referral_payload_for_partner,
    referral_record_outcome,
    referrals_for_partner,
)
from alerts.services.work_items import work_items_refresh
from cases.models import CrisisEvent
from dhs.exceptions import AgreementError, ApplicationError
from dhs.models import DataSharingAgreement, PartnerAgency
from tests.alerts.helpers import eviction, household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue():
    catalogue_load()


def test_payload_carries_only_the_agreement_fields(office_a, alice):
    h = household(office=office_a, size=3, children=1, income=1500)
    referral = referral_create(household=h, intervention_code="eviction_legal_aid", user=alice)
    head = h.members.get(relationship="head")
    assert referral.payload == {"household_ref": h.ref, "head_name": head.full_name,
                                "phone": h.phone, "address": h.address_line,
                                "household_size": 3}
    assert "monthly_income" not in referral.payload
    partner = PartnerAgency.objects.get(code="legal-aid")
    assert list(referrals_for_partner(partner=partner)) == [referral]
    assert referrals_for_partner(partner=PartnerAgency.objects.get(code="housing-authority")) \
        .count() == 0
    seen = referral_payload_for_partner(referral=referral)
    assert seen["household"] == referral.payload and seen["intervention"] == "eviction_legal_aid"
    # the agreement narrows later: the partner no longer sees the dropped field
    DataSharingAgreement.objects.filter(partner=partner).update(
        referral_fields=["household_ref"])
    referral.agreement.refresh_from_db()
    assert referral_payload_for_partner(referral=referral)["household"] == {
        "household_ref": h.ref}


def test_no_referral_without_an_active_agreement(office_a, alice):
    DataSharingAgreement.objects.filter(partner__code="housing-authority").update(
        status="suspended")
    with pytest.raises(AgreementError):
        referral_create(household=household(office=office_a),
                        intervention_code="rental_assistance", user=alice)
    DataSharingAgreement.objects.filter(partner__code="legal-aid").update(
        receives_referrals=False)
    with pytest.raises(AgreementError):
        referral_create(household=household(office=office_a),
                        intervention_code="eviction_legal_aid", user=alice)


def test_partner_outcome_closes_the_item_and_becomes_a_training_outcome(office_a, alice):
    h = household(office=office_a)
    eviction(h)
    flags_evaluate(household_ids=[h.id])
    work_items_refresh(household_ids=[h.id])
    item = WorkItem.objects.get(household=h)
    referral = referral_create(household=h, intervention_code="rental_assistance", user=alice,
                               work_item=item)
    assert referral.work_item == item
    assert item.actions.filter(action="referred").count() == 1
    housing = PartnerAgency.objects.get(code="housing-authority")
    with pytest.raises(ApplicationError) as err:
        referral_record_outcome(referral=referral, partner=PartnerAgency.objects.get(
            code="legal-aid"), outcome="served")
    assert err.value.code == "not_found"
    with pytest.raises(ApplicationError):
        referral_record_outcome(referral=referral, partner=housing, outcome="maybe")
    referral = referral_record_outcome(referral=referral, partner=housing, outcome="served",
                                       note="Paid two months of rent")
    assert (referral.outcome, referral.status) == ("served", "closed")
    item.refresh_from_db()
    assert item.status == "closed" and item.outcome == "referral_served"
    assert item.actions.filter(action="accepted", by=None).exists()
    event = CrisisEvent.objects.get(household=h)
    assert (event.event_type, event.source) == ("emergency_assistance", "partner")


def test_unreachable_keeps_the_item_open(office_a, alice):
    h = household(office=office_a)
    eviction(h)
    flags_evaluate(household_ids=[h.id])
    work_items_refresh(household_ids=[h.id])
    item = WorkItem.objects.get(household=h)
    referral = referral_create(household=h, intervention_code="eviction_legal_aid", user=alice,
                               work_item=item)
    referral_record_outcome(referral=referral, partner=referral.partner, outcome="unreachable")
    item.refresh_from_db()
    assert item.status != "closed" and item.actions.filter(action="unreachable").exists()
    assert not CrisisEvent.objects.exists()
