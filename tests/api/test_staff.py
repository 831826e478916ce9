"""Staff endpoints: session auth, office scope, audit of every household read."""

from __future__ import annotations

import pytest
from django.test import Client

from alerts.models import Flag, FlagRule, WorkItem, WorkItemAction
from dhs.models import AuditEvent
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_world(office_a, office_b, household_a):  # noqa: ANN001, ANN201
    rule = FlagRule.objects.create(code="eviction_filed", name="Eviction filed",
                                   severity="critical")
    flag = Flag.objects.create(household=household_a, rule=rule, severity="critical",
                               reason="Eviction filed 3 days ago", evidence_key="ev:1",
                               evidence=[{"source": "eviction_filings", "date": "2026-11-28"}])
    item_a = WorkItem.objects.create(household=household_a, office=office_a, priority=0.9,
                                     severity="critical", top_reason="Eviction filed")
    other = HouseholdFactory(office=office_a)
    item_low = WorkItem.objects.create(household=other, office=office_a, priority=0.2,
                                       severity="low", top_reason="School absences")
    south = HouseholdFactory(office=office_b)
    PersonFactory(household=south)
    item_b = WorkItem.objects.create(household=south, office=office_b, priority=0.99,
                                     severity="high")
    return {"flag": flag, "item_a": item_a, "item_low": item_low, "item_b": item_b,
            "south": south}


def login(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_queue_is_own_office_by_priority(alice, queue_world) -> None:  # noqa: ANN001
    response = login(alice).get("/api/v1/staff/queue/")
    assert response.status_code == 200
    ids = [r["id"] for r in response.json()["results"]]
    assert ids == [queue_world["item_a"].pk, queue_world["item_low"].pk]
    assert response.json()["results"][0]["household_ref"] == queue_world["item_a"].household.ref


def test_queue_filters_and_bad_filter(alice, queue_world) -> None:  # noqa: ANN001
    client = login(alice)
    rows = client.get("/api/v1/staff/queue/?severity=low").json()["results"]
    assert [r["id"] for r in rows] == [queue_world["item_low"].pk]
    bad = client.get("/api/v1/staff/queue/?severity=urgent")
    assert bad.status_code == 400 and "severity" in bad.json()["error"]["fields"]


def test_queue_reads_are_audited(alice, queue_world) -> None:  # noqa: ANN001
    client = login(alice)
    before = AuditEvent.objects.count()
    client.get("/api/v1/staff/queue/")
    events = AuditEvent.objects.order_by("id")[before:]
    assert {(e.username, e.purpose, e.object_type) for e in events} == {
        ("alice", "casework", "work_item")}
    assert len(events) == 2


def test_household_summary_and_flags(alice, household_a, queue_world) -> None:  # noqa: ANN001
    client = login(alice)
    summary = client.get(f"/api/v1/staff/households/{household_a.ref}/").json()
    assert summary["ref"] == household_a.ref and summary["office"] == "NORTH"
    assert summary["open_flags"] == 1 and summary["open_work_item"] == queue_world[
        "item_a"].pk
    assert len(summary["members"]) == 1
    flags = client.get(f"/api/v1/staff/households/{household_a.ref}/flags/").json()
    assert [f["rule"] for f in flags] == ["eviction_filed"]
    assert flags[0]["evidence"][0]["source"] == "eviction_filings"
    events = AuditEvent.objects.filter(household_ref=household_a.ref, username="alice",
                                       action="api_read")
    assert {e.object_type for e in events} == {"household", "flags"}


def test_other_office_household_is_404(charlie, household_a, queue_world) -> None:  # noqa: ANN001
    client = login(charlie)
    for url in (f"/api/v1/staff/households/{household_a.ref}/",
                f"/api/v1/staff/households/{household_a.ref}/flags/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert not AuditEvent.objects.filter(household_ref=household_a.ref).exists()


def test_analyst_is_refused(ann, queue_world) -> None:  # noqa: ANN001
    response = login(ann).get("/api/v1/staff/queue/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_record_an_action(alice, queue_world) -> None:  # noqa: ANN001
    item = queue_world["item_a"]
    response = login(alice).post(f"/api/v1/staff/work-items/{item.pk}/actions/",
                                 {"action": "contacted", "note": "Left a voicemail."},
                                 content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["action"], body["by"], body["item"]) == ("contacted", "alice", item.pk)
    assert WorkItemAction.objects.filter(item=item, action="contacted").exists()


def test_action_needs_csrf_token_with_session(alice, queue_world) -> None:  # noqa: ANN001
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(f"/api/v1/staff/work-items/{queue_world['item_a'].pk}/actions/",
                           {"action": "contacted"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_action_on_other_office_item_is_404(alice, queue_world) -> None:  # noqa: ANN001
    item = queue_world["item_b"]
    response = login(alice).post(f"/api/v1/staff/work-items/{item.pk}/actions/",
                                 {"action": "contacted"}, content_type="application/json")
    assert response.status_code == 404
    assert not WorkItemAction.objects.filter(item=item).exists()


def test_invalid_action_is_400(alice, queue_world) -> None:  # noqa: ANN001
    item = queue_world["item_a"]
    client = login(alice)
    response = client.post(f"/api/v1/staff/work-items/{item.pk}/actions/",
                           {"action": "teleported"}, content_type="application/json")
    assert response.status_code == 400 and "action" in response.json()["error"]["fields"]
    response = client.post(f"/api/v1/staff/work-items/{item.pk}/actions/",
                           {"action": "dismissed"}, content_type="application/json")
    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
