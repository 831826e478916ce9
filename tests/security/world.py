"""A small, real world for the security tests: personas plus one of every object a URL names.

A household of office NORTH with a person, an eviction signal, a score, an open flag and an
open work item; a pending link review and a pending dismissal in NORTH; a referral sent to the
court under an agreement that receives referrals; an intervention the court provides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

RACE_MARKER = "Zyxwaraceq"  # a race_ethnicity value no page would print by accident


@dataclass
class World:
    users: dict[str, Any]
    tokens: dict[str, str]
    household: Any
    person: Any
    item: Any
    review: Any
    dismissal: Any
    referral: Any
    intervention: Any
    court: Any
    values: dict[str, str]


def build_world(*, alice, bob, charlie, sam, ann, root_admin, court_partner,
                utility_partner) -> World:
    """Everything every access-matrix row needs, owned by office NORTH."""
    from alerts.models import Flag, FlagRule, Intervention, Referral, WorkItem, WorkItemAction
    from alerts.services.hsds import services_as_hsds
    from cases.models import Person
    from risk.models import CurrentScore, FeedBatch, LinkReview, ModelVersion, RawRecord, Signal
    from tests.factories import HouseholdFactory, PersonFactory

    court, court_token = court_partner
    _, utility_token = utility_partner
    agreement = court.agreements.get()
    agreement.receives_referrals = True
    agreement.referral_fields = ["household_ref", "head_first_name", "head_last_name", "phone"]
    agreement.save()

    office = alice.staff.office
    household = HouseholdFactory(office=office, sms_consent=True, phone="+12175550123")
    person = PersonFactory(household=household, race_ethnicity=RACE_MARKER)
    other = HouseholdFactory(office=office)
    other_person = PersonFactory(household=other, race_ethnicity=RACE_MARKER)

    today = timezone.localdate()
    signal = Signal.objects.create(
        household=household, person=person, source="eviction_filings", kind="eviction_filing",
        occurred_on=today - dt.timedelta(days=5), deadline=today + dt.timedelta(days=10),
        amount=Decimal("1800.00"), details={"case_number": "EV-9001"})
    version = ModelVersion.objects.create(
        version="sec-v1", algorithm="test", file_path="/dev/null", sha256="0" * 64,
        as_of=today, status=ModelVersion.PROMOTED, promoted_at=timezone.now(),
        band_cutoffs={"elevated": 0.1, "high": 0.3, "critical": 0.5})
    CurrentScore.objects.create(
        household=household, model_version=version, as_of=timezone.now(), score=0.62,
        band="critical", factors=[{"feature": "eviction", "label": "eviction filed 5 days ago",
                                   "contribution": 1.1}])
    rule, _ = FlagRule.objects.get_or_create(
        code="eviction_filed", defaults={"name": "Eviction filed", "severity": "high"})
    Flag.objects.create(household=household, rule=rule, severity="high",
                        reason="Eviction filed 5 days ago", evidence_key="EV-9001",
                        signal=signal, evidence=[{"source": "eviction_filings"}])
    item = WorkItem.objects.create(household=household, office=office, priority=0.9,
                                   severity="high", top_reason="Eviction filed 5 days ago")
    other_item = WorkItem.objects.create(household=other, office=office, priority=0.5,
                                         severity="high", top_reason="Utility shut-off")
    dismissal = WorkItemAction.objects.create(item=other_item, action="dismissed", by=bob,
                                              note="already housed", review_status="pending")
    WorkItem.objects.filter(pk=other_item.pk).update(needs_review=True)

    batch = FeedBatch.objects.create(source="eviction_filings", partner=court,
                                     agreement=agreement, status="done")
    raw = RawRecord.objects.create(
        batch=batch, source="eviction_filings", line=2, record_id="EV-9002",
        content_hash="f" * 64, status="review", agreement=agreement,
        raw={"case_number": "EV-9002", "defendant_name": "DOE, JANE"},
        parsed={"record_id": "EV-9002"})
    review = LinkReview.objects.create(raw_record=raw, person=other_person,
                                       match_probability=0.7,
                                       comparison={"last_name": "exact"})

    intervention = Intervention.objects.create(
        code="rental_assistance", name="Emergency rental assistance", provider=court,
        description="One-time help with back rent.", answers_flags=["eviction_filed"])
    referral = Referral.objects.create(
        household=household, intervention=intervention, partner=court, agreement=agreement,
        work_item=item, created_by=alice,
        payload={"household_ref": household.ref, "head_first_name": person.first_name,
                 "head_last_name": person.last_name, "phone": household.phone})
    services = services_as_hsds()
    assert Person.objects.filter(race_ethnicity=RACE_MARKER).count() == 2
    users = {"caseworker": alice, "other_office": charlie, "supervisor": sam, "analyst": ann,
             "admin": root_admin, "bob": bob}
    return World(
        users=users,
        tokens={"partner": court_token, "partner_no_agreement": utility_token},
        household=household, person=person, item=item, review=review, dismissal=dismissal,
        referral=referral, intervention=intervention, court=court,
        values={"ref": household.ref, "item_id": str(item.pk), "review_id": str(review.pk),
                "action_id": str(dismissal.pk), "office_code": office.code,
                "referral_id": str(referral.pk), "service_id": str(services[0]["id"]),
                "intervention_code": intervention.code, "bob_id": str(bob.pk)})


def fill(template: Any, values: dict[str, str]) -> Any:
    """Fill {placeholders} in a path, or recursively in a form/JSON body."""
    if isinstance(template, str):
        return template.format(**values) if "{" in template else template
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


def client_for(persona: str, world: World):  # noqa: ANN201
    """A Django test client acting as the persona (session for staff, token for partners)."""
    from django.test import Client

    if persona in world.tokens:
        return Client(HTTP_AUTHORIZATION=f"Token {world.tokens[persona]}")
    client = Client()
    user = world.users.get(persona)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def make_personas() -> dict[str, Any]:
    """The conftest personas, built outside a test (for a module-scoped world)."""
    from dhs.models import PartnerToken
    from tests.conftest import PASSWORD
    from tests.factories import AgreementFactory, OfficeFactory, PartnerFactory, make_staff

    north = OfficeFactory(code="NORTH", name="Northside Service Center")
    south = OfficeFactory(code="SOUTH", name="Southside Service Center")
    out: dict[str, Any] = {
        "alice": make_staff("alice", role="caseworker", office=north, password=PASSWORD),
        "bob": make_staff("bob", role="caseworker", office=north, password=PASSWORD),
        "charlie": make_staff("charlie", role="caseworker", office=south, password=PASSWORD),
        "sam": make_staff("sam", role="supervisor", office=north, password=PASSWORD),
        "ann": make_staff("ann", role="analyst", office=None, password=PASSWORD),
        "root_admin": make_staff("root", role="admin", office=None, password=PASSWORD),
    }
    for name, code, kind, sources in (("court_partner", "court", "court", ["eviction_filings"]),
                                      ("utility_partner", "utility", "utility",
                                       ["utility_shutoffs"])):
        partner = PartnerFactory(code=code, name=f"{code.title()} (test)", kind=kind)
        AgreementFactory(partner=partner, sources=sources)
        _, raw = PartnerToken.issue(partner=partner, days=30)
        out[name] = (partner, raw)
    return out
