"""Eligibility of households for interventions, from rules stored as data on each intervention.

Rule language (Intervention.eligibility is a list; every rule must pass):
- {"rule": "income_below_poverty_share", "max": 2.0}: annual income (monthly x 12) <= max x the
  federal poverty line for the household size (members on record) and the current year.
- {"rule": "income_below_ami_share", "max": 0.5}: annual income <= max x area median income.
- {"rule": "housing_in", "values": ["rent"]}
- {"rule": "children_present"}: a member is a child (relationship child, or under 18).
- {"rule": "enrolled_in", "programs": ["snap", "tanf"]}: an enrollment that has not ended.
Income exactly at a limit is eligible (<=). Limits are compared in exact decimals, not floats.
An unknown rule fails closed (not eligible, with the reason).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.utils import timezone

from alerts.models import Intervention
from alerts.services.bulk import ids_q
from cases.models import Household, Person, ProgramEnrollment
from cases.poverty import area_median_income, poverty_line

HOUSING_WORDS = {"rent": "renting", "own": "owning", "homeless": "homeless", "other": "other"}


@dataclass
class EligibilityResult:
    intervention: Intervention
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    failed_rule: str | None = None
    failed_reason: str = ""
    answers: list[str] = field(default_factory=list)  # open flags of the household it answers

    @property
    def suggested(self) -> bool:
        """Eligible and answering one of the household's open flags: offer it first."""
        return self.eligible and bool(self.answers)

    @property
    def summary(self) -> str:
        """One line for the queue: the failing rule, or why it fits."""
        return self.failed_reason or "; ".join(self.reasons) or "No conditions"


@dataclass
class HouseholdFacts:
    """What the rules read about a household, gathered in bulk for many households at once."""

    household_id: int
    monthly_income: Decimal
    housing: str
    size: int = 0
    children: int = 0
    programs: set[str] = field(default_factory=set)


def _money(value: Decimal) -> str:
    return f"${value:,.0f}"


def _share(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}"


@lru_cache(maxsize=4096)
def _base(kind: str, year: int, size: int) -> Decimal:
    if kind == "poverty":
        return poverty_line(year=year, household_size=size)
    return area_median_income(year=year, household_size=size)


def _income_rule(facts: HouseholdFacts, rule: dict[str, Any], year: int, *,
                 kind: str, explain: bool = True) -> tuple[bool, str]:
    size = max(1, facts.size)
    annual = facts.monthly_income * 12
    limit_share = Decimal(str(rule.get("max", 0)))
    base = _base(kind, year, size)
    label = "the poverty line" if kind == "poverty" else "area median income"
    limit = base * limit_share
    ok = annual <= limit
    if not explain:
        return ok, ""
    share = (annual / base) if base else Decimal(0)
    people = f"{size} {'person' if size == 1 else 'people'}"
    text = (f"income {_money(annual)}/year is {share:.2f} x {label} for {people} "
            f"({_money(base)}); the limit is {_share(limit_share)} x ({_money(limit)})")
    return ok, ("Within limit: " if ok else "Over the income limit: ") + text


def _evaluate_rule(facts: HouseholdFacts, rule: dict[str, Any], year: int,
                   explain: bool = True) -> tuple[bool, str]:
    name = rule.get("rule", "")
    if name == "income_below_poverty_share":
        return _income_rule(facts, rule, year, kind="poverty", explain=explain)
    if name == "income_below_ami_share":
        return _income_rule(facts, rule, year, kind="ami", explain=explain)
    if name == "housing_in":
        values = list(rule.get("values", []))
        wanted = " or ".join(HOUSING_WORDS.get(v, v) for v in values)
        have = HOUSING_WORDS.get(facts.housing, facts.housing)
        if facts.housing in values:
            return True, f"Housing: {have}"
        return False, f"Housing is {have}; this service is for households {wanted}"
    if name == "children_present":
        if facts.children:
            return True, f"{facts.children} child{'ren' if facts.children > 1 else ''} in the home"
        return False, "No children in the household"
    if name == "enrolled_in":
        programs = [p.lower() for p in rule.get("programs", [])]
        have = sorted(facts.programs & set(programs))
        names = "/".join(p.upper() for p in programs)
        if have:
            return True, f"Enrolled in {'/'.join(p.upper() for p in have)}"
        return False, f"Not enrolled in {names}"
    return False, f"Unknown eligibility rule '{name}' (fails closed; fix the catalogue)"


def household_facts(*, household_ids: Iterable[int],
                    today: dt.date | None = None) -> dict[int, HouseholdFacts]:
    """Facts for many households in three queries (households, members, enrollments)."""
    ids = sorted(set(household_ids))
    today = today or timezone.localdate()
    facts = {h["id"]: HouseholdFacts(household_id=h["id"], monthly_income=h["monthly_income"],
                                     housing=h["housing"])
             for h in Household.objects.filter(ids_q(ids, "id")).values("id", "monthly_income",
                                                                   "housing")}
    adult_born_before = dt.date(today.year - 18, today.month, min(today.day, 28))
    for hid, relationship, dob in Person.objects.filter(ids_q(ids)).values_list(
            "household_id", "relationship", "date_of_birth"):
        f = facts.get(hid)
        if f is None:
            continue
        f.size += 1
        if relationship == "child" or (dob is not None and dob > adult_born_before):
            f.children += 1
    for hid, program in ProgramEnrollment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today), ids_q(ids),
            start_date__lte=today).values_list("household_id", "program"):
        if hid in facts:
            facts[hid].programs.add(program)
    return facts


def evaluate(*, facts: HouseholdFacts, intervention: Intervention, year: int,
             explain: bool = True) -> EligibilityResult:
    """Check every rule; the first failing rule is `failed_rule`, all reasons are kept.

    explain=False skips the words (bulk exports need only the verdict)."""
    reasons: list[str] = []
    failed: str | None = None
    failed_reason = ""
    for rule in intervention.eligibility or []:
        ok, text = _evaluate_rule(facts, rule, year, explain)
        if not explain and not ok:
            return EligibilityResult(intervention=intervention, eligible=False,
                                     failed_rule=rule.get("rule", "?"))
        if explain:
            reasons.append(text)
        if not ok and failed is None:
            failed, failed_reason = rule.get("rule", "?"), text
    return EligibilityResult(intervention=intervention, eligible=failed is None,
                             reasons=reasons, failed_rule=failed, failed_reason=failed_reason)


Check = tuple[str, Callable[[HouseholdFacts], bool]]


def _compile(intervention: Intervention, year: int) -> list[Check]:
    """The rules as ready predicates (same semantics as _evaluate_rule, no words)."""
    checks: list[Check] = []
    for rule in intervention.eligibility or []:
        name = rule.get("rule", "")
        if name in ("income_below_poverty_share", "income_below_ami_share"):
            kind = "poverty" if name == "income_below_poverty_share" else "ami"
            share = Decimal(str(rule.get("max", 0)))

            def income_ok(f: HouseholdFacts, kind: str = kind, share: Decimal = share) -> bool:
                return f.monthly_income * 12 <= _base(kind, year, max(1, f.size)) * share

            checks.append((name, income_ok))
        elif name == "housing_in":
            values = frozenset(rule.get("values", []))
            checks.append((name, lambda f, v=values: f.housing in v))
        elif name == "children_present":
            checks.append((name, lambda f: f.children > 0))
        elif name == "enrolled_in":
            programs = frozenset(p.lower() for p in rule.get("programs", []))
            checks.append((name, lambda f, p=programs: not f.programs.isdisjoint(p)))
        else:
            checks.append((name or "?", lambda f: False))
    return checks


def interventions_active() -> list[Intervention]:
    return list(Intervention.objects.filter(active=True).select_related("provider")
                .order_by("code"))


def eligibility_for_households(*, household_ids: Iterable[int],
                               interventions: list[Intervention] | None = None,
                               today: dt.date | None = None, explain: bool = True
                               ) -> dict[int, list[EligibilityResult]]:
    """Every active intervention, eligible or not, for many households (export, queue)."""
    today = today or timezone.localdate()
    interventions = interventions if interventions is not None else interventions_active()
    out: dict[int, list[EligibilityResult]] = defaultdict(list)
    facts_by_id = household_facts(household_ids=household_ids, today=today)
    if not explain:
        compiled = [(i, _compile(i, today.year)) for i in interventions]
        for hid, facts in facts_by_id.items():
            results = []
            for intervention, checks in compiled:
                failed = next((name for name, ok in checks if not ok(facts)), None)
                results.append(EligibilityResult(intervention=intervention,
                                                 eligible=failed is None, failed_rule=failed))
            out[hid] = results
        return dict(out)
    for hid, facts in facts_by_id.items():
        out[hid] = [evaluate(facts=facts, intervention=i, year=today.year)
                    for i in interventions]
    return dict(out)


def _with_answers(results: dict[int, list[EligibilityResult]]) -> None:
    from alerts.models import Flag

    open_codes: dict[int, set[str]] = defaultdict(set)
    for hid, code in Flag.objects.filter(ids_q(sorted(results)), resolved_at__isnull=True) \
            .values_list("household_id", "rule__code"):
        open_codes[hid].add(code)
    for hid, rows in results.items():
        for r in rows:
            r.answers = sorted(open_codes.get(hid, set()) & set(r.intervention.answers_flags or []))
        rows.sort(key=lambda r: (not r.suggested, not r.eligible, r.intervention.code))


def interventions_for_household(*, household: Household,
                                today: dt.date | None = None) -> list[EligibilityResult]:
    """Suggested (eligible and answering an open flag) first, then the other eligible ones,
    then the ineligible ones with the failing rule in words."""
    results = eligibility_for_households(household_ids=[household.id], today=today)
    results.setdefault(household.id, [])
    _with_answers(results)
    return results[household.id]


def interventions_for_households(*, household_ids: Iterable[int],
                                 today: dt.date | None = None
                                 ) -> dict[int, list[EligibilityResult]]:
    """The same for a page of the queue, in a fixed number of queries."""
    results = eligibility_for_households(household_ids=household_ids, today=today)
    _with_answers(results)
    return results
