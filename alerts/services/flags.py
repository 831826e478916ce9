"""Flag rules evaluated in bulk: set-based queries per rule and chunk, never one per household.

A FlagRule row holds the thresholds (`params`) a supervisor edits in the admin; the code below
holds only the shape of each rule. `params["evaluator"]` lets a supervisor add a second rule of
the same shape (e.g. a stricter eviction window) under another code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from alerts.models import Flag, FlagRule
from alerts.services.bulk import CHUNK, ids_q
from cases.models import ProgramEnrollment
from dhs.iterables import chunked
from risk.models import CurrentScore, Signal

HISTORY_DAYS = 800  # longer than every rule's look-back (absence_rise reaches back ~520 days)


@dataclass
class Candidate:
    household_id: int
    evidence_key: str
    reason: str
    evidence: list[dict[str, Any]]
    deadline: dt.date | None = None
    signal_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleShape:
    evaluate: Callable[[FlagRule, list[int], dt.date, dt.datetime], list[Candidate]]
    resolve_when_gone: bool  # the flag closes as soon as its cause no longer holds
    single_open: bool = False  # at most one open flag of this rule per household
    gone_text: str = "No longer applies"


def _days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "1 day away"
    return f"{days} days away"


def _ago(days: int) -> str:
    return "today" if days == 0 else ("1 day ago" if days == 1 else f"{days} days ago")


def _money(value: Any) -> str:
    return f"${value:,.2f}" if value is not None else "amount unknown"


def _p(rule: FlagRule, key: str, default: Any) -> Any:
    value = (rule.params or {}).get(key, default)
    return default if value in (None, "") else value


# --- evaluators: each reads one kind of evidence for a chunk of households ------------------
def _eviction(rule: FlagRule, ids: list[int], today: dt.date, now: dt.datetime) -> list[Candidate]:
    days = int(_p(rule, "days", 21))
    unscheduled = int(_p(rule, "unscheduled_days", 14))
    rows = Signal.objects.filter(ids_q(ids), kind="eviction_filing").filter(
        Q(deadline__gte=today, deadline__lte=today + dt.timedelta(days=days))
        | Q(deadline__isnull=True, occurred_on__gte=today - dt.timedelta(days=unscheduled))
    ).values("id", "household_id", "source", "occurred_on", "deadline", "amount", "details")
    out = []
    for s in rows:
        d = s["details"] or {}
        court = d.get("court") or "court not given"
        case = d.get("case_number") or ""
        if s["deadline"]:
            away = (s["deadline"] - today).days
            reason = (f"Eviction hearing on {s['deadline']:%Y-%m-%d}, {_days_phrase(away)} "
                      f"(filed {s['occurred_on']:%Y-%m-%d}, {court})")
        else:
            reason = (f"Eviction filed on {s['occurred_on']:%Y-%m-%d} ({court}); "
                      "no hearing date yet")
        summary = f"Eviction case {case or '(no number)'} filed by {d.get('plaintiff') or '?'}"
        if s["amount"] is not None:
            summary += f", {_money(s['amount'])} claimed"
        out.append(Candidate(
            household_id=s["household_id"],
            evidence_key=f"eviction:{case}" if case else f"signal:{s['id']}",
            reason=reason[:300], deadline=s["deadline"], signal_id=s["id"],
            evidence=[{"signal_id": s["id"], "source": s["source"],
                       "date": s["occurred_on"].isoformat(), "summary": summary}]))
    return out


def _utility(rule: FlagRule, ids: list[int], today: dt.date, now: dt.datetime) -> list[Candidate]:
    days = int(_p(rule, "days", 14))
    rows = Signal.objects.filter(ids_q(ids),
        kind="utility_shutoff", deadline__gte=today,
        deadline__lte=today + dt.timedelta(days=days),
    ).values("id", "household_id", "source", "occurred_on", "deadline", "amount", "details")
    out = []
    for s in rows:
        d = s["details"] or {}
        utility = (d.get("utility") or "utility").capitalize()
        away = (s["deadline"] - today).days
        reason = (f"{utility} shut-off scheduled for {s['deadline']:%Y-%m-%d}, "
                  f"{_days_phrase(away)} ({_money(s['amount'])} past due, "
                  f"notice of {s['occurred_on']:%Y-%m-%d})")
        account = d.get("account_id") or ""
        out.append(Candidate(
            household_id=s["household_id"],
            evidence_key=(f"utility:{account}:{s['deadline']:%Y-%m-%d}" if account
                          else f"signal:{s['id']}"),
            reason=reason[:300], deadline=s["deadline"], signal_id=s["id"],
            evidence=[{"signal_id": s["id"], "source": s["source"],
                       "date": s["occurred_on"].isoformat(),
                       "summary": f"{utility} shut-off notice, {_money(s['amount'])} past due"}]))
    return out


RELATION_WORDS = {"head": "The head of household", "spouse": "A spouse/partner",
                  "child": "An adult child", "other": "An adult household member"}


def _jail(rule: FlagRule, ids: list[int], today: dt.date, now: dt.datetime) -> list[Candidate]:
    days = int(_p(rule, "days", 14))
    adult_age = int(_p(rule, "adult_age", 18))
    try:
        adult_cutoff = today.replace(year=today.year - adult_age)
    except ValueError:  # 29 February
        adult_cutoff = today.replace(year=today.year - adult_age, day=28)
    rows = Signal.objects.filter(ids_q(ids),
        kind="jail_booking",
        occurred_on__gte=today - dt.timedelta(days=days), occurred_on__lte=today,
    ).filter(Q(person__relationship__in=["head", "spouse"])
             | Q(person__date_of_birth__lte=adult_cutoff)).values(
        "id", "household_id", "source", "occurred_on", "details", "person__relationship")
    out = []
    for s in rows:
        d = s["details"] or {}
        who = RELATION_WORDS.get(s["person__relationship"] or "other", "An adult")
        ago = (today - s["occurred_on"]).days
        charge = d.get("charge_description") or d.get("charge_code") or "charge not given"
        reason = (f"{who} was booked into jail on {s['occurred_on']:%Y-%m-%d}, "
                  f"{_ago(ago)} (charge: {charge})")
        booking = d.get("booking_id") or ""
        out.append(Candidate(
            household_id=s["household_id"],
            evidence_key=f"booking:{booking}" if booking else f"signal:{s['id']}",
            reason=reason[:300], signal_id=s["id"],
            evidence=[{"signal_id": s["id"], "source": s["source"],
                       "date": s["occurred_on"].isoformat(),
                       "summary": f"Jail booking {booking}: {charge}".strip()}]))
    return out


def _rate(value: float | None, details: dict[str, Any]) -> float | None:
    if value is None:
        value = details.get("absence_rate")
    if value is None:
        return None
    value = float(value)
    return value / 100 if value > 1 else value  # tolerate percentages


def _absence(rule: FlagRule, ids: list[int], today: dt.date, now: dt.datetime) -> list[Candidate]:
    points = float(_p(rule, "points", 10))
    days = int(_p(rule, "days", 120))
    since = today - dt.timedelta(days=days + 400)  # reach back to the previous period
    rows = Signal.objects.filter(ids_q(ids), kind="school_attendance",
                                 occurred_on__gte=since).values(
        "id", "household_id", "person_id", "source", "occurred_on", "value", "details"
    ).order_by("household_id", "person_id", "occurred_on", "id")
    by_child: dict[tuple[int, Any], list[dict[str, Any]]] = defaultdict(list)
    for s in rows:
        key = s["person_id"] or (s["details"] or {}).get("school_code")
        by_child[(s["household_id"], key)].append(s)
    out = []
    for (hid, _), series in by_child.items():
        if len(series) < 2:
            continue
        last, prev = series[-1], series[-2]
        if last["occurred_on"] < today - dt.timedelta(days=days):
            continue
        r_last = _rate(last["value"], last["details"] or {})
        r_prev = _rate(prev["value"], prev["details"] or {})
        if r_last is None or r_prev is None:
            continue
        rise = (r_last - r_prev) * 100
        if rise + 1e-9 < points:
            continue
        school = (last["details"] or {}).get("school_code") or "school"
        reason = (f"A child's absence rate at {school} rose from {r_prev:.0%} to {r_last:.0%} "
                  f"(+{rise:.0f} points) in the period ending {last['occurred_on']:%Y-%m-%d}")
        out.append(Candidate(
            household_id=hid, evidence_key=f"signal:{last['id']}", reason=reason[:300],
            signal_id=last["id"],
            evidence=[{"signal_id": s["id"], "source": s["source"],
                       "date": s["occurred_on"].isoformat(),
                       "summary": f"Absence rate {_rate(s['value'], s['details'] or {}):.0%} "
                                  f"for the period ending {s['occurred_on']:%Y-%m-%d}"}
                      for s in (prev, last)]))
    return out


def _recert(rule: FlagRule, ids: list[int], today: dt.date, now: dt.datetime) -> list[Candidate]:
    days = int(_p(rule, "days", 60))
    since = today - dt.timedelta(days=days)
    # Renewals: a later enrollment of the same program means the lapse is cured.
    starts: dict[tuple[int, str], list[dt.date]] = defaultdict(list)
    for hid, program, start in ProgramEnrollment.objects.filter(ids_q(ids),
            start_date__gte=since - dt.timedelta(days=400)).values_list(
            "household_id", "program", "start_date"):
        starts[(hid, program)].append(start)

    def renewed(hid: int, program: str, due: dt.date) -> bool:
        return any(s >= due for s in starts.get((hid, program), []))

    found: dict[tuple[int, str], Candidate] = {}
    for s in Signal.objects.filter(ids_q(ids), kind="benefit_lapse",
                                   occurred_on__gte=since, occurred_on__lt=today).values(
            "id", "household_id", "source", "occurred_on", "details"):
        program = str((s["details"] or {}).get("program") or "benefit").lower()
        due = s["occurred_on"]
        if renewed(s["household_id"], program, due):
            continue
        key = f"recert:{program}:{due:%Y-%m-%d}"
        found[(s["household_id"], key)] = Candidate(
            household_id=s["household_id"], evidence_key=key, signal_id=s["id"],
            reason=(f"{program.upper()} recertification was due {due:%Y-%m-%d}, "
                    f"{_ago((today - due).days)}, and has not been renewed"),
            evidence=[{"signal_id": s["id"], "source": s["source"], "date": due.isoformat(),
                       "summary": f"{program.upper()} benefit lapse reported"}])
    renewal = ProgramEnrollment.objects.filter(
        household_id=OuterRef("household_id"), program=OuterRef("program"),
        start_date__gt=OuterRef("start_date"))
    for e in ProgramEnrollment.objects.filter(ids_q(ids),
            recert_due_date__gte=since, recert_due_date__lt=today,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=F("recert_due_date"))).exclude(
            Exists(renewal)).values("id", "household_id", "program", "recert_due_date"):
        due = e["recert_due_date"]
        key = f"recert:{e['program']}:{due:%Y-%m-%d}"
        if (e["household_id"], key) in found:
            continue
        found[(e["household_id"], key)] = Candidate(
            household_id=e["household_id"], evidence_key=key,
            reason=(f"{e['program'].upper()} recertification was due {due:%Y-%m-%d}, "
                    f"{_ago((today - due).days)}, and has not been renewed"),
            evidence=[{"signal_id": None, "source": "enrollments", "date": due.isoformat(),
                       "summary": f"{e['program'].upper()} enrollment {e['id']} "
                                  "past its recertification date"}])
    return list(found.values())


def _score_jump(rule: FlagRule, ids: list[int], today: dt.date,
                now: dt.datetime) -> list[Candidate]:
    jump = float(_p(rule, "jump", 0.15))
    rows = CurrentScore.objects.filter(ids_q(ids),
        previous_score__isnull=False,
        score__gte=F("previous_score") + jump - 1e-9,
    ).values("household_id", "score", "previous_score", "as_of", "factors")
    out = []
    for s in rows:
        day = timezone.localtime(s["as_of"]).date() if timezone.is_aware(s["as_of"]) \
            else s["as_of"].date()
        factors = "; ".join(f.get("label", "") for f in (s["factors"] or [])[:3]
                            if isinstance(f, dict))
        out.append(Candidate(
            household_id=s["household_id"], evidence_key=f"score:{day:%Y-%m-%d}",
            reason=(f"Risk score rose from {s['previous_score']:.2f} to {s['score']:.2f} "
                    f"(+{s['score'] - s['previous_score']:.2f}) at the scoring of "
                    f"{day:%Y-%m-%d}"),
            evidence=[{"signal_id": None, "source": "risk_model", "date": day.isoformat(),
                       "summary": f"Top factors: {factors or 'not recorded'}"}]))
    return out


SHAPES: dict[str, RuleShape] = {
    "eviction_hearing": RuleShape(_eviction, True, gone_text="Hearing date passed or case left "
                                  "the rule's window"),
    "utility_shutoff": RuleShape(_utility, True, gone_text="Shut-off date passed or left the "
                                 "rule's window"),
    "parent_jailed": RuleShape(_jail, False),
    "absence_rise": RuleShape(_absence, False),
    "recert_overdue": RuleShape(_recert, True, gone_text="Recertification renewed"),
    "score_jump": RuleShape(_score_jump, False, single_open=True),
}


def rule_shape(rule: FlagRule) -> RuleShape | None:
    return SHAPES.get((rule.params or {}).get("evaluator") or rule.code)


def flags_evaluate(*, household_ids: Iterable[int] | None = None,
                   now: dt.datetime | None = None) -> dict[str, int]:
    """Raise new flags and resolve gone ones for these households (all when None).

    The same evidence never makes a second flag, open or resolved: a flag acted on stays closed.
    """
    from cases.models import Household

    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = [r for r in FlagRule.objects.filter(enabled=True) if rule_shape(r)]
    if household_ids is None:
        household_ids = Household.objects.order_by("id").values_list("id", flat=True).iterator(
            chunk_size=CHUNK)
    else:
        household_ids = sorted(set(household_ids))
    stats = {"created": 0, "resolved": 0}
    for chunk in chunked(household_ids, CHUNK):
        for rule in rules:
            created, resolved = _evaluate_rule_chunk(rule, chunk, today, now)
            stats["created"] += created
            stats["resolved"] += resolved
    return stats


def _evaluate_rule_chunk(rule: FlagRule, ids: list[int], today: dt.date,
                         now: dt.datetime) -> tuple[int, int]:
    shape = rule_shape(rule)
    assert shape is not None
    candidates = shape.evaluate(rule, ids, today, now)
    seen: set[tuple[int, str]] = set()
    open_flags: dict[tuple[int, str], int] = {}
    # Resolved flags older than any rule's window cannot match a candidate again.
    history = Q(resolved_at__isnull=True) | Q(opened_at__gte=now - dt.timedelta(days=HISTORY_DAYS))
    for fid, hid, key, resolved_at in Flag.objects.filter(ids_q(ids), history, rule=rule) \
            .values_list("id", "household_id", "evidence_key", "resolved_at"):
        seen.add((hid, key))
        if resolved_at is None:
            open_flags[(hid, key)] = fid
    open_households = {hid for hid, _ in open_flags}
    expires = now + dt.timedelta(days=rule.expiry_days)
    new: list[Flag] = []
    wanted: set[tuple[int, str]] = set()
    for c in candidates:
        wanted.add((c.household_id, c.evidence_key))
        if (c.household_id, c.evidence_key) in seen:
            continue
        if shape.single_open and c.household_id in open_households:
            continue
        seen.add((c.household_id, c.evidence_key))
        open_households.add(c.household_id)
        new.append(Flag(household_id=c.household_id, rule=rule, severity=rule.severity,
                        reason=c.reason, evidence=c.evidence, evidence_key=c.evidence_key,
                        signal_id=c.signal_id, deadline=c.deadline, opened_at=now,
                        expires_at=expires))
    if new:
        Flag.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    resolved = 0
    if shape.resolve_when_gone:
        gone = [fid for key, fid in open_flags.items() if key not in wanted]
        if gone:
            resolved = Flag.objects.filter(id__in=gone, resolved_at__isnull=True).update(
                resolved_at=now, resolution=shape.gone_text[:200])
    return len(new), resolved


def flags_expire(*, now: dt.datetime | None = None) -> list[int]:
    """Resolve flags past their expiry or deadline; returns the households touched."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired = Flag.objects.filter(resolved_at__isnull=True, expires_at__lte=now)
    passed = Flag.objects.filter(resolved_at__isnull=True, deadline__lt=today)
    households = set(expired.values_list("household_id", flat=True))
    households |= set(passed.values_list("household_id", flat=True))
    passed.update(resolved_at=now, resolution="Deadline passed")
    expired.update(resolved_at=now, resolution="Expired")
    return sorted(households)


def flags_resolve_for_household(*, household_id: int, resolution: str,
                                now: dt.datetime | None = None) -> int:
    """Close a household's open flags because a caseworker acted on them."""
    return Flag.objects.filter(household_id=household_id, resolved_at__isnull=True).update(
        resolved_at=now or timezone.now(), resolution=resolution[:200])
