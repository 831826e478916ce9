"""A supervisor of another office (not a matrix persona) sees and changes nothing of NORTH's:
every object URL answers 404, and nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.world import build_world


@pytest.fixture
def world(alice, bob, charlie, sam, ann, root_admin, court_partner, utility_partner):
    return build_world(alice=alice, bob=bob, charlie=charlie, sam=sam, ann=ann,
                       root_admin=root_admin, court_partner=court_partner,
                       utility_partner=utility_partner)


@pytest.fixture
def south_supervisor(office_b):
    from tests.factories import make_staff

    user = make_staff("sofia", role="supervisor", office=office_b)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_other_office_supervisor_gets_404_everywhere(world, south_supervisor):
    from alerts.models import WorkItem, WorkItemAction
    from dhs.models import AuditEvent
    from risk.models import LinkReview

    v = world.values
    gets = [f"/households/{v['ref']}/", f"/api/v1/staff/households/{v['ref']}/",
            f"/api/v1/staff/households/{v['ref']}/flags/", f"/supervisor/?ref={v['ref']}",
            f"/offices/{v['office_code']}/dashboard/"]
    for path in gets:
        assert south_supervisor.get(path).status_code == 404, path
    posts = [(f"/supervisor/items/{v['item_id']}/assign/", {"assignee": v["bob_id"]}),
             (f"/supervisor/dismissals/{v['action_id']}/", {"decision": "uphold"}),
             (f"/review/links/{v['review_id']}/", {"decision": "accept"}),
             (f"/queue/items/{v['item_id']}/claim/", {}),
             (f"/households/{v['ref']}/notes/", {"body": "peek"})]
    for path, data in posts:
        assert south_supervisor.post(path, data).status_code == 404, path
    assert WorkItem.objects.get(pk=world.item.pk).assigned_to_id is None
    assert WorkItemAction.objects.get(pk=world.dismissal.pk).review_status == "pending"
    assert LinkReview.objects.get(pk=world.review.pk).decision == "pending"
    assert not AuditEvent.objects.filter(username="sofia").exclude(action="login").exists()
    # and the supervisor's own pages do not list NORTH's work
    page = south_supervisor.get("/supervisor/").content.decode()
    assert world.household.ref not in page
    assert south_supervisor.get("/review/links/").content.decode().count("EV-9002") == 0
