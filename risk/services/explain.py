"""Top factors of a score in plain words, with their log-odds contributions.

Contributions come from RiskModel.contributions: exact for the logistic model (coefficient x
standardised deviation from the training mean; they add up to the model's log-odds minus the
baseline log-odds), and a linear surrogate plus an "other factors" remainder for gradient
boosting (see docs/model.md). Related features are grouped (all eviction features form one
factor), so each factor is one thing a caseworker can check; groups still add up exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOP_FACTORS = 4

# factor group -> feature prefixes / names that belong to it
GROUPS: dict[str, tuple[str, ...]] = {
    "eviction": ("eviction_",),
    "jail": ("jail_",),
    "school": ("absence_", "chronic_absence_"),
    "utility": ("utility_",),
    "benefit_lapse": ("lapse_",),
    "prior_crisis": ("crisis_",),
    "income": ("poverty_ratio", "log_poverty_ratio", "below_half_poverty"),
    "housing": ("housing_",),
    "household": ("members", "children", "adults", "seniors", "single_adult_with_children"),
    "programs": ("programs_",),
    "office": ("office=",),
}
OTHER = "other"


def group_matrix(columns: list[str], *, with_rest: bool) -> tuple[list[str], np.ndarray]:
    """A (features x groups) 0/1 matrix mapping model columns to factor groups."""
    names = [*GROUPS, OTHER]
    cols = [*columns, "__rest__"] if with_rest else list(columns)
    matrix = np.zeros((len(cols), len(names)))
    for i, col in enumerate(cols):
        for j, (_group, prefixes) in enumerate(GROUPS.items()):
            if any(col == p or col.startswith(p) for p in prefixes):
                matrix[i, j] = 1
                break
        else:
            matrix[i, len(names) - 1] = 1
    return names, matrix


def _days(v: float) -> str:
    d = round(v)
    return "today" if d == 0 else ("1 day ago" if d == 1 else f"{d} days ago")


class _Row:
    """One row of column arrays, read like a dict (far cheaper than DataFrame.iloc)."""

    __slots__ = ("arrays", "i")

    def __init__(self, arrays: dict[str, np.ndarray], i: int) -> None:
        self.arrays, self.i = arrays, i

    def __getitem__(self, name: str):
        return self.arrays[name][self.i]

    def get(self, name: str, default=None):
        return self.arrays[name][self.i] if name in self.arrays else default


def _label(group: str, row: _Row) -> str:
    """Plain words for one household's factor group (what the data says, not the direction)."""
    if group == "eviction":
        if row["eviction_days_since"] < 730:
            text = f"eviction filed {_days(row['eviction_days_since'])}"
            if row["eviction_hearing_pending"]:
                text += ", hearing still ahead"
            if row["eviction_amount_180"]:
                text += f", ${row['eviction_amount_180']:,.0f} claimed"
            return text
        return "no eviction filing on record"
    if group == "jail":
        if row["jail_days_since"] < 730:
            return f"household member booked into jail {_days(row['jail_days_since'])}"
        return "no jail booking on record"
    if group == "school":
        if row["absence_rate"]:
            text = f"children absent {row['absence_rate']:.0%} of school days"
            change = row["absence_change"]
            if abs(change) >= 0.01:
                text += f" ({'up' if change > 0 else 'down'} {abs(change) * 100:.0f} points)"
            return text
        return "no recent school absences reported"
    if group == "utility":
        if row["utility_days_since"] < 730:
            text = f"utility shut-off notice {_days(row['utility_days_since'])}"
            if row["utility_shutoff_pending"]:
                text += ", shut-off still scheduled"
            return text
        return "no utility shut-off notice on record"
    if group == "benefit_lapse":
        if row["lapse_days_since"] < 730:
            return f"benefits lapsed {_days(row['lapse_days_since'])}"
        return "no benefit lapse on record"
    if group == "prior_crisis":
        if row["crisis_days_since"] < 730:
            return (f"{int(row['crisis_total'])} prior crisis event(s), the last "
                    f"{_days(row['crisis_days_since'])}")
        return "no prior crisis on record"
    if group == "income":
        return f"income {row['poverty_ratio']:.0%} of the poverty line"
    if group == "housing":
        for kind, words in (("homeless", "homeless"), ("rent", "renting"),
                            ("own", "owns the home")):
            if row.get(f"housing_{kind}"):
                return words
        return "other housing"
    if group == "household":
        adults, children = int(row["adults"]), int(row["children"])
        if children:
            return (f"{'single adult' if adults <= 1 else f'{adults} adults'} with "
                    f"{children} child{'ren' if children > 1 else ''}")
        return f"household of {int(row['members'])}"
    if group == "programs":
        text = f"{int(row['programs_active'])} active benefit program(s)"
        if row["programs_lapsed_120"]:
            text += (f", {int(row['programs_lapsed_120'])} lapsed at recertification in the "
                     "last 120 days")
        return text
    if group == "office":
        return f"served by office {row.get('office', '')}"
    return "interactions and other factors"


def factors_for(frame: pd.DataFrame, contributions: np.ndarray, columns: list[str],
                *, top: int = TOP_FACTORS) -> list[list[dict]]:
    """For each row: the groups that raise the score most, as factor dicts (log-odds)."""
    names, matrix = group_matrix(columns, with_rest=contributions.shape[1] > len(columns))
    grouped = contributions @ matrix
    order = np.argsort(-grouped, axis=1)[:, :top]
    out: list[list[dict]] = []
    arrays = {c: frame[c].to_numpy() for c in frame.columns}
    for i in range(len(grouped)):
        row = _Row(arrays, i)
        factors = []
        for j in order[i]:
            value = grouped[i, j]
            if value <= 0.01:
                break
            factors.append({"feature": names[j], "label": _label(names[j], row),
                            "contribution": round(float(value), 3)})
        out.append(factors)
    return out


def grouped_contributions(contributions: np.ndarray, columns: list[str]) -> dict[str, np.ndarray]:
    """All groups' contributions (they sum, with the baseline, to the model's log-odds)."""
    names, matrix = group_matrix(columns, with_rest=contributions.shape[1] > len(columns))
    grouped = contributions @ matrix
    return {name: grouped[:, j] for j, name in enumerate(names)}
