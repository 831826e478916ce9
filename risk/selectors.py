"""Reads of the risk layer: signals of a household, link reviews waiting for a person."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from dhs.roles import user_office_id
from risk.models import LinkReview, Signal


def signals_for_household(*, household: Any) -> QuerySet[Signal]:
    """A household's linked signals, newest first (the caller has already checked access)."""
    return (Signal.objects.filter(household=household).select_related("person")
            .order_by("-occurred_on", "-id"))


def link_reviews_pending(*, user: Any) -> QuerySet[LinkReview]:
    """Pending candidate links the user may decide: own office, all offices with the right."""
    qs = (LinkReview.objects.filter(decision=LinkReview.PENDING)
          .select_related("raw_record", "person", "person__household",
                          "person__household__office")
          .order_by("-match_probability", "id"))
    if user is None or not getattr(user, "is_authenticated", False) \
            or not user.has_perm("dhs.review_links"):
        return qs.none()
    if user.has_perm("dhs.view_all_offices"):
        return qs
    office_id = user_office_id(user)
    if office_id is None:
        return qs.none()
    return qs.filter(person__household__office_id=office_id)


EXPORT_COLUMNS = ("record_id", "person_ref", "household_ref", "match_probability", "status",
                  "reason")


def links_export_rows(*, source: str) -> Iterator[tuple]:
    """One row per RawRecord ever read for the source, streamed (server-side cursor on
    PostgreSQL) so a million rows never sit in memory at once."""
    from risk.models import RawRecord

    qs = (RawRecord.objects.filter(source=source).order_by("id")
          .values_list("record_id", "line", "person__ref", "household__ref",
                       "match_probability", "status", "reason"))
    for record_id, line, person_ref, household_ref, probability, status, reason in \
            qs.iterator(chunk_size=5000):
        yield (record_id or (f"line:{line}" if line is not None else ""), person_ref or "",
               household_ref or "", "" if probability is None else f"{probability:.4f}",
               status, reason or "")
