"""Case notes written from the portal (a write, so it lives in a service and is audited)."""

from __future__ import annotations

from typing import Any

from cases.models import CaseNote, Household
from dhs.audit import audit_record
from dhs.exceptions import ApplicationError


def case_note_add(*, household: Household, user: Any, body: str) -> CaseNote:
    """Add a note to a household the caller has already been allowed to open."""
    body = (body or "").strip()
    if not body:
        raise ApplicationError("The note is empty.", code="empty_note",
                               extra={"fields": {"body": ["Write the note first."]}})
    note = CaseNote.objects.create(household=household, author=user, body=body[:4000])
    audit_record(action="note.add", user=user, object_type="case_note", object_id=note.pk,
                 household_ref=household.ref, purpose="casework")
    return note
