"""Point-in-time household features, computed in bulk with one SQL query.

Everything here is "as of" a moment: a signal counts only if the agency knew it by then
(``known_at <= as_of``) and it happened by then; crisis events count only on or before the
as-of day; enrollments are read from their dates. Race/ethnicity is never read here — the
fairness audit reads it separately (risk.services.fairness).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from cases.poverty import poverty_line

HORIZON_DAYS = 90
DAYS_CAP = 730  # "never" and "more than two years ago" look the same to the model
RECENCY_SCALE = 45.0  # days; exp(-days/45) is ~0.5 after a month, ~0.1 after 100 days
HOUSING_VALUES = ("rent", "own", "homeless", "other")
PROGRAM_VALUES = ("snap", "tanf", "child_care", "liheap", "medicaid")

# Columns that leave the SQL query (raw aggregates, before derivation).
_SIGNAL_KINDS = {
    "eviction": "eviction_filing",
    "jail": "jail_booking",
    "school": "school_attendance",
    "utility": "utility_shutoff",
    "lapse": "benefit_lapse",
}


@dataclass(frozen=True)
class AsOf:
    """The moment features are computed for: a day plus the instant the agency's knowledge ends."""

    day: dt.date
    known: dt.datetime

    @classmethod
    def of(cls, value: dt.date | dt.datetime | None) -> AsOf:
        """A date means the end of that local day; a datetime is taken as is."""
        if value is None:
            value = timezone.now()
        if isinstance(value, dt.datetime):
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            return cls(day=timezone.localdate(value), known=value)
        end = dt.datetime.combine(value, dt.time(23, 59, 59))
        return cls(day=value, known=timezone.make_aware(end))


def _lit(value: object) -> str:
    """A SQL literal for a date/datetime we computed ourselves (never user text)."""
    if isinstance(value, dt.datetime):
        value = connection.ops.adapt_datetimefield_value(value)
    return "'" + str(value).replace("'", "") + "'"


def _where_households(alias: str, household_ids: Iterable[int] | None,
                      id_range: tuple[int, int] | None) -> str:
    if id_range is not None:
        return f" AND {alias} BETWEEN {int(id_range[0])} AND {int(id_range[1])}"
    if household_ids is not None:
        ids = ",".join(str(int(i)) for i in household_ids) or "NULL"
        return f" AND {alias} IN ({ids})"
    return ""


def features_sql(*, as_of: AsOf, household_ids: Iterable[int] | None = None,
                 id_range: tuple[int, int] | None = None) -> str:
    """One query returning one raw aggregate row per household (joined sub-aggregates)."""
    d = as_of.day
    day, known = _lit(d), _lit(as_of.known)
    back = {n: _lit(d - dt.timedelta(days=n)) for n in (30, 60, 90, 120, 180, 365)}
    adult_cut = _lit(dt.date(d.year - 18, d.month, 28 if (d.month, d.day) == (2, 29) else d.day))
    senior_cut = _lit(dt.date(d.year - 65, d.month, 28 if (d.month, d.day) == (2, 29) else d.day))
    if household_ids is not None:
        household_ids = list(household_ids)
    hh = _where_households("h.id", household_ids, id_range)
    sg = _where_households("household_id", household_ids, id_range)

    def last(kind: str) -> str:
        return f"MAX(CASE WHEN kind = '{kind}' THEN occurred_on END)"

    def count(kind: str, days: int) -> str:
        return (f"SUM(CASE WHEN kind = '{kind}' AND occurred_on > {back[days]} "
                f"THEN 1 ELSE 0 END)")

    k = _SIGNAL_KINDS
    cols = []
    for name in ("eviction", "utility", "jail"):
        cols.append(f"{last(k[name])} AS {name}_last")
        cols += [f"{count(k[name], n)} AS {name}_{n}" for n in (30, 60, 90, 365)]
    cols += [
        f"MAX(CASE WHEN kind = '{k['eviction']}' AND occurred_on > {back[180]} THEN amount END)"
        " AS eviction_amount_180",
        f"MAX(CASE WHEN kind = '{k['eviction']}' AND deadline >= {day} THEN 1 ELSE 0 END)"
        " AS eviction_hearing_pending",
        f"COUNT(DISTINCT CASE WHEN kind = '{k['jail']}' AND occurred_on > {back[365]} "
        "THEN person_id END) AS jail_people_365",
        f"AVG(CASE WHEN kind = '{k['school']}' AND occurred_on > {back[120]} THEN value END)"
        " AS absence_recent",
        f"AVG(CASE WHEN kind = '{k['school']}' AND occurred_on <= {back[120]} "
        f"AND occurred_on > {back[365]} THEN value END) AS absence_prior",
        f"SUM(CASE WHEN kind = '{k['school']}' AND occurred_on > {back[120]} "
        "AND value >= 0.1 THEN 1 ELSE 0 END) AS chronic_absence_120",
        f"MAX(CASE WHEN kind = '{k['utility']}' AND occurred_on > {back[180]} THEN amount END)"
        " AS utility_amount_180",
        f"MAX(CASE WHEN kind = '{k['utility']}' AND deadline >= {day} THEN 1 ELSE 0 END)"
        " AS utility_shutoff_pending",
        f"{last(k['lapse'])} AS lapse_last",
        f"{count(k['lapse'], 120)} AS lapse_120",
    ]
    signal_cols = ",\n".join(cols)
    signal_names = ", ".join(f"s.{c.rsplit(' AS ', 1)[1]}" for c in cols)
    return f"""
SELECT h.id AS household_id, h.office_id, h.housing, h.monthly_income,
       p.members, p.children, p.seniors,
       {signal_names},
       e.programs_active, e.programs_lapsed_120, e.programs_ended_365,
       c.crisis_last, c.crisis_365, c.crisis_total
FROM cases_household h
LEFT JOIN (
  SELECT household_id, COUNT(*) AS members,
         SUM(CASE WHEN date_of_birth > {adult_cut} OR (date_of_birth IS NULL
                  AND relationship = 'child') THEN 1 ELSE 0 END) AS children,
         SUM(CASE WHEN date_of_birth <= {senior_cut} THEN 1 ELSE 0 END) AS seniors
  FROM cases_person WHERE 1 = 1{sg} GROUP BY household_id
) p ON p.household_id = h.id
LEFT JOIN (
  SELECT household_id,
{signal_cols}
  FROM risk_signal
  WHERE known_at <= {known} AND occurred_on <= {day}{sg}
  GROUP BY household_id
) s ON s.household_id = h.id
LEFT JOIN (
  SELECT household_id,
         SUM(CASE WHEN start_date <= {day} AND (end_date IS NULL OR end_date > {day})
                  THEN 1 ELSE 0 END) AS programs_active,
         SUM(CASE WHEN end_date > {back[120]} AND end_date <= {day}
                  AND end_date = recert_due_date THEN 1 ELSE 0 END) AS programs_lapsed_120,
         SUM(CASE WHEN end_date > {back[365]} AND end_date <= {day} THEN 1 ELSE 0 END)
             AS programs_ended_365
  FROM cases_programenrollment WHERE start_date <= {day}{sg} GROUP BY household_id
) e ON e.household_id = h.id
LEFT JOIN (
  SELECT household_id, MAX(event_date) AS crisis_last,
         SUM(CASE WHEN event_date > {back[365]} THEN 1 ELSE 0 END) AS crisis_365,
         COUNT(*) AS crisis_total
  FROM cases_crisisevent WHERE event_date <= {day}{sg} GROUP BY household_id
) c ON c.household_id = h.id
WHERE 1 = 1{hh}
ORDER BY h.id
"""  # noqa: S608 - only integers and dates we computed are interpolated  # nosec B608


def _read_sql(sql: str) -> pd.DataFrame:
    """Run a query into a DataFrame; COPY on PostgreSQL (fast for a million rows)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            with transaction.atomic():
                # Joining per-household aggregates never gains from nested loops; right after
                # a bulk load the statistics are stale and the planner would pick them anyway.
                cursor.execute("SET LOCAL enable_nestloop = off")
                cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH CSV HEADER", buf)
            buf.seek(0)
            return pd.read_csv(buf, dtype={"housing": str})
        cursor.execute(sql)
        cols = [c[0] for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=cols)


def _office_codes() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, code FROM dhs_office")
        return dict(cursor.fetchall())


def _days_since(col: pd.Series, day: dt.date) -> np.ndarray:
    when = pd.to_datetime(col, errors="coerce")
    days = (pd.Timestamp(day) - when).dt.days.to_numpy(dtype=float)
    return np.where(np.isnan(days), DAYS_CAP, np.clip(days, 0, DAYS_CAP))


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").fillna(0).to_numpy(dtype=float)


def _poverty_ratio(income: np.ndarray, size: np.ndarray, year: int) -> np.ndarray:
    sizes = np.clip(size.astype(int), 1, 20)
    lines = {s: float(poverty_line(year=year, household_size=s)) for s in np.unique(sizes)}
    line = np.vectorize(lines.__getitem__, otypes=[float])(sizes) if len(sizes) else sizes
    return income * 12.0 / line


def features_from_raw(raw: pd.DataFrame, *, day: dt.date) -> pd.DataFrame:
    """Turn the raw aggregates into model features (vectorised; same code for train and score)."""
    out = pd.DataFrame(index=raw["household_id"].to_numpy(dtype=np.int64))
    out.index.name = "household_id"
    rec = lambda days: np.exp(-days / RECENCY_SCALE)
    for prefix in ("eviction", "jail", "utility", "lapse", "crisis"):
        days = _days_since(raw[f"{prefix}_last"], day)
        out[f"{prefix}_days_since"] = days
        out[f"{prefix}_recency"] = np.where(days >= DAYS_CAP, 0.0, rec(days))
    for name in ("eviction", "utility", "jail"):
        for n in (30, 60, 90, 365):
            out[f"{name}_{n}"] = _num(raw, f"{name}_{n}")
    out["eviction_amount_180"] = _num(raw, "eviction_amount_180")
    out["eviction_hearing_pending"] = _num(raw, "eviction_hearing_pending")
    out["jail_people_365"] = _num(raw, "jail_people_365")
    recent = pd.to_numeric(raw["absence_recent"], errors="coerce").to_numpy(dtype=float)
    prior = pd.to_numeric(raw["absence_prior"], errors="coerce").to_numpy(dtype=float)
    out["absence_rate"] = np.nan_to_num(recent, nan=0.0)
    out["absence_change"] = np.where(np.isnan(recent) | np.isnan(prior), 0.0, recent - prior)
    out["chronic_absence_120"] = _num(raw, "chronic_absence_120")
    out["utility_amount_180"] = _num(raw, "utility_amount_180")
    out["utility_shutoff_pending"] = _num(raw, "utility_shutoff_pending")
    out["lapse_120"] = _num(raw, "lapse_120")
    # A few households have dozens of crises; past a dozen more adds nothing but leverage.
    out["crisis_365"] = np.minimum(_num(raw, "crisis_365"), 12)
    out["crisis_total"] = np.minimum(_num(raw, "crisis_total"), 12)
    members = np.maximum(_num(raw, "members"), 1)
    children = _num(raw, "children")
    out["members"] = members
    out["children"] = children
    out["adults"] = np.maximum(members - children, 0)
    out["seniors"] = _num(raw, "seniors")
    out["single_adult_with_children"] = ((out["adults"] <= 1) & (children > 0)).astype(float)
    income = _num(raw, "monthly_income")
    ratio = _poverty_ratio(income, members, day.year)
    out["poverty_ratio"] = np.clip(ratio, 0, 5)
    out["log_poverty_ratio"] = np.log(np.clip(ratio, 0.1, 5))
    out["below_half_poverty"] = (ratio < 0.5).astype(float)
    housing = raw["housing"].fillna("other").astype(str).to_numpy()
    for value in HOUSING_VALUES:
        out[f"housing_{value}"] = (housing == value).astype(float)
    out["programs_active"] = _num(raw, "programs_active")
    out["programs_lapsed_120"] = _num(raw, "programs_lapsed_120")
    out["programs_ended_365"] = _num(raw, "programs_ended_365")
    codes = _office_codes()
    out["office"] = raw["office_id"].map(codes).fillna("").to_numpy()
    return out


def household_features(*, as_of: dt.date | dt.datetime | None = None,
                       household_ids: Iterable[int] | None = None,
                       id_range: tuple[int, int] | None = None) -> pd.DataFrame:
    """Features of many households as of a moment: one query, vectorised derivation.

    Returns a frame indexed by household_id; the column "office" holds the office code
    (one-hot encoded by the model pipeline, see training.design_matrix).
    """
    moment = AsOf.of(as_of)
    raw = _read_sql(features_sql(as_of=moment, household_ids=household_ids, id_range=id_range))
    return features_from_raw(raw, day=moment.day)


def crisis_labels(*, snapshot: dt.date, horizon_days: int = HORIZON_DAYS) -> set[int]:
    """Households with any crisis event in (snapshot, snapshot + horizon]."""
    end = snapshot + dt.timedelta(days=horizon_days)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT household_id FROM cases_crisisevent "
            "WHERE event_date > %s AND event_date <= %s", [snapshot.isoformat(), end.isoformat()])
        return {row[0] for row in cursor.fetchall()}


# Plain words for every feature (explanations and the model card use them).
FEATURE_LABELS: dict[str, str] = {
    "eviction_days_since": "days since the last eviction filing",
    "eviction_recency": "recent eviction filing",
    "eviction_30": "eviction filings in the last 30 days",
    "eviction_60": "eviction filings in the last 60 days",
    "eviction_90": "eviction filings in the last 90 days",
    "eviction_365": "eviction filings in the last year",
    "eviction_amount_180": "amount claimed in a recent eviction filing",
    "eviction_hearing_pending": "eviction hearing still ahead",
    "jail_days_since": "days since the last jail booking",
    "jail_recency": "recent jail booking of a household member",
    "jail_30": "jail bookings in the last 30 days",
    "jail_60": "jail bookings in the last 60 days",
    "jail_90": "jail bookings in the last 90 days",
    "jail_365": "jail bookings in the last year",
    "jail_people_365": "household members booked in the last year",
    "absence_rate": "children's recent school absence rate",
    "absence_change": "change in children's absence rate",
    "chronic_absence_120": "school terms with chronic absence (10%+) ending in the last 120 days",
    "utility_days_since": "days since the last utility shut-off notice",
    "utility_recency": "recent utility shut-off notice",
    "utility_30": "shut-off notices in the last 30 days",
    "utility_60": "shut-off notices in the last 60 days",
    "utility_90": "shut-off notices in the last 90 days",
    "utility_365": "shut-off notices in the last year",
    "utility_amount_180": "utility amount past due",
    "utility_shutoff_pending": "scheduled utility shut-off still ahead",
    "lapse_days_since": "days since the last benefit lapse",
    "lapse_recency": "recent benefit lapse",
    "lapse_120": "benefit lapses in the last 120 days",
    "crisis_days_since": "days since the last crisis",
    "crisis_recency": "recent crisis event",
    "crisis_365": "crisis events in the last year",
    "crisis_total": "crisis events on record",
    "members": "household size",
    "children": "children in the household",
    "adults": "adults in the household",
    "seniors": "members aged 65 or more",
    "single_adult_with_children": "single adult with children",
    "poverty_ratio": "income against the poverty line",
    "log_poverty_ratio": "income against the poverty line (log scale)",
    "below_half_poverty": "income below half the poverty line",
    "housing_rent": "renting",
    "housing_own": "owns the home",
    "housing_homeless": "homeless",
    "housing_other": "other housing",
    "programs_active": "active benefit programs",
    "programs_lapsed_120": "benefits lapsed at recertification in the last 120 days",
    "programs_ended_365": "benefit programs ended in the last year",
}
