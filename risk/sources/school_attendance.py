"""School attendance per period: a child's absence rate rising is an early sign of trouble."""

from __future__ import annotations

import contextlib

from .base import (
    Adapter,
    FieldError,
    ParsedRecord,
    PersonKey,
    clean_text,
    iso,
    parse_date,
    parse_int,
    required_text,
)


class SchoolAttendanceAdapter(Adapter):
    source = "school_attendance"
    kind = "school_attendance"
    fields = ("district_student_id", "first_name", "last_name", "date_of_birth", "school_code",
              "period_start", "period_end", "days_enrolled", "days_absent")
    key_fields = ("district_student_id", "first_name", "last_name", "date_of_birth",
                  "period_start", "period_end", "days_enrolled", "days_absent")

    def natural_key(self, row: dict[str, str]) -> str:
        student = clean_text(row.get("district_student_id"))
        start = clean_text(row.get("period_start"))
        if not student or not start:
            return ""
        with contextlib.suppress(FieldError):
            start = iso(parse_date(start, "period_start")) or start
        return f"{student}:{start}"

    def read(self, row: dict[str, str], record_id: str) -> ParsedRecord:
        student = required_text(row.get("district_student_id"), "district_student_id")
        first = clean_text(row.get("first_name"))
        last = clean_text(row.get("last_name"))
        if not first or not last:
            missing = "first_name" if not first else "last_name"
            raise FieldError(f"{missing} is empty (the student cannot be matched without it)")
        dob = parse_date(row.get("date_of_birth"), "date_of_birth")
        start = parse_date(row.get("period_start"), "period_start", required=True)
        end = parse_date(row.get("period_end"), "period_end", required=True)
        if end < start:
            raise FieldError(f"period_end '{row.get('period_end')}' is before period_start "
                             f"'{row.get('period_start')}'")
        enrolled = parse_int(row.get("days_enrolled"), "days_enrolled")
        absent = parse_int(row.get("days_absent"), "days_absent")
        if enrolled <= 0:
            raise FieldError(f"days_enrolled '{row.get('days_enrolled')}' must be more than 0")
        if absent < 0:
            raise FieldError(f"days_absent '{row.get('days_absent')}' is negative")
        if absent > enrolled:
            raise FieldError(f"days_absent {absent} is more than days_enrolled {enrolled}")
        rate = round(absent / enrolled, 4)
        school = clean_text(row.get("school_code"))
        return ParsedRecord(
            record_id=record_id,
            fields={"district_student_id": student, "first_name": first, "last_name": last,
                    "date_of_birth": iso(dob), "school_code": school,
                    "period_start": iso(start), "period_end": iso(end),
                    "days_enrolled": enrolled, "days_absent": absent},
            person=PersonKey(first_name=first.title(), last_name=last.title(),
                             date_of_birth=dob, external_id=student),
            signal={"kind": self.kind, "occurred_on": end, "deadline": None, "amount": None,
                    "value": rate,
                    "details": {"school_code": school, "period_start": iso(start),
                                "period_end": iso(end), "days_enrolled": enrolled,
                                "days_absent": absent, "absence_rate": rate}},
        )
