"""Portal pages through HTTP: who sees what, audit on open, claim in place, query counts."""

from __future__ import annotations

import pytest

from alerts.models import WorkItem, WorkItemAction
from dhs.models import AuditEvent
from tests.browser.world import build_portal_world

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures (transparency, office traffic) are keyed by ids a rollback reuses."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

@pytest.fixture
def world(office_a, office_b):
    return build_portal_world(office=office_a, other_office=office_b)


def test_login_page_renders_and_anonymous_is_sent_to_login(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b"Sign in" in page.content
    for url in ("/queue/", "/supervisor/", "/models/", "/review/links/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_header_says_who_and_where(client, alice, world):
    client.force_login(alice)
    page = client.get("/queue/")
    text = page.content.decode()
    assert "Signed in as" in text and "alice" in text and "(caseworker)" in text
    assert "Northside Service Center" in text
    assert "Supervisor" not in text.split("<main")[0]  # no supervisor link for caseworkers


def test_queue_lists_office_items_by_priority_with_reason_and_deadline(client, alice, world):
    client.force_login(alice)
    page = client.get("/queue/")
    assert page.status_code == 200
    refs = [h.ref for h in world["households"]]
    text = page.content.decode()
    positions = [text.index(ref) for ref in refs]
    assert positions == sorted(positions)  # critical first, earlier hearing first
    assert "Eviction hearing" in text
    assert world["other_household"].ref not in text


def test_queue_filters(client, alice, world):
    client.force_login(alice)
    text = client.get("/queue/?band=critical").content.decode()
    assert world["households"][0].ref in text and world["households"][1].ref not in text
    text = client.get("/queue/?flag=utility_shutoff").content.decode()
    assert world["households"][0].ref not in text
    text = client.get("/queue/?flag=eviction_hearing").content.decode()
    assert all(h.ref in text for h in world["households"])
    text = client.get("/queue/?mine=on").content.decode()
    assert "Nothing in the queue" in text
    partial = client.get("/queue/?band=high", HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="queue-results")
    assert b"<html" not in partial.content and world["households"][1].ref.encode() in \
        partial.content


def test_queue_query_count_is_pinned(client, alice, world, django_assert_num_queries):
    from tests.factories import HouseholdFactory

    client.force_login(alice)
    client.get("/queue/")  # warm the session
    with django_assert_num_queries(10):
        client.get("/queue/")
    more = [HouseholdFactory(office=world["households"][0].office) for _ in range(5)]
    WorkItem.objects.bulk_create([WorkItem(household=h, office=h.office, priority=1,
                                           top_reason="test") for h in more])
    with django_assert_num_queries(10):
        page = client.get("/queue/")
    assert page.content.count(b'data-testid="queue-row"') == 8


def test_claim_in_place_and_conflict(client, alice, bob, world):
    item = WorkItem.objects.get(household=world["households"][0])
    client.force_login(alice)
    row = client.post(f"/queue/items/{item.pk}/claim/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert b'data-testid="claimed"' in row.content and b"<html" not in row.content
    item.refresh_from_db()
    assert item.assigned_to == alice
    client.force_login(bob)
    row = client.post(f"/queue/items/{item.pk}/claim/", HTTP_HX_REQUEST="true")
    assert b"already claimed" in row.content
    item.refresh_from_db()
    assert item.assigned_to == alice


def test_household_page_is_audited_and_explains(client, alice, world):
    hh = world["households"][0]
    client.force_login(alice)
    before = AuditEvent.objects.filter(action="view_household", household_ref=hh.ref).count()
    page = client.get(f"/households/{hh.ref}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert AuditEvent.objects.filter(action="view_household", household_ref=hh.ref,
                                     username="alice").count() == before + 1
    assert "Why this household is here" in text
    assert "eviction case filed 6 days ago" in text  # a score factor in plain words
    assert "Eviction hearing" in text  # the open flag
    assert "Emergency rental assistance" in text  # an eligible intervention
    assert "Not eligible, and why" in text
    assert 'id="score-history"' in text  # chart data via json_script
    assert "Source: Eviction filings" in text


def test_household_of_other_office_and_analyst_get_404(client, charlie, ann, world):
    hh = world["households"][0]
    client.force_login(charlie)
    assert client.get(f"/households/{hh.ref}/").status_code == 404
    client.force_login(ann)
    assert client.get(f"/households/{hh.ref}/").status_code == 404
    assert client.get(f"/households/{world['other_household'].ref}/").status_code == 404
    assert not AuditEvent.objects.filter(action="view_household", username="ann").exists()
    assert client.get("/queue/").status_code == 403
    assert client.get("/models/").status_code == 200
    assert client.get("/transparency/").status_code == 200


def test_offer_and_outcome_recorded(client, alice, world):
    hh = world["households"][0]
    client.force_login(alice)
    url = f"/households/{hh.ref}/act/"
    response = client.post(url, {"action": "intervention_offered",
                                 "intervention_code": "rental_assistance"})
    assert response.status_code == 302
    response = client.post(url, {"action": "accepted", "note": "Will apply tomorrow"},
                           follow=True)
    assert b"Recorded: accepted" in response.content
    actions = list(WorkItemAction.objects.filter(item__household=hh).values_list("action",
                                                                                 flat=True))
    assert "intervention_offered" in actions and "accepted" in actions
    assert WorkItem.objects.get(household=hh).status == WorkItem.CLOSED


def test_dismissal_requires_note_and_supervisor_reviews(client, alice, sam, world):
    hh = world["households"][0]
    client.force_login(alice)
    page = client.post(f"/households/{hh.ref}/act/", {"action": "dismissed"}, follow=True)
    assert b"Say why" in page.content
    client.post(f"/households/{hh.ref}/act/", {"action": "dismissed", "note": "Moved away"})
    dismissal = WorkItemAction.objects.get(item__household=hh, action="dismissed")
    assert dismissal.review_status == "pending"
    client.force_login(sam)
    page = client.get("/supervisor/")
    assert b"Moved away" in page.content
    row = client.post(f"/supervisor/dismissals/{dismissal.pk}/", {"decision": "reverse"},
                      HTTP_HX_REQUEST="true")
    assert b"Reversed" in row.content
    dismissal.refresh_from_db()
    assert dismissal.review_status == "reversed"


def test_note_added(client, alice, world):
    hh = world["households"][1]
    client.force_login(alice)
    page = client.post(f"/households/{hh.ref}/notes/", {"body": "Called, left voicemail."},
                       follow=True)
    assert b"Called, left voicemail." in page.content


def test_outreach_disabled_without_consent_says_why(client, alice, world):
    hh = world["households"][1]  # no consent
    client.force_login(alice)
    page = client.get(f"/households/{hh.ref}/")
    assert b'data-testid="outreach-blocked"' in page.content
    assert b"not agreed to text messages" in page.content
    response = client.post(f"/households/{hh.ref}/outreach/", {"body": "Hello"}, follow=True)
    assert b"not agreed" in response.content


def test_supervisor_reassigns_and_reads_audit_trail(client, alice, bob, sam, world):
    hh = world["households"][0]
    item = WorkItem.objects.get(household=hh)
    client.force_login(alice)  # bob is there too: supervisor can choose between them
    client.force_login(sam)
    page = client.get("/supervisor/")
    assert page.status_code == 200
    assert b"Team overview" in page.content and b"alice" in page.content
    row = client.post(f"/supervisor/items/{item.pk}/assign/", {"assignee": bob.pk},
                      HTTP_HX_REQUEST="true")
    assert b'data-testid="assigned"' in row.content
    item.refresh_from_db()
    assert item.assigned_to == bob
    page = client.get(f"/supervisor/?ref={hh.ref}")
    assert b"work_item.assigned" in page.content
    assert AuditEvent.objects.filter(action="view_audit", household_ref=hh.ref).exists()
    assert client.get(f"/supervisor/?ref={world['other_household'].ref}").status_code == 404


def test_supervisor_warns_above_sustainable_caseload(client, alice, sam, world, office_a):
    office_a.sustainable_caseload = 1
    office_a.save()
    for hh in world["households"][:2]:
        client.force_login(alice)
        client.post(f"/queue/items/{WorkItem.objects.get(household=hh).pk}/claim/")
    client.force_login(sam)
    page = client.get("/supervisor/")
    assert b'data-testid="over-caseload"' in page.content


def test_caseworker_cannot_open_supervisor_pages(client, alice, world):
    client.force_login(alice)
    assert client.get("/supervisor/").status_code == 403
    assert client.get("/review/links/").status_code == 403
    assert client.get("/models/").status_code == 403


def test_office_dashboard_scoped_and_refreshes(client, alice, charlie, ann, world):
    client.force_login(alice)
    page = client.get("/offices/NORTH/dashboard/")
    assert page.status_code == 200
    assert b'hx-trigger="every 30s"' in page.content
    assert b'id="traffic-data"' in page.content
    partial = client.get("/offices/NORTH/dashboard/", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"waiting now" in partial.content
    client.force_login(charlie)
    assert client.get("/offices/NORTH/dashboard/").status_code == 404
    client.force_login(ann)
    assert client.get("/offices/NORTH/dashboard/").status_code == 200


def test_models_page(client, sam, world):
    client.force_login(sam)
    page = client.get("/models/")
    text = page.content.decode()
    assert "20261101-logistic-test01" in text
    assert 'id="calibration-data"' in text and 'id="drift-data"' in text
    assert "Crises missed (false negative rate)" in text and "Hispanic" in text


def test_no_inline_scripts_or_styles(client, alice, sam, world):
    import re

    client.force_login(sam)
    hh = world["households"][0]
    pages = ["/queue/", f"/households/{hh.ref}/", "/supervisor/", "/review/links/",
             "/offices/NORTH/dashboard/", "/models/", "/transparency/"]
    for url in pages:
        text = client.get(url).content.decode()
        assert " style=" not in text, url
        assert "<style" not in text, url
        for tag in re.findall(r"<script[^>]*>", text):
            assert 'src="' in tag or 'type="application/json"' in tag, (url, tag)


def test_logout_is_post(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/queue/").status_code == 302


def test_lockout_message(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong-password!"})
    page = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password!"})
    assert page.status_code == 429
    assert b"Too many failed sign-in attempts" in page.content


def test_login_with_password_lands_on_queue(client, alice):
    response = client.post("/accounts/login/", {"username": "alice",
                                                "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/").url == "/queue/"


def test_idle_session_is_signed_out(client, alice, settings):
    import time

    client.force_login(alice)
    assert client.get("/queue/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get("/queue/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_outreach_composer_offers_rendered_templates(client, alice, world):
    client.force_login(alice)
    text = client.get(f"/households/{world['households'][0].ref}/").content.decode()
    assert 'data-sms-template-for="id_sms_body"' in text
    assert "Northside Service Center" in text.split('id="id_sms_template"')[1][:2000]


def test_anonymous_nav_offers_sign_in_and_404_page_is_styled(client):
    text = client.get("/transparency/").content.decode()
    assert "Staff sign in" in text
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
