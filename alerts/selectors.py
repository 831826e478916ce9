"""Reads of the alerts layer, scoped to the user (access decided here, not in views)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from alerts.models import Flag, WorkItem, WorkItemAction
from cases.models import Household
from dhs.models import Office
from dhs.roles import user_office_id


def _visible_items(user: Any) -> QuerySet[WorkItem]:
    if user is None or not getattr(user, "is_authenticated", False) \
            or not user.has_perm("dhs.work_queue"):
        return WorkItem.objects.none()
    qs = WorkItem.objects.all()
    if not user.has_perm("dhs.view_all_offices"):
        qs = qs.filter(office_id=user_office_id(user))
    return qs


def queue_for_user(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[WorkItem]:
    """Open items of the user's office, highest priority first.

    Caseworkers do not see items whose dismissal waits for review; supervisors do.
    filters: assigned ("me" | "unassigned" | "any"), severity, status ("open" | "claimed" |
    "closed" | "all"), overdue (bool), needs_review (bool), office (code; all-office users),
    rule (flag rule code: items with such an open flag).
    """
    filters = filters or {}
    qs = _visible_items(user)
    status = filters.get("status") or ""
    if status == "all":
        pass
    elif status in (WorkItem.OPEN, WorkItem.CLAIMED, WorkItem.CLOSED):
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=WorkItem.CLOSED)
    if not user or not user.has_perm("dhs.review_team"):
        qs = qs.filter(needs_review=False)
    elif filters.get("needs_review") is not None:
        qs = qs.filter(needs_review=bool(filters["needs_review"]))
    assigned = filters.get("assigned") or "any"
    if assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif assigned == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    if filters.get("severity"):
        qs = qs.filter(severity=filters["severity"])
    if filters.get("office"):
        qs = qs.filter(office__code=filters["office"])
    if filters.get("rule"):
        qs = qs.filter(Exists(Flag.objects.filter(household_id=OuterRef("household_id"),
                                                  rule__code=filters["rule"],
                                                  resolved_at__isnull=True)))
    if filters.get("overdue"):
        qs = qs.filter(sla_due_at__lt=timezone.now()).exclude(_responded())
    return qs.select_related("household", "office", "assigned_to",
                             "household__current_score").order_by("-priority", "id")


def _responded() -> Any:
    from alerts.services.work_items import responded_subquery

    return responded_subquery()


def flags_open_for_household(*, household: Household) -> QuerySet[Flag]:
    return (Flag.objects.filter(household=household, resolved_at__isnull=True)
            .select_related("rule").order_by("-opened_at"))


def flags_for_household(*, household: Household) -> QuerySet[Flag]:
    """Open and resolved flags, newest first (the household page's history)."""
    return Flag.objects.filter(household=household).select_related("rule").order_by(
        "resolved_at", "-opened_at")


def work_item_for_household(*, household: Household) -> WorkItem | None:
    return (WorkItem.objects.filter(household=household).exclude(status=WorkItem.CLOSED)
            .select_related("assigned_to").first())


def actions_for_item(*, item: WorkItem) -> QuerySet[WorkItemAction]:
    return item.actions.select_related("by", "intervention", "reviewed_by").order_by("-at")


def overdue_items(*, office: Office) -> QuerySet[WorkItem]:
    """Items past their SLA without a first response, oldest deadline first."""
    return (WorkItem.objects.filter(office=office, sla_due_at__lt=timezone.now())
            .exclude(status=WorkItem.CLOSED).exclude(_responded())
            .select_related("household", "assigned_to").order_by("sla_due_at", "id"))


def dismissals_pending_review(*, office: Office) -> QuerySet[WorkItemAction]:
    return (WorkItemAction.objects.filter(action="dismissed", review_status="pending",
                                          item__office=office)
            .select_related("item", "item__household", "by").order_by("at", "id"))


def caseload_by_caseworker(*, office: Office) -> list[dict[str, Any]]:
    """Open items per caseworker against their capacity (profile max or office sustainable)."""
    from alerts.services.work_items import office_caseworkers

    workers = office_caseworkers(office=office)
    now = timezone.now()
    counts = {r["assigned_to"]: r for r in WorkItem.objects.filter(
        assigned_to__in=workers).exclude(status=WorkItem.CLOSED).values("assigned_to").annotate(
        open_items=Count("id"),
        critical=Count("id", filter=Q(severity="critical")),
        overdue=Count("id", filter=Q(sla_due_at__lt=now)))}
    rows = []
    for u in workers:
        c = counts.get(u.pk, {})
        capacity = u.staff.max_caseload or office.sustainable_caseload
        n = c.get("open_items", 0)
        rows.append({"user": u, "username": u.get_username(), "open_items": n,
                     "critical": c.get("critical", 0), "overdue_sla": c.get("overdue", 0),
                     "capacity": capacity, "over_capacity": n > capacity})
    return rows
