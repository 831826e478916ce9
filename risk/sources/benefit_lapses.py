"""The agency's own benefit lapses: an enrollment whose recertification date passed unrenewed.

Internal data: the household and person are known, so linkage is skipped. A lapse is an
enrollment with `recert_due_date` before the as-of day, not ended before that date, and with
no later enrollment of the same household and program (which would be its renewal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, F, OuterRef, Q

from .base import (
    Adapter,
    FieldError,
    ParsedRecord,
    PersonKey,
    clean_text,
    iso,
    parse_date,
    parse_int,
)


class BenefitLapsesAdapter(Adapter):
    source = "benefit_lapses"
    kind = "benefit_lapse"
    fields = ("enrollment_id", "household_id", "person_id", "household_ref", "person_ref",
              "program", "start_date", "recert_due_date")
    key_fields = fields

    def natural_key(self, row: dict[str, str]) -> str:
        enrollment, due = (clean_text(row.get("enrollment_id")),
                           clean_text(row.get("recert_due_date")))
        return f"enrollment:{enrollment}:{due}" if enrollment and due else ""

    def read(self, row: dict[str, str], record_id: str) -> ParsedRecord:
        enrollment = parse_int(row.get("enrollment_id"), "enrollment_id")
        household_id = parse_int(row.get("household_id"), "household_id")
        person_text = clean_text(row.get("person_id"))
        person_id = parse_int(person_text, "person_id") if person_text else None
        program = clean_text(row.get("program")).lower()
        if not program:
            raise FieldError("program is empty")
        start = parse_date(row.get("start_date"), "start_date")
        due = parse_date(row.get("recert_due_date"), "recert_due_date", required=True)
        known_at = dt.datetime.combine(due + dt.timedelta(days=1), dt.time.min,
                                       tzinfo=dt.UTC)
        return ParsedRecord(
            record_id=record_id,
            fields={"enrollment_id": enrollment, "household_id": household_id,
                    "person_id": person_id, "household_ref": clean_text(row.get("household_ref")),
                    "person_ref": clean_text(row.get("person_ref")), "program": program,
                    "start_date": iso(start), "recert_due_date": iso(due)},
            person=PersonKey(external_id=clean_text(row.get("person_ref"))),
            signal={"kind": self.kind, "occurred_on": due, "deadline": None, "amount": None,
                    "value": None, "known_at": known_at,
                    "details": {"program": program, "enrollment_id": enrollment,
                                "start_date": iso(start)}},
            known_person_id=person_id,
            known_household_id=household_id,
        )

    def rows(self, *, as_of: dt.date, since: dt.date | None = None) -> Iterator[dict[str, str]]:
        """Lapsed enrollments with a due date in (since, as_of), oldest first, as feed rows."""
        from cases.models import ProgramEnrollment

        renewal = ProgramEnrollment.objects.filter(
            household_id=OuterRef("household_id"), program=OuterRef("program"),
            start_date__gt=OuterRef("start_date"))
        qs = (ProgramEnrollment.objects
              .filter(recert_due_date__lt=as_of)
              .filter(Q(end_date__isnull=True) | Q(end_date__gte=F("recert_due_date")))
              .exclude(Exists(renewal))
              .select_related("household", "person")
              .order_by("recert_due_date", "id"))
        if since:
            qs = qs.filter(recert_due_date__gt=since)
        for e in qs.iterator(chunk_size=5000):
            yield {"enrollment_id": str(e.id), "household_id": str(e.household_id),
                   "person_id": str(e.person_id or ""), "household_ref": e.household.ref,
                   "person_ref": e.person.ref if e.person_id else "", "program": e.program,
                   "start_date": iso(e.start_date) or "",
                   "recert_due_date": iso(e.recert_due_date) or ""}
