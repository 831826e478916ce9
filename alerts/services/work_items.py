"""Work items: the queue's rows, refreshed in bulk, claimed atomically, acted on, reviewed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone

from alerts.models import SEVERITY_RANK, Flag, Intervention, WorkItem, WorkItemAction
from alerts.services.bulk import CHUNK, ids_q
from alerts.services.flags import flags_resolve_for_household
from alerts.services.priority import SLA_HOURS, priority_compute
from dhs.audit import audit_bulk, audit_record
from dhs.exceptions import ApplicationError
from dhs.iterables import chunked
from dhs.models import Office
from dhs.roles import user_office_id
from risk.models import CurrentScore

QUEUE_BANDS = ("high", "critical")
CASEWORK_ACTIONS = ("contacted", "intervention_offered", "referred", "accepted", "declined",
                    "unreachable", "dismissed", "released")
# Any of these is a first response: it stops the SLA clock (see docs/queue.md).
RESPONSE_ACTIONS = ("contacted", "intervention_offered", "referred", "accepted", "declined",
                    "unreachable", "dismissed")
CLOSING_ACTIONS = ("accepted", "declined")
REVIEW_SEVERITIES = ("high", "critical")
REENTRY_QUIET_DAYS = 30  # a closed item's household re-enters only with a newer flag


# --- access, in one place ------------------------------------------------------------------
def _can_review(user: Any) -> bool:
    return bool(user and user.has_perm("dhs.review_team"))


def _check_access(user: Any, item: WorkItem) -> None:
    """A user acts only on items of their own office (unless they see every office)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise ApplicationError("Sign in first.", code="not_authenticated", status=401)
    if not user.has_perm("dhs.work_queue"):
        raise ApplicationError("Your role does not work the queue.", code="permission_denied",
                               status=403)
    if user.has_perm("dhs.view_all_offices"):
        return
    if user_office_id(user) != item.office_id:
        raise ApplicationError("No such work item.", code="not_found", status=404)


def _get_item(item_id: int, *, for_update: bool = False) -> WorkItem:
    qs = WorkItem.objects.select_related("household", "office")
    if for_update:
        qs = qs.select_for_update(of=("self",)) if connection.vendor == "postgresql" \
            else qs.select_for_update()
    try:
        return qs.get(pk=item_id)
    except WorkItem.DoesNotExist:
        raise ApplicationError("No such work item.", code="not_found", status=404) from None


def _audit(item: WorkItem, user: Any, action: str, **details: Any) -> None:
    audit_record(action=f"work_item.{action}", user=user, object_type="work_item",
                 object_id=item.pk, household_ref=item.household.ref,
                 purpose="casework", details=details)


# --- refresh: households with open flags or a high score get one open item -----------------
def work_items_refresh(*, household_ids: Iterable[int], now: dt.datetime | None = None) -> None:
    """Create or update the single open item of each household that needs attention, in bulk."""
    now = now or timezone.now()
    for chunk in chunked(sorted(set(household_ids)), CHUNK):
        _refresh_chunk(chunk, now)


def _refresh_chunk(ids: list[int], now: dt.datetime) -> None:
    today = timezone.localdate(now)
    flags: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in Flag.objects.filter(ids_q(ids), resolved_at__isnull=True).values(
            "household_id", "severity", "deadline", "reason", "rule__sla_hours", "rule__code",
            "opened_at"):
        flags[f["household_id"]].append(f)
    scores = {s["household_id"]: s for s in CurrentScore.objects.filter(
        ids_q(ids)).values("household_id", "score", "band")}
    from cases.models import Household

    offices = dict(Household.objects.filter(ids_q(ids, "id")).values_list("id", "office_id"))
    items = {i.household_id: i for i in WorkItem.objects.filter(ids_q(ids)).exclude(
        status=WorkItem.CLOSED)}
    # Items a caseworker closed recently: only new evidence (a flag opened since) reopens.
    recently_closed = dict(WorkItem.objects.filter(
        ids_q(ids), status=WorkItem.CLOSED,
        closed_at__gte=now - dt.timedelta(days=REENTRY_QUIET_DAYS)).exclude(
        outcome="no_longer_flagged").values("household_id").annotate(
        last=Max("closed_at")).values_list("household_id", "last"))
    new: list[WorkItem] = []
    changed: list[WorkItem] = []
    stale: list[int] = []
    for hid in ids:
        if hid not in offices:
            continue
        fl, sc = flags.get(hid, []), scores.get(hid)
        band = sc["band"] if sc else None
        item = items.get(hid)
        closed_at = recently_closed.get(hid)
        if item is None and closed_at is not None \
                and not any(f["opened_at"] > closed_at for f in fl):
            continue
        if not fl and band not in QUEUE_BANDS:
            if (item and item.status == WorkItem.OPEN and item.assigned_to_id is None
                    and not item.needs_review):
                stale.append(item.pk)
            continue
        fl.sort(key=lambda f: (-SEVERITY_RANK.get(f["severity"], 0),
                               f["deadline"] or dt.date.max))
        flag_sev = fl[0]["severity"] if fl else ""
        upcoming = [f["deadline"] for f in fl if f["deadline"] and f["deadline"] >= today]
        deadline = min(upcoming) if upcoming else None
        reasons = [f["reason"] for f in fl]
        if sc and band in QUEUE_BANDS:
            reasons.append(f"Risk score {sc['score']:.2f} ({band})")
        priority, explanation, severity = priority_compute(
            score=sc["score"] if sc else None, band=band, flag_severity=flag_sev,
            deadline=deadline, today=today, reasons=reasons)
        sla_hours = min([f["rule__sla_hours"] or SLA_HOURS[f["severity"]] for f in fl]
                        + [SLA_HOURS[severity]])
        sla_due = now + dt.timedelta(hours=sla_hours)
        top_reason = reasons[0][:300] if reasons else ""
        if item is None:
            new.append(WorkItem(household_id=hid, office_id=offices[hid], priority=priority,
                                priority_explanation=explanation, severity=severity,
                                top_reason=top_reason, deadline=deadline, sla_due_at=sla_due,
                                created_at=now))
            continue
        for key in ("overdue", "overdue_since"):
            if key in (item.priority_explanation or {}):
                explanation[key] = item.priority_explanation[key]
        if item.sla_due_at and item.sla_due_at < sla_due:
            sla_due = item.sla_due_at
        if (item.priority, item.severity, item.top_reason, item.deadline, item.sla_due_at,
                item.office_id, item.priority_explanation) != (
                priority, severity, top_reason, deadline, sla_due, offices[hid], explanation):
            item.priority, item.priority_explanation = priority, explanation
            item.severity, item.top_reason, item.deadline = severity, top_reason, deadline
            item.sla_due_at, item.office_id = sla_due, offices[hid]
            changed.append(item)
    if new:
        WorkItem.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    if changed:
        WorkItem.objects.bulk_update(changed, ["priority", "priority_explanation", "severity",
                                               "top_reason", "deadline", "sla_due_at",
                                               "office", "updated_at"], batch_size=1000)
    if stale:
        WorkItem.objects.filter(pk__in=stale, status=WorkItem.OPEN,
                                assigned_to__isnull=True).update(
            status=WorkItem.CLOSED, closed_at=now, outcome="no_longer_flagged")


# --- claiming and assignment -----------------------------------------------------------------
def work_item_claim(*, item_id: int, user: Any) -> WorkItem:
    """Take an unassigned item; exactly one of two racing caseworkers wins.

    PostgreSQL: SELECT ... FOR UPDATE NOWAIT (a locked row means someone else is claiming it).
    SQLite (one writer at a time): a conditional UPDATE ... WHERE assigned_to IS NULL.
    """
    now = timezone.now()
    taken = ApplicationError("Someone else has already claimed this item.",
                             code="already_claimed", status=409)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            try:
                item = WorkItem.objects.select_for_update(nowait=True, of=("self",)) \
                    .select_related("household").get(pk=item_id)
            except WorkItem.DoesNotExist:
                raise ApplicationError("No such work item.", code="not_found",
                                       status=404) from None
            except DatabaseError:
                raise taken from None
            _check_access(user, item)
            if item.status == WorkItem.CLOSED:
                raise ApplicationError("This item is closed.", code="closed", status=409)
            if item.assigned_to_id == user.pk:
                return item
            if item.assigned_to_id is not None:
                raise taken
            item.assigned_to, item.status, item.claimed_at = user, WorkItem.CLAIMED, now
            item.save(update_fields=["assigned_to", "status", "claimed_at", "updated_at"])
        else:
            item = _get_item(item_id)
            _check_access(user, item)
            if item.status == WorkItem.CLOSED:
                raise ApplicationError("This item is closed.", code="closed", status=409)
            won = WorkItem.objects.filter(pk=item_id, assigned_to__isnull=True).exclude(
                status=WorkItem.CLOSED).update(assigned_to=user, status=WorkItem.CLAIMED,
                                               claimed_at=now, updated_at=now)
            item.refresh_from_db()
            if not won:
                if item.assigned_to_id == user.pk:
                    return item
                raise taken
        WorkItemAction.objects.create(item=item, action="claimed", by=user, at=now)
        _audit(item, user, "claimed")
    return item


def work_item_assign(*, item_id: int, assignee: Any, by: Any) -> WorkItem:
    """A supervisor gives an item to a caseworker of the item's office."""
    with transaction.atomic():
        item = _get_item(item_id, for_update=True)
        _check_access(by, item)
        if not _can_review(by):
            raise ApplicationError("Only a supervisor can assign items.",
                                   code="permission_denied", status=403)
        if user_office_id(assignee) != item.office_id or not assignee.has_perm("dhs.work_queue"):
            raise ApplicationError("The assignee does not work this office's queue.",
                                   code="invalid_assignee", extra={"fields": {
                                       "assignee": ["Not a caseworker of this office."]}})
        if item.status == WorkItem.CLOSED:
            raise ApplicationError("This item is closed.", code="closed", status=409)
        now = timezone.now()
        item.assigned_to, item.status, item.claimed_at = assignee, WorkItem.CLAIMED, now
        item.save(update_fields=["assigned_to", "status", "claimed_at", "updated_at"])
        WorkItemAction.objects.create(item=item, action="assigned", by=by, at=now,
                                      note=f"Assigned to {assignee.get_username()}")
        _audit(item, by, "assigned", assignee=assignee.get_username())
    return item


def office_caseworkers(*, office: Office) -> list[Any]:
    return list(get_user_model().objects.filter(
        groups__name="caseworker", staff__office=office, is_active=True)
        .select_related("staff").order_by("username"))


def work_items_assign_by_capacity(*, office: Office, by: Any = None) -> int:
    """Fill caseworkers up to their caseload (profile max, else the office's sustainable
    caseload), highest priority first, always to the one with the most room left."""
    workers = office_caseworkers(office=office)
    if not workers:
        return 0
    load = dict(WorkItem.objects.filter(assigned_to__in=workers).exclude(
        status=WorkItem.CLOSED).values_list("assigned_to").annotate(n=Count("id")))
    room = {u.pk: (u.staff.max_caseload or office.sustainable_caseload) - load.get(u.pk, 0)
            for u in workers}
    by_pk = {u.pk: u for u in workers}
    total = sum(max(0, r) for r in room.values())
    if total <= 0:
        return 0
    candidates = list(WorkItem.objects.filter(
        office=office, status=WorkItem.OPEN, assigned_to__isnull=True, needs_review=False)
        .select_related("household").order_by("-priority", "id")[:total])
    now = timezone.now()
    assigned: list[tuple[WorkItem, Any]] = []
    for item in candidates:
        pk = max(room, key=lambda k: (room[k], -load.get(k, 0), -k))
        if room[pk] <= 0:
            break
        won = WorkItem.objects.filter(pk=item.pk, assigned_to__isnull=True,
                                      status=WorkItem.OPEN).update(
            assigned_to_id=pk, status=WorkItem.CLAIMED, claimed_at=now, updated_at=now)
        if won:
            room[pk] -= 1
            assigned.append((item, by_pk[pk]))
    WorkItemAction.objects.bulk_create([
        WorkItemAction(item=item, action="assigned", by=by, at=now,
                       note=f"Assigned by capacity to {u.get_username()}")
        for item, u in assigned])
    audit_bulk([{"action": "work_item.assigned", "user": by if getattr(by, "pk", None) else None,
                 "username": getattr(by, "username", "") or "system", "object_type": "work_item",
                 "object_id": str(item.pk), "household_ref": item.household.ref,
                 "purpose": "casework",
                 "details": {"assignee": u.get_username(), "by_capacity": True}}
                for item, u in assigned])
    return len(assigned)


# --- acting on items ------------------------------------------------------------------------
def _close(item: WorkItem, *, outcome: str, now: dt.datetime, resolution: str) -> None:
    item.status, item.closed_at, item.outcome, item.needs_review = (
        WorkItem.CLOSED, now, outcome, False)
    item.save(update_fields=["status", "closed_at", "outcome", "needs_review", "updated_at"])
    flags_resolve_for_household(household_id=item.household_id, resolution=resolution, now=now)


def work_item_act(*, item_id: int, user: Any, action: str, note: str = "",
                  intervention_code: str | None = None) -> WorkItemAction:
    """Record what the caseworker did. Dismissing a high/critical item waits for review."""
    if action not in CASEWORK_ACTIONS:
        choices = ", ".join(CASEWORK_ACTIONS)
        raise ApplicationError(f"Unknown action '{action}'.", code="invalid_action",
                               extra={"fields": {"action": [f"One of {choices}."]}})
    note = (note or "").strip()
    if action == "dismissed" and not note:
        raise ApplicationError("Say why you dismiss this item.", code="reason_required",
                               extra={"fields": {"note": ["A reason is required."]}})
    intervention = None
    if intervention_code:
        intervention = Intervention.objects.filter(code=intervention_code).first()
        if intervention is None:
            raise ApplicationError(f"Unknown intervention '{intervention_code}'.",
                                   code="invalid_intervention", extra={"fields": {
                                       "intervention_code": ["Not in the catalogue."]}})
    if action == "referred" and intervention is None:
        raise ApplicationError("Choose the intervention to refer to.",
                               code="intervention_required", extra={"fields": {
                                   "intervention_code": ["Required for a referral."]}})
    now = timezone.now()
    with transaction.atomic():
        item = _get_item(item_id, for_update=True)
        _check_access(user, item)
        if item.status == WorkItem.CLOSED:
            raise ApplicationError("This item is closed.", code="closed", status=409)
        if item.needs_review:
            raise ApplicationError("A supervisor is reviewing the dismissal of this item.",
                                   code="pending_review", status=409)
        supervisor = _can_review(user)
        if item.assigned_to_id not in (None, user.pk) and not supervisor:
            raise ApplicationError("This item is assigned to someone else.",
                                   code="not_assignee", status=403)
        if action == "released":
            item.assigned_to, item.status, item.claimed_at = None, WorkItem.OPEN, None
            item.save(update_fields=["assigned_to", "status", "claimed_at", "updated_at"])
        elif item.assigned_to_id is None:  # acting on an unclaimed item claims it
            item.assigned_to, item.status, item.claimed_at = user, WorkItem.CLAIMED, now
            item.save(update_fields=["assigned_to", "status", "claimed_at", "updated_at"])
        referral = None
        if action == "referred":
            from alerts.services.referrals import _referral_create

            referral = _referral_create(household=item.household, intervention=intervention,
                                        user=user, work_item=item)
        record = WorkItemAction.objects.create(item=item, action=action, by=user, at=now,
                                               note=note, intervention=intervention)
        label = f" ({intervention.name})" if intervention else ""
        if action == "dismissed":
            if item.severity in REVIEW_SEVERITIES:
                record.review_status = "pending"
                record.save(update_fields=["review_status"])
                item.needs_review = True
                item.save(update_fields=["needs_review", "updated_at"])
            else:
                _close(item, outcome="dismissed", now=now,
                       resolution=f"Dismissed by {user.get_username()}: {note}")
        elif action in CLOSING_ACTIONS:
            _close(item, outcome=action, now=now,
                   resolution=f"Acted on: {action}{label} by {user.get_username()}")
        _audit(item, user, action, note=note, intervention=intervention_code or "",
               referral_id=referral.pk if referral else None,
               review=record.review_status or "")
    return record


def dismissal_review(*, action_id: int, reviewer: Any, uphold: bool) -> WorkItemAction:
    """A supervisor upholds (closes the item) or reverses (reopens it) a pending dismissal."""
    now = timezone.now()
    with transaction.atomic():
        try:
            dismissal = WorkItemAction.objects.select_for_update().get(
                pk=action_id, action="dismissed")
        except WorkItemAction.DoesNotExist:
            raise ApplicationError("No such dismissal.", code="not_found", status=404) from None
        item = _get_item(dismissal.item_id, for_update=True)
        _check_access(reviewer, item)
        if not _can_review(reviewer):
            raise ApplicationError("Only a supervisor can review dismissals.",
                                   code="permission_denied", status=403)
        if dismissal.review_status != "pending":
            raise ApplicationError("This dismissal was already reviewed.",
                                   code="already_reviewed", status=409)
        dismissal.review_status = "upheld" if uphold else "reversed"
        dismissal.reviewed_by, dismissal.reviewed_at = reviewer, now
        dismissal.save(update_fields=["review_status", "reviewed_by", "reviewed_at"])
        if uphold:
            _close(item, outcome="dismissed", now=now,
                   resolution=f"Dismissal upheld by {reviewer.get_username()}: {dismissal.note}")
        else:
            item.needs_review = False
            item.status = WorkItem.CLAIMED if item.assigned_to_id else WorkItem.OPEN
            item.save(update_fields=["needs_review", "status", "updated_at"])
        record = WorkItemAction.objects.create(
            item=item, action="review_upheld" if uphold else "review_reopened", by=reviewer,
            at=now, note=f"Review of dismissal {dismissal.pk}")
        _audit(item, reviewer, record.action, dismissal_id=dismissal.pk)
    return record


# --- SLA --------------------------------------------------------------------------------------
def responded_subquery() -> Exists:
    return Exists(WorkItemAction.objects.filter(item=OuterRef("pk"),
                                                action__in=RESPONSE_ACTIONS))


def work_items_sla_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark items past their SLA without a first response; returns how many were newly marked."""
    now = now or timezone.now()
    late = list(WorkItem.objects.exclude(status=WorkItem.CLOSED).filter(
        sla_due_at__lt=now).exclude(responded_subquery()).exclude(
        priority_explanation__has_key="overdue").only("id", "priority_explanation"))
    for item in late:
        item.priority_explanation = {**(item.priority_explanation or {}), "overdue": True,
                                     "overdue_since": now.isoformat()}
    WorkItem.objects.bulk_update(late, ["priority_explanation"], batch_size=1000)
    return len(late)
