"""Feed adapters: dirty-but-valid rows parse; each kind of bad row is refused with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from risk.sources import ADAPTERS, ParsedRecord, Rejection, get_adapter

EVICTION = {"case_number": "EV-2025-0001", "filing_date": "2025-03-14",
            "court": "County District Court", "plaintiff": "Oak Apartments LLC",
            "defendant_name": "GARCIA-LOPEZ, MARIA J",
            "defendant_address": "12 N. Oak Street Apt 4B, Springfield, IL 62701",
            "hearing_date": "2025-04-01", "amount_claimed": "$1,200.50"}
JAIL = {"booking_id": "B-77", "booking_date": "2025-02-01", "full_name": "Thomas A. Smith Jr.",
        "date_of_birth": "1990-05-13", "address": "9 Elm Rd, Springfield, IL 62702",
        "charge_code": "ab123", "charge_description": "Disorderly conduct",
        "release_date": "2025-02-03"}
SCHOOL = {"district_student_id": "S-1001", "first_name": "Jo", "last_name": "Li",
          "date_of_birth": "2012-09-01", "school_code": "elm", "period_start": "2025-01-06",
          "period_end": "2025-03-28", "days_enrolled": "50", "days_absent": "10"}
UTILITY = {"account_id": "A-55", "notice_date": "2025-01-10", "utility": "Electric",
           "customer_name": "Ann Marie Lee", "service_address": "4 Pine Ave #2, Springfield, "
           "IL 62703", "amount_past_due": "310.00", "scheduled_shutoff_date": "2025-02-10"}


def parse(source: str, row: dict, **changes: str) -> ParsedRecord | Rejection:
    return get_adapter(source).parse({**row, **changes}, line=7)


def test_registry_has_every_source_with_design_columns() -> None:
    assert set(ADAPTERS) == {"eviction_filings", "jail_bookings", "school_attendance",
                             "utility_shutoffs", "benefit_lapses"}
    assert get_adapter("eviction_filings").fields == tuple(EVICTION)
    assert get_adapter("jail_bookings").fields == tuple(JAIL)
    assert get_adapter("school_attendance").fields == tuple(SCHOOL)
    assert get_adapter("utility_shutoffs").fields == tuple(UTILITY)
    with pytest.raises(KeyError, match="unknown source"):
        get_adapter("weather")


def test_eviction_dirty_but_valid() -> None:
    rec = parse("eviction_filings", EVICTION, filing_date="03/14/2025")
    assert isinstance(rec, ParsedRecord)
    assert rec.record_id == "EV-2025-0001"
    assert (rec.person.first_name, rec.person.middle_name, rec.person.last_name) == \
        ("Maria", "J", "Garcia-Lopez")
    assert rec.person.address_key == "12 n oak st|4B|62701"
    assert rec.signal == {"kind": "eviction_filing", "occurred_on": dt.date(2025, 3, 14),
                          "deadline": dt.date(2025, 4, 1), "amount": Decimal("1200.50"),
                          "value": None, "details": {"case_number": "EV-2025-0001",
                                                     "court": "County District Court",
                                                     "plaintiff": "Oak Apartments LLC"}}
    assert rec.fields["amount_claimed"] == "1200.50"


def test_names_in_both_orders_and_day_month_swap() -> None:
    rec = parse("jail_bookings", JAIL, date_of_birth="13/05/1990")  # DD/MM: swap accepted
    assert isinstance(rec, ParsedRecord)
    assert (rec.person.first_name, rec.person.middle_name, rec.person.last_name) == \
        ("Thomas", "A", "Smith")
    assert rec.person.date_of_birth == dt.date(1990, 5, 13)
    rec = parse("utility_shutoffs", UTILITY, customer_name="LEE, ANN MARIE")
    assert (rec.person.first_name, rec.person.middle_name, rec.person.last_name) == \
        ("Ann", "Marie", "Lee")
    assert rec.record_id == "A-55:2025-01-10"
    assert rec.signal["details"]["utility"] == "electric"
    assert rec.person.external_id == "A-55"


def test_school_absence_rate_and_key() -> None:
    rec = parse("school_attendance", SCHOOL, period_start="01/06/2025")
    assert isinstance(rec, ParsedRecord)
    assert rec.record_id == "S-1001:2025-01-06"
    assert rec.signal["value"] == pytest.approx(0.2)
    assert rec.person.external_id == "S-1001"


@pytest.mark.parametrize(("source", "row", "changes", "reason"), [
    ("eviction_filings", EVICTION, {"filing_date": "2024-13-45"},
     "filing_date '2024-13-45' is not a date (expected YYYY-MM-DD)"),
    ("eviction_filings", EVICTION, {"defendant_name": "  "}, "defendant_name is empty"),
    ("eviction_filings", EVICTION, {"amount_claimed": "-50"}, "amount_claimed '-50' is negative"),
    ("eviction_filings", EVICTION, {"amount_claimed": "lots"}, "is not an amount"),
    ("eviction_filings", EVICTION, {"case_number": ""}, "case_number is empty"),
    ("eviction_filings", EVICTION, {"hearing_date": "2025-01-01"}, "is before filing_date"),
    ("jail_bookings", JAIL, {"booking_date": ""}, "booking_date is empty"),
    ("jail_bookings", JAIL, {"full_name": "Smith"}, "has no first and last name"),
    ("school_attendance", SCHOOL, {"days_absent": "60"},
     "days_absent 60 is more than days_enrolled 50"),
    ("school_attendance", SCHOOL, {"days_enrolled": "0"}, "days_enrolled '0' must be more than 0"),
    ("school_attendance", SCHOOL, {"days_absent": "2.5"}, "is not a whole number"),
    ("school_attendance", SCHOOL, {"first_name": ""}, "first_name is empty"),
    ("school_attendance", SCHOOL, {"period_end": "2024-12-01"}, "is before period_start"),
    ("utility_shutoffs", UTILITY, {"utility": "cable"}, "is not one of electric, gas, water"),
    ("utility_shutoffs", UTILITY, {"amount_past_due": "-1"}, "is negative"),
    ("utility_shutoffs", UTILITY, {"notice_date": "soon"}, "notice_date 'soon' is not a date"),
])
def test_rejections_say_what_is_wrong(source: str, row: dict, changes: dict,
                                      reason: str) -> None:
    result = parse(source, row, **changes)
    assert isinstance(result, Rejection)
    assert reason in result.reason


def test_row_without_key_gets_line_record_id() -> None:
    result = parse("eviction_filings", EVICTION, case_number="")
    assert result.record_id == "line:7"


def test_benefit_lapses_from_enrollments(db) -> None:
    from cases.models import ProgramEnrollment
    from tests.factories import HouseholdFactory, PersonFactory

    household = HouseholdFactory()
    person = PersonFactory(household=household)
    today = dt.date(2025, 6, 1)
    lapsed = ProgramEnrollment.objects.create(household=household, person=person,
                                              program="snap", start_date=dt.date(2024, 6, 1),
                                              recert_due_date=dt.date(2025, 5, 1))
    # renewed: a later enrollment of the same program exists
    ProgramEnrollment.objects.create(household=household, program="tanf",
                                     start_date=dt.date(2024, 1, 1),
                                     recert_due_date=dt.date(2025, 1, 1))
    ProgramEnrollment.objects.create(household=household, program="tanf",
                                     start_date=dt.date(2025, 1, 1),
                                     recert_due_date=dt.date(2026, 1, 1))
    adapter = get_adapter("benefit_lapses")
    rows = list(adapter.rows(as_of=today))
    assert [r["enrollment_id"] for r in rows] == [str(lapsed.id)]
    rec = adapter.parse(rows[0], line=1)
    assert rec.record_id == f"enrollment:{lapsed.id}:2025-05-01"
    assert rec.known_household_id == household.id and rec.known_person_id == person.id
    assert rec.signal["kind"] == "benefit_lapse"
    assert list(adapter.rows(as_of=today, since=dt.date(2025, 5, 1))) == []
