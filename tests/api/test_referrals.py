"""GET/PATCH /api/v1/referrals/: only this partner's referrals, only the agreed fields, audited."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from alerts.models import Intervention, Referral
from alerts.services.referrals import referral_payload_build
from dhs.models import AuditEvent
from tests.api.conftest import token_client
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def make_referral(partner, agreement, household, code: str = "legal_defense") -> Referral:  # noqa: ANN001
    intervention, _ = Intervention.objects.get_or_create(
        code=code, defaults={"name": code.replace("_", " ").title(), "provider": partner})
    return Referral.objects.create(
        household=household, intervention=intervention, partner=partner, agreement=agreement,
        payload=referral_payload_build(household=household,
                                       fields=["household_ref", "phone", "head_name",
                                               "address"]))


@pytest.fixture
def world(legal_aid, housing_authority, office_a):  # noqa: ANN001, ANN201
    households = [HouseholdFactory(office=office_a) for _ in range(3)]
    for h in households:
        PersonFactory(household=h, relationship="head")
    mine = [make_referral(legal_aid[0], legal_aid[1], h) for h in households]
    theirs = make_referral(housing_authority[0], housing_authority[1], households[0],
                           code="rental_assistance")
    return {"mine": mine, "theirs": theirs, "households": households}


@pytest.fixture
def legal_client(legal_aid) -> APIClient:  # noqa: ANN001
    return token_client(legal_aid[2])


def test_list_shows_only_own_referrals_newest_first(world, legal_client) -> None:  # noqa: ANN001
    response = legal_client.get("/api/v1/referrals/")
    assert response.status_code == 200
    body = response.json()
    ids = [r["id"] for r in body["results"]]
    assert ids == sorted((r.pk for r in world["mine"]), reverse=True)
    assert world["theirs"].pk not in ids
    assert {"next", "previous", "results"} <= set(body)


def test_only_the_agreed_fields_are_shown(world, legal_client) -> None:  # noqa: ANN001
    body = legal_client.get(f"/api/v1/referrals/{world['mine'][0].pk}/").json()
    # The stored payload has head_name and address, but the agreement allows only these two.
    assert set(body["household"]) == {"household_ref", "phone"}
    assert body["household"]["household_ref"] == world["households"][0].ref
    assert body["intervention"]["code"] == "legal_defense"


def test_another_partners_referral_is_404(world, legal_client) -> None:  # noqa: ANN001
    theirs = world["theirs"].pk
    assert legal_client.get(f"/api/v1/referrals/{theirs}/").status_code == 404
    response = legal_client.patch(f"/api/v1/referrals/{theirs}/", {"outcome": "served"},
                                  format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    world["theirs"].refresh_from_db()
    assert world["theirs"].outcome == ""


def test_partner_without_referral_agreement_is_403(world, court_client) -> None:  # noqa: ANN001
    response = court_client.get("/api/v1/referrals/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_agreement"


def test_patch_records_the_outcome(world, legal_client) -> None:  # noqa: ANN001
    referral = world["mine"][1]
    response = legal_client.patch(f"/api/v1/referrals/{referral.pk}/",
                                  {"outcome": "enrolled", "note": "Enrolled today."},
                                  format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "enrolled"
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_note) == ("enrolled", "Enrolled today.")
    assert referral.outcome_at is not None


def test_patch_with_unknown_outcome_is_400(world, legal_client) -> None:  # noqa: ANN001
    response = legal_client.patch(f"/api/v1/referrals/{world['mine'][0].pk}/",
                                  {"outcome": "done"}, format="json")
    assert response.status_code == 400
    assert "outcome" in response.json()["error"]["fields"]


def test_filters_and_cursor_pagination(world, legal_client) -> None:  # noqa: ANN001
    legal_client.patch(f"/api/v1/referrals/{world['mine'][0].pk}/", {"outcome": "declined"},
                       format="json")
    declined = legal_client.get("/api/v1/referrals/?outcome=declined").json()["results"]
    assert [r["id"] for r in declined] == [world["mine"][0].pk]
    pending = legal_client.get("/api/v1/referrals/?outcome_pending=true").json()["results"]
    assert len(pending) == 2
    page = legal_client.get("/api/v1/referrals/?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]
    rest = legal_client.get(page["next"]).json()
    assert len(rest["results"]) == 1
    bad = legal_client.get("/api/v1/referrals/?outcome=nonsense")
    assert bad.status_code == 400 and "outcome" in bad.json()["error"]["fields"]


def test_every_read_is_audited_with_partner_and_purpose(world, legal_aid,  # noqa: ANN001
                                                        legal_client) -> None:  # noqa: ANN001
    before = AuditEvent.objects.count()
    legal_client.get("/api/v1/referrals/")
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 3
    assert {e.household_ref for e in events} == {h.ref for h in world["households"]}
    assert all(e.partner_id == legal_aid[0].pk and e.action == "api_read"
               and e.purpose for e in events)
    referral = world["mine"][2]
    legal_client.get(f"/api/v1/referrals/{referral.pk}/")
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.object_type, event.object_id) == ("referral", str(referral.pk))
    assert "eviction defence referrals" in event.purpose


def test_expired_agreement_hides_referrals(world, legal_aid, legal_client) -> None:  # noqa: ANN001
    legal_aid[1].status = "suspended"
    legal_aid[1].save()
    assert legal_client.get("/api/v1/referrals/").status_code == 403


def test_list_query_count_does_not_grow_with_rows(world, legal_aid, legal_client,  # noqa: ANN001
                                                  django_assert_max_num_queries,  # noqa: ANN001
                                                  office_a) -> None:  # noqa: ANN001
    legal_client.get("/api/v1/referrals/")  # warm caches (content types, sessions)
    with django_assert_max_num_queries(12) as few:
        legal_client.get("/api/v1/referrals/")
    for _ in range(10):
        household = HouseholdFactory(office=office_a)
        make_referral(legal_aid[0], legal_aid[1], household)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(legal_client.get("/api/v1/referrals/").json()["results"]) == 13
