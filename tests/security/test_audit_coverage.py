"""What must leave an audit event does: reads, changes, sign-ins, exports, promotion, and reading
the audit log itself. (Immutability of the log: tests/dhs/test_audit_log.py; retention's audit
event: tests/risk/test_ingestion.py::test_retention_deletes_old_rows_and_audits.)"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from dhs.models import AuditEvent
from tests.conftest import PASSWORD
from tests.security.world import build_world, client_for


@pytest.fixture
def world(alice, bob, charlie, sam, ann, root_admin, court_partner, utility_partner):
    return build_world(alice=alice, bob=bob, charlie=charlie, sam=sam, ann=ann,
                       root_admin=root_admin, court_partner=court_partner,
                       utility_partner=utility_partner)


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_household_page_read_is_audited_with_who_where_why(world):
    client = client_for("caseworker", world)
    response = client.get(f"/households/{world.household.ref}/", HTTP_USER_AGENT="pytest-ua",
                          REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    [event] = events(action="view_household")
    assert (event.username, event.household_ref, event.purpose) == (
        "alice", world.household.ref, "casework")
    assert event.ip_address == "10.1.2.3" and event.user_agent == "pytest-ua"


def test_a_refused_read_is_not_logged_as_a_read(world):
    assert client_for("other_office", world).get(
        f"/households/{world.household.ref}/").status_code == 404
    assert not events(action="view_household")


def test_staff_api_reads_are_audited(world):
    client = client_for("caseworker", world)
    ref = world.household.ref
    for path in (f"/api/v1/staff/households/{ref}/", f"/api/v1/staff/households/{ref}/flags/",
                 "/api/v1/staff/queue/"):
        assert client.get(path).status_code == 200, path
    reads = events(action="api_read", username="alice")
    assert {e.object_type for e in reads} >= {"household", "flags", "work_item"}
    assert all(e.household_ref for e in reads)


def test_partner_api_reads_and_updates_are_audited(world):
    client = client_for("partner", world)
    assert client.get("/api/v1/referrals/").status_code == 200
    assert client.get(f"/api/v1/referrals/{world.referral.pk}/").status_code == 200
    assert client.patch(f"/api/v1/referrals/{world.referral.pk}/",
                        data=json.dumps({"outcome": "enrolled", "note": ""}),
                        content_type="application/json").status_code == 200
    reads = events(action="api_read", partner=world.court)
    assert len(reads) == 2
    assert all(e.household_ref == world.household.ref and e.user_id is None for e in reads)
    assert events(action="api_update", partner=world.court)


def test_notes_actions_claims_referrals_outreach_are_audited(world):
    client = client_for("caseworker", world)
    ref = world.household.ref
    assert client.post(f"/queue/items/{world.item.pk}/claim/").status_code == 302
    assert client.post(f"/households/{ref}/notes/", {"body": "Called, no answer."}
                       ).status_code == 302
    assert client.post(f"/households/{ref}/act/", {"action": "contacted", "note": "x"}
                       ).status_code == 302
    assert client.post(f"/households/{ref}/refer/",
                       {"intervention_code": world.intervention.code}).status_code == 302
    actions = {e.action for e in events(username="alice", household_ref=ref)}
    assert {"work_item.claimed", "note.add", "work_item.contacted", "referral.create"} \
        <= actions, actions


def test_supervisor_reassignment_and_link_decision_are_audited(world):
    client = client_for("supervisor", world)
    assert client.post(f"/supervisor/items/{world.item.pk}/assign/",
                       {"assignee": world.users["bob"].pk}).status_code == 302
    assert client.post(f"/review/links/{world.review.pk}/",
                       {"decision": "reject"}).status_code == 302
    actions = {e.action for e in events(username="sam")}
    assert {"work_item.assigned", "link_review"} <= actions, actions


def test_sign_in_and_failed_sign_in_are_audited(world, client):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong-one"},
                           REMOTE_ADDR="10.9.9.9")
    assert response.status_code in (200, 403)
    [failed] = events(action="login_failed")
    assert failed.details["username"] == "alice" and failed.ip_address == "10.9.9.9"
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    [login] = events(action="login")
    assert login.username == "alice"


def test_exports_are_audited(world, tmp_path):
    call_command("export_scores", str(tmp_path / "scores.csv"))
    call_command("export_links", "eviction_filings", str(tmp_path / "links.csv"))
    scores = events(action="export_scores")
    links = events(action="export_links")
    assert len(scores) == 1 and scores[0].details["rows"] >= 1
    assert len(links) == 1 and links[0].details["source"] == "eviction_filings"


def test_model_promotion_is_audited_with_the_override_reason(world, monkeypatch, root_admin):
    import risk.services.fairness as fairness
    from risk.models import ModelVersion

    failed = {"passed": False, "violations": [{"dimension": "office", "group": "SOUTH",
                                               "metric": "selection_rate", "ratio": 0.5}]}
    monkeypatch.setattr(fairness, "fairness_report", lambda mv, scorer=None: dict(failed))
    ModelVersion.objects.create(version="sec-v2", algorithm="test", file_path="/dev/null",
                                sha256="1" * 64, as_of=timezone.localdate())
    fairness.model_promote(version="sec-v2", user=root_admin,
                           override_reason="Board approved a supervised pilot")
    [event] = events(action="model_promote")
    assert event.object_id == "sec-v2" and event.username == "root"
    assert event.details["override_reason"] == "Board approved a supervised pilot"


def test_reading_the_audit_log_is_itself_audited(world):
    sup = client_for("supervisor", world)
    response = sup.get("/supervisor/", {"ref": world.household.ref})
    assert response.status_code == 200
    [trail] = events(action="view_audit")
    assert trail.username == "sam" and trail.household_ref == world.household.ref
    admin = client_for("admin", world)
    assert admin.get("/admin/dhs/auditevent/", {"q": world.household.ref}).status_code == 200
    [search] = events(action="audit_search")
    assert search.username == "root" and search.details["query"] == {"q": world.household.ref}
