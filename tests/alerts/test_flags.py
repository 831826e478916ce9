from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Flag, FlagRule
from alerts.services.catalogue import catalogue_load
from alerts.services.flags import flags_evaluate
from alerts.tasks import expire_flags, refresh_households
from cases.models import Person
from tests.alerts.helpers import enrollment, eviction, household, score, signal, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue():
    catalogue_load()


def open_flags(h):
    return list(Flag.objects.filter(household=h, resolved_at__isnull=True).select_related("rule"))


def test_eviction_with_hearing_soon_is_critical_with_reason_and_evidence(office_a):
    h = household(office=office_a)
    s = eviction(h, hearing_in=7, filed_ago=11, case="EV-1")
    flags_evaluate(household_ids=[h.id])
    (flag,) = open_flags(h)
    assert flag.rule.code == "eviction_hearing" and flag.severity == "critical"
    hearing, filed = today() + dt.timedelta(days=7), today() - dt.timedelta(days=11)
    assert flag.reason == (f"Eviction hearing on {hearing:%Y-%m-%d}, 7 days away (filed "
                           f"{filed:%Y-%m-%d}, Riverside County District Court)")
    assert flag.evidence == [{"signal_id": s.id, "source": "eviction_filings",
                              "date": filed.isoformat(),
                              "summary": "Eviction case EV-1 filed by Oak Apartments LLC, "
                                         "$2,450.00 claimed"}]
    assert flag.deadline == hearing and flag.expires_at > timezone.now()


def test_hearing_beyond_the_window_is_not_flagged_until_a_supervisor_widens_it(office_a):
    h = household(office=office_a)
    eviction(h, hearing_in=40)
    flags_evaluate(household_ids=[h.id])
    assert open_flags(h) == []
    rule = FlagRule.objects.get(code="eviction_hearing")
    rule.params = {**rule.params, "days": 45}
    rule.save()
    flags_evaluate(household_ids=[h.id])
    assert [f.rule.code for f in open_flags(h)] == ["eviction_hearing"]


def test_same_evidence_never_makes_two_open_flags(office_a):
    h = household(office=office_a)
    eviction(h, case="EV-9")
    eviction(h, case="EV-9")  # the same case delivered twice
    flags_evaluate(household_ids=[h.id])
    flags_evaluate(household_ids=[h.id])
    refresh_households.delay([h.id])
    assert len(open_flags(h)) == 1
    flag = open_flags(h)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(household=h, rule=flag.rule, severity="critical", reason="dup",
                            evidence_key=flag.evidence_key)


def test_acted_on_flag_is_not_raised_again(office_a):
    h = household(office=office_a)
    eviction(h)
    flags_evaluate(household_ids=[h.id])
    Flag.objects.filter(household=h).update(resolved_at=timezone.now(), resolution="Acted on")
    flags_evaluate(household_ids=[h.id])
    assert open_flags(h) == []


def test_expiry_and_passed_deadline_resolve_flags(office_a):
    h1, h2 = household(office=office_a), household(office=office_a)
    eviction(h1, hearing_in=2)
    signal(h2, "jail_booking", occurred_on=today() - dt.timedelta(days=3),
           person=h2.members.get(relationship="head"), booking_id="B1",
           charge_description="Trespass")
    flags_evaluate(household_ids=[h1.id, h2.id])
    assert len(open_flags(h1)) == 1 and len(open_flags(h2)) == 1
    Flag.objects.filter(household=h1).update(deadline=today() - dt.timedelta(days=1))
    Flag.objects.filter(household=h2).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert expire_flags.delay().get() == 2
    assert Flag.objects.get(household=h1).resolution == "Deadline passed"
    assert Flag.objects.get(household=h2).resolution == "Expired"


def test_hearing_passed_resolves_when_re_evaluated(office_a):
    h = household(office=office_a)
    s = eviction(h, hearing_in=3)
    flags_evaluate(household_ids=[h.id])
    s.deadline = today() - dt.timedelta(days=1)
    s.save()
    flags_evaluate(household_ids=[h.id])
    assert open_flags(h) == []
    assert Flag.objects.get(household=h).resolution.startswith("Hearing date passed")


def test_each_rule_raises_its_flag(office_a):
    h = household(office=office_a, size=3, children=1)
    head = h.members.get(relationship="head")
    child = h.members.get(relationship="child")
    signal(h, "utility_shutoff", occurred_on=today() - dt.timedelta(days=5),
           deadline=today() + dt.timedelta(days=4), amount="312.50", account_id="A1",
           utility="electric")
    signal(h, "jail_booking", occurred_on=today() - dt.timedelta(days=2), person=head,
           booking_id="B7", charge_description="Driving with a suspended licence")
    signal(h, "school_attendance", occurred_on=today() - dt.timedelta(days=150), person=child,
           value=0.04, school_code="LINCOLN-ES")
    signal(h, "school_attendance", occurred_on=today() - dt.timedelta(days=10), person=child,
           value=0.18, school_code="LINCOLN-ES")
    enrollment(h, "snap", start_ago=300, recert_in=-20)
    score(h, 0.52, "high", previous=0.21)
    flags_evaluate(household_ids=[h.id])
    flags = {f.rule.code: f for f in open_flags(h)}
    assert set(flags) == {"utility_shutoff", "parent_jailed", "absence_rise", "recert_overdue",
                          "score_jump"}
    assert flags["utility_shutoff"].severity == "high"
    assert "Electric shut-off scheduled for" in flags["utility_shutoff"].reason
    assert "4 days away ($312.50 past due" in flags["utility_shutoff"].reason
    assert flags["parent_jailed"].reason.startswith("The head of household was booked")
    assert "from 4% to 18% (+14 points)" in flags["absence_rise"].reason
    assert len(flags["absence_rise"].evidence) == 2
    assert flags["recert_overdue"].reason.startswith("SNAP recertification was due")
    assert "from 0.21 to 0.52 (+0.31)" in flags["score_jump"].reason
    assert flags["score_jump"].severity == "high"


def test_child_booking_and_small_absence_rise_do_not_flag(office_a):
    h = household(office=office_a, size=2, children=1)
    child = h.members.get(relationship="child")
    signal(h, "jail_booking", occurred_on=today(), person=child, booking_id="J1")
    signal(h, "school_attendance", occurred_on=today() - dt.timedelta(days=150), person=child,
           value=0.05)
    signal(h, "school_attendance", occurred_on=today() - dt.timedelta(days=10), person=child,
           value=0.12)
    flags_evaluate(household_ids=[h.id])
    assert open_flags(h) == []


def test_renewed_recertification_resolves_the_flag(office_a):
    h = household(office=office_a)
    enrollment(h, "tanf", start_ago=300, recert_in=-10)
    flags_evaluate(household_ids=[h.id])
    assert [f.rule.code for f in open_flags(h)] == ["recert_overdue"]
    enrollment(h, "tanf", start_ago=2)
    flags_evaluate(household_ids=[h.id])
    assert open_flags(h) == []


def test_bulk_evaluation_query_count_does_not_grow_with_households(office_a,
                                                                   django_assert_max_num_queries):
    few = [household(office=office_a) for _ in range(3)]
    many = few + [household(office=office_a) for _ in range(30)]
    for h in many:
        eviction(h)
        Person.objects.filter(household=h).update(relationship="head")
    with django_assert_max_num_queries(25) as ctx_few:
        flags_evaluate(household_ids=[h.id for h in few])
    Flag.objects.all().delete()
    with django_assert_max_num_queries(25) as ctx_many:
        flags_evaluate(household_ids=[h.id for h in many])
    assert len(ctx_many.captured_queries) == len(ctx_few.captured_queries)
    assert Flag.objects.count() == 33


def test_scattered_household_ids_touch_only_those_households(office_a):
    h1, h2, h3 = (household(office=office_a) for _ in range(3))
    for h in (h1, h2, h3):
        eviction(h)
    stats = flags_evaluate(household_ids=[h3.id, h1.id, h1.id])
    assert stats["created"] == 2
    assert open_flags(h2) == [] and len(open_flags(h1)) == len(open_flags(h3)) == 1


def test_nightly_refresh_catches_a_hearing_entering_the_window(office_a):
    from alerts.models import WorkItem
    from alerts.tasks import refresh_all

    h = household(office=office_a)
    s = eviction(h, hearing_in=40)
    refresh_households.delay([h.id])
    assert open_flags(h) == []
    s.deadline = today() + dt.timedelta(days=20)  # time passes: the hearing is now 20 days out
    s.save()
    assert refresh_all.delay(chunk_size=2).get() >= 1
    assert [f.rule.code for f in open_flags(h)] == ["eviction_hearing"]
    assert WorkItem.objects.get(household=h).severity == "critical"
