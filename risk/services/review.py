"""Deciding candidate links in the review band: a person confirms or rejects a match.

An accepted link creates the signal, teaches linkage the record's own identifier, is audited
and queues rescoring. A rejected pair is remembered (the LinkReview row) and never proposed
again for the same record.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dhs.audit import audit_record
from dhs.exceptions import ApplicationError
from risk.models import LinkReview, RawRecord, Signal
from risk.sources import ParsedRecord, get_adapter


@transaction.atomic
def link_review_decide(*, review_id: int, accept: bool, user: Any) -> LinkReview:
    """Accept or reject one candidate link; raises ApplicationError if already decided."""
    from risk.services.ingestion import households_signals_changed, signal_from_record

    try:
        review = (LinkReview.objects.select_for_update()
                  .select_related("raw_record", "person", "person__household")
                  .get(pk=review_id))
    except LinkReview.DoesNotExist:
        raise ApplicationError("This link review does not exist.", code="not_found",
                               status=404) from None
    if review.decision != LinkReview.PENDING:
        raise ApplicationError(f"This link was already {review.decision}.",
                               code="already_decided", status=409)
    raw = RawRecord.objects.select_for_update().get(pk=review.raw_record_id)
    now = timezone.now()
    review.decision = LinkReview.ACCEPTED if accept else LinkReview.REJECTED
    review.decided_by = user if getattr(user, "pk", None) else None
    review.decided_at = now
    review.save(update_fields=["decision", "decided_by", "decided_at"])
    person = review.person
    who = getattr(user, "username", "") or "a reviewer"
    if accept:
        # One record is about one person: the other candidates of this record are rejected.
        (LinkReview.objects.filter(raw_record=raw, decision=LinkReview.PENDING)
         .exclude(pk=review.pk)
         .update(decision=LinkReview.REJECTED, decided_by=review.decided_by, decided_at=now))
        raw.status = RawRecord.LINKED
        raw.person_id, raw.household_id = person.id, person.household_id
        raw.match_probability = review.match_probability
        raw.reason = f"confirmed by {who}"
        raw.save(update_fields=["status", "person", "household", "match_probability",
                                "reason"])
        record = get_adapter(raw.source).parse(raw.raw, line=raw.line)
        if isinstance(record, ParsedRecord) and not Signal.objects.filter(
                raw_record=raw).exists():
            signal_from_record(raw=raw, record=record, agreement=raw.agreement,
                               known_at=now).save()
        external_id = record.person.external_id if isinstance(record, ParsedRecord) else ""
        if external_id:
            from risk.linkage import remember_identifier

            remember_identifier(source=raw.source, external_id=external_id,
                                person_id=person.id, user=review.decided_by)
        household_ids = [person.household_id]
        transaction.on_commit(lambda: households_signals_changed(household_ids=household_ids))
    elif not LinkReview.objects.filter(raw_record=raw, decision=LinkReview.PENDING).exists() \
            and raw.status == RawRecord.REVIEW:
        raw.status = RawRecord.UNLINKED
        raw.reason = f"candidate rejected by {who}"
        raw.save(update_fields=["status", "reason"])
    audit_record(action="link_review", user=user, object_type="raw_record", object_id=raw.pk,
                 household_ref=person.household.ref, person_ref=person.ref,
                 purpose="record linkage review",
                 details={"decision": review.decision, "source": raw.source,
                          "record_id": raw.record_id, "review_id": review.pk,
                          "match_probability": review.match_probability})
    return review
