"""Small builders for alerts tests: signals, scores, members (synthetic values only)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cases.models import Household, Person, ProgramEnrollment
from risk.models import CurrentScore, ModelVersion, Signal
from tests.factories import HouseholdFactory, PersonFactory

_seq = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def household(*, office: Any, size: int = 1, children: int = 0, income: Any = 1200,
              housing: str = "rent", **kw: Any) -> Household:
    """A household with a head, (size - 1 - children) other adults, and children."""
    h = HouseholdFactory(office=office, monthly_income=Decimal(str(income)), housing=housing,
                         **kw)
    PersonFactory(household=h, relationship="head")
    for _ in range(max(0, size - 1 - children)):
        PersonFactory(household=h, relationship="spouse", first_name="Jordan")
    for i in range(children):
        PersonFactory(household=h, relationship="child", first_name="Sam",
                      date_of_birth=today() - dt.timedelta(days=365 * (6 + i)))
    return h


def signal(h: Household, kind: str, *, occurred_on: dt.date | None = None,
           deadline: dt.date | None = None, person: Person | None = None,
           amount: Any = None, value: float | None = None, **details: Any) -> Signal:
    source = {"eviction_filing": "eviction_filings", "jail_booking": "jail_bookings",
              "school_attendance": "school_attendance", "utility_shutoff": "utility_shutoffs",
              "benefit_lapse": "benefit_lapses"}[kind]
    return Signal.objects.create(household=h, person=person, source=source, kind=kind,
                                 occurred_on=occurred_on or today(), deadline=deadline,
                                 amount=amount, value=value, details=details)


def eviction(h: Household, *, hearing_in: int | None = 7, filed_ago: int = 11,
             case: str | None = None) -> Signal:
    return signal(h, "eviction_filing", occurred_on=today() - dt.timedelta(days=filed_ago),
                  deadline=today() + dt.timedelta(days=hearing_in) if hearing_in is not None
                  else None, amount=Decimal("2450.00"),
                  case_number=case or f"EV-{next(_seq):05d}",
                  court="Riverside County District Court", plaintiff="Oak Apartments LLC")


def model_version() -> ModelVersion:
    mv, _ = ModelVersion.objects.get_or_create(
        version="test-v1", defaults={"algorithm": "test", "file_path": "/dev/null",
                                     "sha256": "0" * 64, "as_of": today(),
                                     "status": ModelVersion.PROMOTED})
    return mv


def score(h: Household, value: float, band: str, *, previous: float | None = None,
          factors: list[dict[str, Any]] | None = None) -> CurrentScore:
    cs, _ = CurrentScore.objects.update_or_create(household=h, defaults={
        "model_version": model_version(), "as_of": timezone.now(), "score": value, "band": band,
        "previous_score": previous,
        "factors": factors or [{"feature": "eviction_recent", "label": "eviction filed 11 days "
                                "ago", "contribution": 0.8}]})
    return cs


def enrollment(h: Household, program: str, *, start_ago: int = 200,
               recert_in: int | None = None) -> ProgramEnrollment:
    return ProgramEnrollment.objects.create(
        household=h, program=program, start_date=today() - dt.timedelta(days=start_ago),
        recert_due_date=(today() + dt.timedelta(days=recert_in)) if recert_in is not None
        else None)
