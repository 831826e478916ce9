"""The outcome loop's report: 90-day crisis rates with and without an intervention, by band.

OBSERVATIONAL, NOT CAUSAL. Households that accepted help or were referred differ from those
that were not in ways the risk band does not capture (who answered the phone, who was eligible,
who a caseworker chose). Comparing within the same band removes only the differences the model
measures. The report says so on every output.

The alerts tables are read through the app registry (risk must not import alerts).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.apps import apps
from django.utils import timezone

from risk.models import HouseholdScore
from risk.services.features import HORIZON_DAYS

LABEL = ("Observational comparison, not a causal estimate: households that received an "
         "intervention may differ from similar-risk households that did not in ways the risk "
         "band does not measure.")


def _treated(start: dt.date, end: dt.date) -> dict[int, dt.date]:
    """Household -> first date of an accepted/referred intervention in [start, end]."""
    first: dict[int, dt.date] = {}

    def note(household_id: int, when: dt.datetime | None) -> None:
        if when is None:
            return
        day = timezone.localdate(when) if isinstance(when, dt.datetime) else when
        if start <= day <= end and (household_id not in first or day < first[household_id]):
            first[household_id] = day

    if apps.is_installed("alerts"):
        try:
            referral = apps.get_model("alerts", "Referral")
            action = apps.get_model("alerts", "WorkItemAction")
        except LookupError:
            return first
        for household_id, created in referral.objects.values_list("household_id",
                                                                  "created_at"):
            note(household_id, created)
        for household_id, at in action.objects.filter(
                action__in=["accepted", "referred"]).values_list("item__household_id", "at"):
            note(household_id, at)
    return first


def _crisis_within(index: pd.DataFrame) -> pd.Series:
    """Whether each (household_id, index_day) row had a crisis in the next 90 days."""
    events = pd.DataFrame(list(apps.get_model("cases", "CrisisEvent").objects.filter(
        household_id__in=index["household_id"].unique().tolist()).values_list(
        "household_id", "event_date")), columns=["household_id", "event_date"])
    if events.empty:
        return pd.Series(False, index=index.index)
    merged = index.reset_index().merge(events, on="household_id", how="left")
    delta = (pd.to_datetime(merged["event_date"]) - pd.to_datetime(merged["index_day"])).dt.days
    merged["hit"] = (delta > 0) & (delta <= HORIZON_DAYS)
    return merged.groupby("index")["hit"].any().reindex(index.index, fill_value=False)


def outcome_report(*, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """Per band: crisis rate of households with an intervention vs. without (observational)."""
    today = timezone.localdate()
    end = min(end or today - dt.timedelta(days=HORIZON_DAYS),
              today - dt.timedelta(days=HORIZON_DAYS))
    start = start or end - dt.timedelta(days=365)
    treated = _treated(start, end)
    scores = pd.DataFrame(list(HouseholdScore.objects.filter(
        as_of__date__lte=end, as_of__date__gte=start - dt.timedelta(days=90)).values_list(
        "household_id", "as_of", "band")), columns=["household_id", "as_of", "band"])
    rows: list[dict] = []
    if not scores.empty:
        scores["day"] = pd.to_datetime(scores["as_of"], utc=True).dt.tz_convert(
            timezone.get_current_timezone()).dt.date
        scores = scores.sort_values("day")
        # treated: the band of the last score on or before the intervention day
        t = pd.DataFrame({"household_id": list(treated), "index_day": list(treated.values())})
        if not t.empty:
            t = t.sort_values("index_day")
            t = pd.merge_asof(t.assign(key=pd.to_datetime(t["index_day"])),
                              scores.assign(key=pd.to_datetime(scores["day"]))[
                                  ["household_id", "key", "band"]],
                              on="key", by="household_id", direction="backward").dropna(
                subset=["band"])
            t["group"] = "intervention"
        # comparison: never treated; indexed at their last score in the window
        c = scores[(scores["day"] >= start) & ~scores["household_id"].isin(treated)]
        c = c.groupby("household_id").tail(1).rename(columns={"day": "index_day"})
        c = c[["household_id", "index_day", "band"]].assign(group="comparison")
        both = pd.concat([t[["household_id", "index_day", "band", "group"]] if not t.empty
                          else None, c], ignore_index=True)
        if not both.empty:
            both["crisis"] = _crisis_within(both).to_numpy()
            for band, part in both.groupby("band"):
                row = {"band": band}
                for group in ("intervention", "comparison"):
                    g = part[part["group"] == group]
                    row[f"{group}_households"] = len(g)
                    row[f"{group}_crisis_rate"] = (round(float(g["crisis"].mean()), 4)
                                                   if len(g) else None)
                rows.append(row)
    order = {"low": 0, "elevated": 1, "high": 2, "critical": 3}
    rows.sort(key=lambda r: order.get(r["band"], 9))
    return {"label": LABEL, "window": [start.isoformat(), end.isoformat()],
            "horizon_days": HORIZON_DAYS, "bands": rows}
