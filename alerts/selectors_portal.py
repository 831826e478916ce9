"""Reads that only the portal needs (page assembly); access rules stay in the scoped selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from cases.models import OfficeVisit
from dhs.models import Office
from dhs.roles import user_office_id, user_role
from risk.models import ModelVersion, ScoreRun


def office_get_for_dashboard(*, user: Any, code: str) -> Office:
    """The office whose traffic the user may watch: own office; analysts and admins any (404)."""
    office = Office.objects.filter(code=code).first()
    if office is None:
        raise Http404("No such office.")
    role = user_role(user)
    if role == "analyst" or user.has_perm("dhs.view_all_offices"):
        return office
    if role is not None and user_office_id(user) == office.pk:
        return office
    raise Http404("No such office.")


def dashboard_context(*, traffic: dict[str, Any]) -> dict[str, Any]:
    """Labels and totals for the dashboard template and charts."""
    labels = dict(OfficeVisit.SERVICE_TYPES)
    day = dt.date.fromisoformat(traffic["day"])
    chart = {
        "weekday": day.strftime("%A"),
        "by_hour": traffic["by_hour"],
        "by_service": [dict(s, label=labels.get(s["service_type"], s["service_type"]))
                       for s in traffic["by_service"]],
    }
    busy = [h["hour"] for h in traffic["by_hour"] if h["visitors"] or h["typical"]]
    first, last = min([7, *busy]), max([18, *busy])  # opening hours, widened to any visit
    open_hours = [h for h in traffic["by_hour"] if first <= h["hour"] <= last]
    chart["hours_from"], chart["hours_to"] = first, last
    return {"traffic": traffic, "chart": chart, "day": day, "open_hours": open_hours,
            "weekday": chart["weekday"], "services": chart["by_service"],
            "computed_at": dt.datetime.fromisoformat(traffic["computed_at"])}


def models_overview() -> dict[str, Any]:
    """The promoted model, recent versions and the drift of recent score runs."""
    versions = list(ModelVersion.objects.order_by("-created_at")[:10])
    promoted = next((v for v in versions if v.status == ModelVersion.PROMOTED), None)
    if promoted is None:
        promoted = ModelVersion.objects.filter(status=ModelVersion.PROMOTED).first()
    runs = list(ScoreRun.objects.select_related("model_version").order_by("-started_at")[:20])
    runs.reverse()
    drift = [{"label": timezone.localtime(r.started_at).strftime("%b %d %H:%M"),
              "psi": round(r.psi, 4) if r.psi is not None else None,
              "flagged": r.drift_flagged, "version": r.model_version.version,
              "households": r.households, "status": r.status}
             for r in runs]
    return {"promoted": promoted, "versions": versions, "runs": runs, "drift": drift,
            "drift_chart": [d for d in drift if d["psi"] is not None]}


FAIRNESS_METRICS = {"selection_rate": "Selected for outreach",
                    "false_negative_rate": "Crises missed (false negative rate)",
                    "precision": "Precision"}
DIMENSION_LABELS = {"race_ethnicity": "Race and ethnicity", "office": "Office"}


def fairness_tables(version: ModelVersion | None) -> dict[str, Any]:
    """The promotion's fairness report (risk.services.fairness) as tables per dimension."""
    if version is None or not version.fairness:
        return {"tables": [], "passed": None, "bounds": None, "violations": []}
    report = version.fairness
    violations = {(v.get("dimension"), v.get("group"), v.get("metric"))
                  for v in report.get("violations", [])}
    tables = []
    for dimension, rows in (report.get("dimensions") or {}).items():
        out = []
        for row in rows:
            metrics = []
            for metric in FAIRNESS_METRICS:
                metrics.append({"value": row.get(metric),
                                "ratio": (row.get("ratios") or {}).get(metric),
                                "violation": (dimension, row.get("group"), metric) in violations})
            out.append({"group": row.get("group"), "members": row.get("members"),
                        "gated": row.get("gated", True), "metrics": metrics})
        tables.append({"name": DIMENSION_LABELS.get(dimension, dimension.replace("_", " ")),
                       "reference": (report.get("reference") or {}).get(dimension),
                       "rows": out})
    return {"tables": tables, "passed": report.get("passed"), "bounds": report.get("bounds"),
            "violations": report.get("violations", []),
            "metric_labels": list(FAIRNESS_METRICS.values())}


# --- the queue --------------------------------------------------------------------------------
def queue_items(*, user: Any, filters: dict[str, Any]) -> Any:
    """My items and my office's unclaimed ones, by priority (alerts.selectors.queue_for_user).

    The portal's filters: band (the household's current risk band), flag (an open flag of that
    rule), overdue, mine (assigned to me only).
    """
    from django.db.models import Exists, OuterRef, Q

    from alerts import selectors as alert_selectors
    from alerts.models import Flag

    qs = alert_selectors.queue_for_user(user=user, filters={
        "assigned": "me" if filters.get("mine") else "any",
        "overdue": bool(filters.get("overdue"))})
    if not filters.get("mine"):
        qs = qs.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    if filters.get("band"):
        qs = qs.filter(household__current_score__band=filters["band"])
    if filters.get("flag"):
        qs = qs.filter(Exists(Flag.objects.filter(household_id=OuterRef("household_id"),
                                                  rule__code=filters["flag"],
                                                  resolved_at__isnull=True)))
    return qs


def flag_rule_choices() -> list[tuple[str, str]]:
    from alerts.models import FlagRule

    return list(FlagRule.objects.filter(enabled=True).order_by("name").values_list("code", "name"))


# --- the household page -----------------------------------------------------------------------
def household_page_context(*, household: Any, user: Any) -> dict[str, Any]:
    """Everything the household page shows, in a fixed number of queries."""
    from alerts.models import OutreachMessage, OutreachTemplate, Referral, WorkItem
    from alerts.selectors import flags_open_for_household
    from alerts.services.eligibility import interventions_for_household
    from alerts.services.outreach import in_quiet_hours, template_render
    from cases.models import CaseNote
    from risk.models import CurrentScore, HouseholdScore
    from risk.selectors import signals_for_household

    flags = list(flags_open_for_household(household=household))

    current = CurrentScore.objects.filter(household=household).first()
    history = list(HouseholdScore.objects.filter(household=household)
                   .order_by("-as_of").values("as_of", "score", "band")[:60])
    history.reverse()
    item = (WorkItem.objects.filter(household=household).exclude(status=WorkItem.CLOSED)
            .select_related("assigned_to").first())
    actions = []
    if item is not None:
        actions = list(item.actions.select_related("by", "intervention").order_by("-at")[:30])
    past_items = list(WorkItem.objects.filter(household=household, status=WorkItem.CLOSED)
                      .select_related("assigned_to").order_by("-closed_at")[:10])
    eligibility = interventions_for_household(household=household)
    consent_ok = bool(household.sms_consent)
    phone_ok = bool((household.phone or "").strip())
    quiet = in_quiet_hours()
    blocked = []
    if not consent_ok:
        blocked.append("The household has not agreed to text messages (or replied STOP).")
    if not phone_ok:
        blocked.append("There is no phone number on file.")
    if quiet:
        blocked.append(f"It is quiet hours ({settings.OUTREACH_QUIET_START}:00 to "
                       f"{settings.OUTREACH_QUIET_END}:00); texts wait until morning.")
    templates = [{"name": t.name, "body": template_render(template=t, household=household)}
                 for t in OutreachTemplate.objects.select_related("intervention").order_by("name")]
    explanation = (item.priority_explanation if item is not None else {}) or {}
    return {
        "members": list(household.members.all()),
        "cases": list(household.cases.select_related("assigned_to").order_by("-opened_on")),
        "enrollments": list(household.enrollments.select_related("person")
                            .order_by("program", "-start_date")),
        "notes": list(CaseNote.objects.filter(household=household).select_related("author")
                      .order_by("-created_at")[:50]),
        "signals": list(signals_for_household(household=household)[:100]),
        "current": current,
        "factors": (current.factors if current else [])[:6],
        "history": [{"date": timezone.localtime(h["as_of"]).strftime("%Y-%m-%d"),
                     "score": h["score"], "band": h["band"]} for h in history],
        "flags": flags,
        "item": item,
        "actions": actions,
        "past_items": past_items,
        "explanation": explanation,
        "eligible": [r for r in eligibility if r.eligible],
        "ineligible": [r for r in eligibility if not r.eligible],
        "outreach_blocked": blocked,
        "outreach_templates": templates,
        "messages_sent": list(OutreachMessage.objects.filter(household=household)
                              .select_related("sent_by").order_by("-created_at")[:10]),
        "referrals": list(Referral.objects.filter(household=household)
                          .select_related("intervention", "partner").order_by("-created_at")[:10]),
        "can_act": item is not None and not item.needs_review
        and item.assigned_to_id in (None, user.pk),
    }


# --- supervisor screens -----------------------------------------------------------------------
def _overdue_q() -> Any:
    from django.db.models import Q

    from alerts.services.work_items import responded_subquery

    return Q(sla_due_at__lt=timezone.now()) & ~Q(responded_subquery()) | Q(
        deadline__lt=timezone.localdate())


def team_overview(*, office: Office) -> list[dict[str, Any]]:
    """Per caseworker: open items, overdue items, open cases; warn above sustainable caseload."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from alerts.models import WorkItem
    from cases.models import Case

    users = list(get_user_model().objects.filter(
        groups__name="caseworker", staff__office=office, is_active=True)
        .select_related("staff").order_by("username"))
    open_items = WorkItem.objects.filter(office=office).exclude(status=WorkItem.CLOSED)
    counts = {row["assigned_to"]: row for row in open_items.filter(assigned_to__in=users)
              .values("assigned_to").annotate(open=Count("id"),
                                              overdue=Count("id", filter=_overdue_q()))}
    cases = dict(Case.objects.filter(assigned_to__in=users, status="open")
                 .values_list("assigned_to").annotate(n=Count("id")))
    rows = []
    for u in users:
        limit = u.staff.max_caseload or office.sustainable_caseload
        c = counts.get(u.pk, {"open": 0, "overdue": 0})
        rows.append({"user": u, "open": c["open"], "overdue": c["overdue"],
                     "cases": cases.get(u.pk, 0), "limit": limit, "over": c["open"] > limit})
    return rows


def supervisor_items(*, office: Office, limit: int = 100) -> list[Any]:
    """Unassigned and overdue open items of the office, most urgent first."""
    from django.db.models import Q

    from alerts.models import WorkItem

    return list(WorkItem.objects.filter(office=office).exclude(status=WorkItem.CLOSED)
                .filter(Q(assigned_to__isnull=True) | _overdue_q())
                .select_related("household", "assigned_to", "household__current_score")
                .order_by("-priority", "id")[:limit])


def dismissals_pending(*, office: Office) -> list[Any]:
    """Dismissed high-risk items waiting for a supervisor's review."""
    from alerts.selectors import dismissals_pending_review

    return list(dismissals_pending_review(office=office))


def audit_trail(*, household_ref: str, limit: int = 200) -> list[Any]:
    from dhs.models import AuditEvent

    return list(AuditEvent.objects.filter(household_ref=household_ref).order_by("-at", "-id")
                [:limit])
