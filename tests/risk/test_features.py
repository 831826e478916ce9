"""Point-in-time features: nothing known after the as-of moment changes them (leakage test)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone

from tests.factories import HouseholdFactory, OfficeFactory, PersonFactory

AS_OF = dt.date(2026, 3, 1)


def _known(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _signal(household, kind: str, day: dt.date, *, known: dt.datetime | None = None, **kw):
    from risk.models import Signal

    source = {"eviction_filing": "eviction_filings", "jail_booking": "jail_bookings",
              "school_attendance": "school_attendance", "utility_shutoff": "utility_shutoffs",
              "benefit_lapse": "benefit_lapses"}[kind]
    return Signal.objects.create(household=household, source=source, kind=kind, occurred_on=day,
                                 known_at=known or _known(day), **kw)


@pytest.fixture
def small_world(db):
    """Two households with a past history of every kind of record."""
    from cases.models import CrisisEvent, ProgramEnrollment

    office = OfficeFactory(code="NORTH")
    a = HouseholdFactory(office=office, monthly_income=900, housing="rent")
    b = HouseholdFactory(office=office, monthly_income=3000, housing="own")
    head = PersonFactory(household=a, relationship="head", race_ethnicity="Black")
    PersonFactory(household=a, relationship="child", date_of_birth=dt.date(2015, 5, 1))
    PersonFactory(household=b, relationship="head", race_ethnicity="White")
    _signal(a, "eviction_filing", AS_OF - dt.timedelta(days=12), amount=2400,
            deadline=AS_OF + dt.timedelta(days=10))
    _signal(a, "utility_shutoff", AS_OF - dt.timedelta(days=40), amount=310)
    _signal(a, "jail_booking", AS_OF - dt.timedelta(days=100), person=head)
    _signal(a, "school_attendance", AS_OF - dt.timedelta(days=70), value=0.22)
    _signal(a, "school_attendance", AS_OF - dt.timedelta(days=200), value=0.05)
    _signal(b, "utility_shutoff", AS_OF - dt.timedelta(days=300), amount=80)
    CrisisEvent.objects.create(household=a, event_type="shelter_entry",
                               event_date=AS_OF - dt.timedelta(days=150))
    ProgramEnrollment.objects.create(household=a, program="snap", start_date=dt.date(2024, 1, 1))
    ProgramEnrollment.objects.create(household=b, program="medicaid",
                                     start_date=dt.date(2024, 1, 1), end_date=AS_OF -
                                     dt.timedelta(days=30),
                                     recert_due_date=AS_OF - dt.timedelta(days=30))
    return a, b


def _features() -> pd.DataFrame:
    from risk.services.features import household_features

    return household_features(as_of=AS_OF)


def test_features_read_the_history_in_plain_terms(small_world):
    a, b = small_world
    f = _features()
    assert f.loc[a.pk, "eviction_days_since"] == 12
    assert f.loc[a.pk, "eviction_30"] == 1 and f.loc[a.pk, "eviction_hearing_pending"] == 1
    assert f.loc[a.pk, "eviction_amount_180"] == 2400
    assert f.loc[a.pk, "utility_60"] == 1 and f.loc[a.pk, "utility_30"] == 0
    assert f.loc[a.pk, "jail_people_365"] == 1
    assert f.loc[a.pk, "absence_rate"] == pytest.approx(0.22)
    assert f.loc[a.pk, "absence_change"] == pytest.approx(0.17)
    assert f.loc[a.pk, "chronic_absence_120"] == 1
    assert f.loc[a.pk, "crisis_365"] == 1 and f.loc[a.pk, "crisis_days_since"] == 150
    assert f.loc[a.pk, "children"] == 1 and f.loc[a.pk, "single_adult_with_children"] == 1
    assert f.loc[a.pk, "programs_active"] == 1
    assert f.loc[b.pk, "programs_active"] == 0 and f.loc[b.pk, "programs_lapsed_120"] == 1
    assert f.loc[b.pk, "eviction_days_since"] == 730  # never
    # 900/month for 2 people against the poverty line of the as-of year
    from cases.poverty import poverty_line
    expected = 900 * 12 / float(poverty_line(year=AS_OF.year, household_size=2))
    assert f.loc[a.pk, "poverty_ratio"] == pytest.approx(expected)


def test_nothing_after_as_of_leaks_in(small_world):
    """Future signals, signals learned later, future crises and enrollments change nothing."""
    from cases.models import CrisisEvent, ProgramEnrollment

    a, b = small_world
    before = _features()
    after_day = AS_OF + dt.timedelta(days=1)
    # happened after as_of
    _signal(a, "eviction_filing", after_day, amount=9000)
    _signal(b, "jail_booking", AS_OF + dt.timedelta(days=20))
    # happened before as_of but learned only after it (a late feed delivery)
    _signal(b, "eviction_filing", AS_OF - dt.timedelta(days=5), known=_known(after_day, 10))
    _signal(a, "utility_shutoff", AS_OF - dt.timedelta(days=2),
            known=_known(AS_OF) + dt.timedelta(days=3))
    CrisisEvent.objects.create(household=a, event_type="eviction_executed",
                               event_date=AS_OF + dt.timedelta(days=15))
    CrisisEvent.objects.create(household=b, event_type="shelter_entry", event_date=after_day)
    ProgramEnrollment.objects.create(household=b, program="snap", start_date=after_day)
    after = _features()
    pd.testing.assert_frame_equal(before, after)
    # and a signal known on the as-of day does count
    _signal(b, "eviction_filing", AS_OF)
    assert _features().loc[b.pk, "eviction_days_since"] == 0


def test_race_is_never_an_input(small_world):
    from cases.models import Person
    from risk.services.features import FEATURE_LABELS

    before = _features()
    Person.objects.update(race_ethnicity="Asian")
    pd.testing.assert_frame_equal(before, _features())
    assert not any("race" in c or "ethnic" in c for c in before.columns)
    assert not any("race" in c for c in FEATURE_LABELS)


def test_features_for_some_households_match_the_bulk_query(small_world):
    from risk.services.features import household_features

    a, b = small_world
    bulk = _features()
    one = household_features(as_of=AS_OF, household_ids=[a.pk])
    pd.testing.assert_frame_equal(bulk.loc[[a.pk]], one)
    ranged = household_features(as_of=AS_OF, id_range=(min(a.pk, b.pk), max(a.pk, b.pk)))
    pd.testing.assert_frame_equal(bulk, ranged)
