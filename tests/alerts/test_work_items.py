from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from alerts.models import WorkItem, WorkItemAction
from alerts.selectors import (
    caseload_by_caseworker,
    dismissals_pending_review,
    overdue_items,
    queue_for_user,
)
from alerts.services.catalogue import catalogue_load
from alerts.services.flags import flags_evaluate
from alerts.services.work_items import (
    dismissal_review,
    work_item_act,
    work_item_assign,
    work_item_claim,
    work_items_assign_by_capacity,
    work_items_refresh,
)
from alerts.tasks import sla_sweep
from dhs.exceptions import ApplicationError
from dhs.models import AuditEvent
from tests.alerts.helpers import eviction, household, score, signal, today
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(db):
    catalogue_load()


def refresh(*households):
    ids = [h.id for h in households]
    flags_evaluate(household_ids=ids)
    work_items_refresh(household_ids=ids)


def item_of(h):
    return WorkItem.objects.exclude(status="closed").get(household=h)


def test_court_date_in_five_days_outranks_a_higher_score_without_deadline(office_a, alice):
    court = household(office=office_a)
    eviction(court, hearing_in=5)
    score(court, 0.30, "elevated")
    risky = household(office=office_a)
    score(risky, 0.92, "critical")
    quiet = household(office=office_a)
    score(quiet, 0.10, "low")
    refresh(court, risky, quiet)
    queue = list(queue_for_user(user=alice))
    assert [i.household_id for i in queue] == [court.id, risky.id]
    why = queue[0].priority_explanation
    assert why["urgency"] == {"deadline": (today() + dt.timedelta(days=5)).isoformat(),
                              "days": 5, "points": 33.33}
    assert why["severity"] == {"level": "critical", "points": 40.0, "from": "flag"}
    assert why["risk"]["points"] == 12.0 and why["total"] == queue[0].priority
    assert queue[0].top_reason.startswith("Eviction hearing on")
    assert queue[1].severity == "high" and queue[1].priority_explanation["severity"]["from"] \
        == "score band"


def test_one_open_item_per_household_and_sla_by_severity(office_a):
    h = household(office=office_a)
    signal(h, "utility_shutoff", deadline=today() + dt.timedelta(days=3), account_id="U1")
    refresh(h)
    item = item_of(h)
    assert item.severity == "high"
    assert abs((item.sla_due_at - timezone.now()).total_seconds() - 72 * 3600) < 120
    eviction(h, hearing_in=4)
    refresh(h)
    refresh(h)
    assert WorkItem.objects.filter(household=h).count() == 1
    item = item_of(h)
    assert item.severity == "critical"
    assert abs((item.sla_due_at - timezone.now()).total_seconds() - 24 * 3600) < 120


def test_rule_sla_hours_override(office_a):
    from alerts.models import FlagRule

    FlagRule.objects.filter(code="eviction_hearing").update(sla_hours=4)
    h = household(office=office_a)
    eviction(h)
    refresh(h)
    assert abs((item_of(h).sla_due_at - timezone.now()).total_seconds() - 4 * 3600) < 120


def test_queue_is_office_scoped(office_a, office_b, alice, charlie, ann):
    h = household(office=office_a)
    eviction(h)
    refresh(h)
    assert queue_for_user(user=alice).count() == 1
    assert queue_for_user(user=charlie).count() == 0
    assert queue_for_user(user=ann).count() == 0
    with pytest.raises(ApplicationError) as err:
        work_item_claim(item_id=item_of(h).id, user=charlie)
    assert err.value.code == "not_found"


def test_claim_once_then_already_claimed_and_audited(office_a, alice, bob):
    h = household(office=office_a)
    eviction(h)
    refresh(h)
    item = work_item_claim(item_id=item_of(h).id, user=alice)
    assert item.assigned_to == alice and item.status == "claimed"
    assert work_item_claim(item_id=item.id, user=alice).assigned_to == alice  # idempotent
    with pytest.raises(ApplicationError) as err:
        work_item_claim(item_id=item.id, user=bob)
    assert err.value.code == "already_claimed"
    assert AuditEvent.objects.filter(action="work_item.claimed", household_ref=h.ref).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_claiming_concurrently_exactly_one_wins(office_a, alice, bob):
    assert connection.vendor == "postgresql"
    households = [household(office=office_a) for _ in range(5)]
    for h in households:
        eviction(h)
    refresh(*households)
    for item in WorkItem.objects.all():
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def claim(user, item_id=item.id, barrier=barrier, results=results):
            from django.db import connections

            try:
                barrier.wait()
                work_item_claim(item_id=item_id, user=user)
                results[user.username] = "won"
            except ApplicationError as exc:
                results[user.username] = exc.code
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=(u,)) for u in (alice, bob)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == ["already_claimed", "won"], results
        item.refresh_from_db()
        winner = next(name for name, r in results.items() if r == "won")
        assert item.assigned_to.username == winner
        assert WorkItemAction.objects.filter(item=item, action="claimed").count() == 1


def test_dismissing_a_critical_item_waits_for_review_then_upheld(office_a, alice, sam):
    h = household(office=office_a)
    eviction(h)
    refresh(h)
    item = item_of(h)
    with pytest.raises(ApplicationError) as err:
        work_item_act(item_id=item.id, user=alice, action="dismissed")
    assert err.value.code == "reason_required"
    dismissal = work_item_act(item_id=item.id, user=alice, action="dismissed",
                              note="Family moved out of state")
    assert dismissal.review_status == "pending"
    item.refresh_from_db()
    assert item.needs_review and item.status != "closed"
    assert item not in queue_for_user(user=alice)
    assert item in queue_for_user(user=sam)
    assert list(dismissals_pending_review(office=office_a)) == [dismissal]
    with pytest.raises(ApplicationError):
        dismissal_review(action_id=dismissal.id, reviewer=alice, uphold=True)
    record = dismissal_review(action_id=dismissal.id, reviewer=sam, uphold=True)
    assert record.action == "review_upheld"
    item.refresh_from_db()
    assert item.status == "closed" and item.outcome == "dismissed" and not item.needs_review
    assert not h.flags.filter(resolved_at__isnull=True).exists()
    assert dismissals_pending_review(office=office_a).count() == 0
    assert AuditEvent.objects.filter(action="work_item.review_upheld").count() == 1


def test_reversed_dismissal_reopens_the_item(office_a, alice, sam):
    h = household(office=office_a)
    eviction(h)
    refresh(h)
    item = item_of(h)
    work_item_claim(item_id=item.id, user=alice)
    dismissal = work_item_act(item_id=item.id, user=alice, action="dismissed", note="dup")
    dismissal_review(action_id=dismissal.id, reviewer=sam, uphold=False)
    item.refresh_from_db()
    assert item.status == "claimed" and not item.needs_review and item.assigned_to == alice
    assert item in queue_for_user(user=alice)
    dismissal.refresh_from_db()
    assert dismissal.review_status == "reversed" and dismissal.reviewed_by == sam
    with pytest.raises(ApplicationError) as err:
        dismissal_review(action_id=dismissal.id, reviewer=sam, uphold=True)
    assert err.value.code == "already_reviewed"


def test_dismissing_a_medium_item_closes_it_at_once(office_a, alice):
    h = household(office=office_a)
    from tests.alerts.helpers import enrollment

    enrollment(h, "snap", recert_in=-5)
    refresh(h)
    item = item_of(h)
    assert item.severity == "medium"
    work_item_act(item_id=item.id, user=alice, action="dismissed", note="Already renewed")
    item.refresh_from_db()
    assert item.status == "closed" and item.outcome == "dismissed"


def test_actions_are_audited_and_accepted_closes(office_a, alice, bob):
    h = household(office=office_a)
    eviction(h)
    refresh(h)
    item = item_of(h)
    work_item_act(item_id=item.id, user=alice, action="contacted", note="Left a voicemail")
    with pytest.raises(ApplicationError) as err:
        work_item_act(item_id=item.id, user=bob, action="contacted")
    assert err.value.code == "not_assignee"
    work_item_act(item_id=item.id, user=alice, action="intervention_offered",
                  intervention_code="rental_assistance")
    work_item_act(item_id=item.id, user=alice, action="referred",
                  intervention_code="eviction_legal_aid")
    assert h.referrals.get().intervention.code == "eviction_legal_aid"
    work_item_act(item_id=item.id, user=alice, action="accepted",
                  intervention_code="rental_assistance")
    item.refresh_from_db()
    assert item.status == "closed" and item.outcome == "accepted"
    assert h.flags.get().resolution.startswith("Acted on: accepted (Emergency rental")
    audited = set(AuditEvent.objects.filter(household_ref=h.ref).values_list("action",
                                                                             flat=True))
    assert {"work_item.contacted", "work_item.intervention_offered", "work_item.referred",
            "work_item.accepted", "referral.create"} <= audited
    refresh(h)  # the acted-on eviction does not come back
    assert not WorkItem.objects.filter(household=h).exclude(status="closed").exists()


def test_assign_by_capacity_fills_highest_priority_first(office_a, alice, bob, sam):
    office_a.sustainable_caseload = 2
    office_a.save()
    alice.staff.max_caseload = 1
    alice.staff.save()
    households = [household(office=office_a) for _ in range(5)]
    for n, h in enumerate(households):
        eviction(h, hearing_in=2 + n)
    refresh(*households)
    assert work_items_assign_by_capacity(office=office_a, by=sam) == 3
    items = list(WorkItem.objects.order_by("-priority"))
    assert [i.assigned_to_id is not None for i in items] == [True, True, True, False, False]
    loads = {r["username"]: r for r in caseload_by_caseworker(office=office_a)}
    assert loads["alice"]["open_items"] == 1 and loads["bob"]["open_items"] == 2
    assert loads["bob"]["capacity"] == 2 and not loads["bob"]["over_capacity"]
    assert work_items_assign_by_capacity(office=office_a) == 0
    work_item_assign(item_id=items[4].id, assignee=alice, by=sam)
    assert caseload_by_caseworker(office=office_a)[0]["over_capacity"]
    with pytest.raises(ApplicationError):
        work_item_assign(item_id=items[3].id, assignee=alice, by=bob)


def test_sla_sweep_surfaces_overdue_items_to_the_supervisor(office_a, alice):
    late, answered = household(office=office_a), household(office=office_a)
    eviction(late)
    eviction(answered)
    refresh(late, answered)
    WorkItem.objects.update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    work_item_act(item_id=item_of(answered).id, user=alice, action="contacted")
    assert sla_sweep.delay().get() == 1
    assert sla_sweep.delay().get() == 0
    assert [i.household_id for i in overdue_items(office=office_a)] == [late.id]
    assert item_of(late).priority_explanation["overdue"] is True
    refresh(late)
    assert item_of(late).priority_explanation["overdue"] is True
    assert queue_for_user(user=alice, filters={"overdue": True}).count() == 1


def test_low_score_without_flags_leaves_the_queue(office_a):
    h = household(office=office_a)
    score(h, 0.7, "high")
    refresh(h)
    assert item_of(h).severity == "medium"
    score(h, 0.1, "low")
    refresh(h)
    assert WorkItem.objects.get(household=h).outcome == "no_longer_flagged"


def test_queue_for_user_is_one_query(office_a, alice, django_assert_num_queries):
    for _ in range(4):
        h = household(office=office_a)
        eviction(h)
        score(h, 0.5, "high")
        refresh(h)
    alice = make_staff("alice2", role="caseworker", office=office_a)
    alice.has_perm("dhs.work_queue")  # warm the permission cache
    with django_assert_num_queries(1):
        rows = [(i.household.ref, i.office.code, i.household.current_score.score)
                for i in queue_for_user(user=alice)]
    assert len(rows) == 4


def test_a_worked_household_re_enters_only_with_new_evidence(office_a, alice):
    h = household(office=office_a)
    eviction(h, case="EV-OLD")
    score(h, 0.8, "critical")
    refresh(h)
    work_item_act(item_id=item_of(h).id, user=alice, action="declined",
                  note="Has family help")
    refresh(h)  # still a critical score, same eviction: stays out of the queue
    assert not WorkItem.objects.filter(household=h).exclude(status="closed").exists()
    eviction(h, case="EV-NEW", hearing_in=3)
    refresh(h)
    item = item_of(h)
    assert item.top_reason.startswith("Eviction hearing on") and item.severity == "critical"
    assert WorkItem.objects.filter(household=h).count() == 2


def test_risk_layer_signals_drive_flags_and_items(office_a, alice,
                                                  django_capture_on_commit_callbacks):
    from risk.signals import household_rescored, household_signals_changed

    h1, h2 = household(office=office_a), household(office=office_a)
    eviction(h1)
    with django_capture_on_commit_callbacks(execute=True):
        household_signals_changed.send(sender=None, household_ids=[h1.id])
    assert item_of(h1).severity == "critical"
    score(h2, 0.6, "high", previous=0.2)
    with django_capture_on_commit_callbacks(execute=True):
        household_rescored.send(sender=None, household_ids=[h2.id], run_id=None)
    assert h2.flags.get().rule.code == "score_jump"
    assert queue_for_user(user=alice, filters={"rule": "score_jump"}).get().household == h2
    assert queue_for_user(user=alice, filters={"rule": "eviction_hearing"}).get().household == h1
