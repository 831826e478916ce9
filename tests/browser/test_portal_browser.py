"""A caseworker's and a supervisor's day in headless Chromium, with axe-core on every page."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.utils import timezone

from alerts.models import WorkItem, WorkItemAction
from risk.models import ModelVersion
from tests.browser.world import build_portal_world
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def orm(fn):  # noqa: ANN001, ANN201
    """Run a test-side query, waiting out the live server's lock on in-memory SQLite."""
    from django.db import OperationalError

    for _ in range(50):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    return fn()


def _link_review(household) -> None:  # noqa: ANN001
    from risk.models import FeedBatch, LinkReview, RawRecord

    batch = FeedBatch.objects.create(source="utility_shutoffs", status="done")
    raw = RawRecord.objects.create(
        batch=batch, source="utility_shutoffs", line=7, record_id="UA-5531:2026-11-20",
        content_hash="x" * 64, status=RawRecord.REVIEW,
        raw={"account_id": "UA-5531", "notice_date": "2026-11-20", "utility": "electric",
             "customer_name": "MARIA TESTPRSN", "service_address": "100 Maple St",
             "amount_past_due": "312.40", "scheduled_shutoff_date": "2026-12-09"})
    person = household.members.first()
    LinkReview.objects.create(raw_record=raw, person=person, match_probability=0.74,
                              comparison={
                                  "first_name": {"record": "MARIA", "candidate": "Maria",
                                                 "level": "exact", "weight": 3.1},
                                  "last_name": {"record": "TESTPRSN",
                                                "candidate": person.last_name,
                                                "level": "similar", "weight": 1.2},
                                  "dob": {"record": "", "candidate": "1988-04-17",
                                          "level": "missing", "weight": 0.0},
                                  "address": {"record": "100 Maple St 62701",
                                              "candidate": household.street,
                                              "level": "fuzzy", "weight": -0.4}})


def test_caseworker_claims_opens_offers_and_records(portal_factory, alice, office_a, office_b):
    world = build_portal_world(office=office_a, other_office=office_b)
    top = world["households"][0]

    anonymous = portal_factory()
    anonymous.goto("/transparency/")
    anonymous.check("01-transparency-public")

    # Password guessing ends in a clear lock-out page (django-axes).
    guesser = portal_factory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.login("mallory", "not-the-password")
    assert "Too many failed sign-in attempts" in guesser.page.content()
    guesser.check("02-locked-out")

    cw = portal_factory()
    cw.goto("/accounts/login/")
    cw.check("02-login")
    cw.login("alice", PASSWORD)
    assert cw.page.url.endswith("/queue/")
    assert "Signed in as" in cw.page.inner_text("[data-testid=whoami]")
    cw.check("03-queue")

    # Claim the top item in place (htmx swaps the row).
    first_row = cw.page.locator("[data-testid=queue-row]").first
    assert top.ref in first_row.inner_text()
    first_row.locator("[data-testid=claim]").click()
    item_id = orm(lambda: WorkItem.objects.get(household=top).pk)
    cw.page.wait_for_selector(f"#item-{item_id} "
                              "[data-testid=claimed]")
    assert orm(lambda: WorkItem.objects.get(household=top).assigned_to) == alice
    cw.check("04-queue-claimed")

    # Filters re-render the results in place.
    cw.page.select_option("#id_band", "critical")
    cw.page.wait_for_function("() => location.search.includes('band=critical')")
    cw.page.wait_for_load_state("networkidle")
    assert cw.page.locator("[data-testid=queue-row]").count() == 1

    # Open the household: why it is here, offer an intervention, record the outcome.
    cw.page.click(f"text={top.ref}")
    cw.page.wait_for_url(f"**/households/{top.ref}/")
    cw.page.wait_for_selector("canvas[data-chart=score-history]")
    assert "Why this household is here" in cw.page.content()
    cw.check("05-household")

    cw.page.click("[data-testid=offer-rental_assistance]")
    cw.page.wait_for_selector("text=Recorded: intervention offered")
    # The boosted form swapped the page in place; the score chart is drawn again.
    cw.page.wait_for_function(
        "() => !!Chart.getChart(document.querySelector('canvas[data-chart=score-history]'))")
    cw.page.click(".usa-banner__button")  # USWDS behaviours still work after the swap
    assert cw.page.is_visible("#gov-banner")
    cw.check("06-household-offered")

    cw.page.select_option("#id_action", "accepted")
    cw.page.fill("#id_action_note", "Family will apply with the housing authority tomorrow.")
    cw.page.click("[data-testid=action-form] button[type=submit]")
    cw.page.wait_for_selector("text=Recorded: accepted")
    item = orm(lambda: WorkItem.objects.get(household=top))
    assert item.status == WorkItem.CLOSED and item.outcome == "accepted"
    assert orm(lambda: list(item.actions.order_by("at").values_list("action", flat=True))) == [
        "claimed", "intervention_offered", "accepted"]
    cw.check("07-household-outcome")

    cw.goto(f"/offices/{office_a.code}/dashboard/")
    cw.page.wait_for_selector("canvas[data-chart=traffic-hour]")
    cw.check("08-office-dashboard")
    # The self-refresh (hx-trigger every 30s) swaps the body in; the charts are drawn again.
    cw.page.evaluate("() => htmx.ajax('GET', location.pathname, "
                     "{target: '#dashboard-body', swap: 'innerHTML', headers: {}})")
    cw.page.wait_for_function(
        "() => !!Chart.getChart(document.querySelector('canvas[data-chart=traffic-hour]'))")
    assert cw.page.locator("[data-testid=dashboard-stats]").count() == 1

    # On a phone: the same queue, navigation behind the USWDS menu button.
    cw.page.set_viewport_size({"width": 390, "height": 844})
    cw.goto("/queue/")
    assert cw.page.is_visible(".usa-menu-btn")
    cw.check("09-queue-phone")
    cw.page.set_viewport_size({"width": 1280, "height": 900})

    # Another office's household is a 404.
    response = cw.page.goto(cw.base_url + f"/households/{world['other_household'].ref}/")
    assert response.status == 404


def test_supervisor_reassigns_and_reviews_a_dismissal(portal_factory, alice, bob, sam, ann,
                                                       office_a):
    from alerts.services.work_items import work_item_act, work_item_claim

    world = build_portal_world(office=office_a)
    unassigned = WorkItem.objects.get(household=world["households"][1])
    dismissed = WorkItem.objects.get(household=world["households"][2])
    work_item_claim(item_id=dismissed.pk, user=bob)
    work_item_act(item_id=dismissed.pk, user=bob, action="dismissed",
                  note="Family says the landlord withdrew the case.")
    _link_review(world["households"][0])
    WorkItem.objects.filter(pk=unassigned.pk).update(
        sla_due_at=timezone.now() - dt.timedelta(hours=2))

    sup = portal_factory()
    sup.login("sam", PASSWORD)
    assert sup.page.url.endswith("/supervisor/")
    sup.check("10-supervisor")

    row = sup.page.locator(f"#sup-item-{unassigned.pk}")
    row.locator("[data-testid=assignee]").select_option(str(bob.pk))
    row.locator("[data-testid=assign]").click()
    sup.page.wait_for_selector(f"#sup-item-{unassigned.pk} [data-testid=assigned]")
    orm(unassigned.refresh_from_db)
    assert unassigned.assigned_to == bob

    dismissal = orm(lambda: WorkItemAction.objects.get(item=dismissed, action="dismissed"))
    sup.page.locator(f"#dismissal-{dismissal.pk} [data-testid=uphold]").click()
    sup.page.wait_for_selector(f"#dismissal-{dismissal.pk} [data-testid=review-done]")
    orm(dismissal.refresh_from_db)
    assert dismissal.review_status == "upheld"
    sup.check("11-supervisor-after")

    sup.page.fill("#audit-ref", world["households"][2].ref)
    sup.page.press("#audit-ref", "Enter")
    sup.page.wait_for_selector("[data-testid=audit-trail]")
    assert "work_item.dismissed" in sup.page.inner_text("[data-testid=audit-trail]")
    sup.check("12-supervisor-audit-trail")

    # The world's model version has no model file: with none promoted, the rescoring that an
    # accepted link triggers returns quietly (the MODEL contract).
    orm(lambda: ModelVersion.objects.update(status=ModelVersion.TRAINED))
    sup.goto("/review/links/")
    sup.check("13-link-review")
    sup.page.locator("[data-testid=accept-link]").first.click()
    sup.page.wait_for_selector("text=Linked to")
    orm(lambda: ModelVersion.objects.update(status=ModelVersion.PROMOTED))

    sup.goto("/models/")
    sup.page.wait_for_selector("canvas[data-chart=calibration]")
    sup.check("14-models")

    analyst = portal_factory()
    analyst.login("ann", PASSWORD)
    assert analyst.page.url.endswith("/models/")
    analyst.check("15-models-analyst")
    response = analyst.page.goto(analyst.base_url + f"/households/{world['households'][0].ref}/")
    assert response.status == 404
