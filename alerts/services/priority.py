"""The queue's priority formula, in one place (documented in docs/queue.md).

priority = risk points + severity points + urgency points   (0 to 120)
- risk points     = 40 x calibrated risk (CurrentScore.score, 0..1); 0 without a score
- severity points = critical 40, high 25, medium 12, low 5, none 0 (the item's severity: the
                    highest open flag, or the score band when it is higher: critical band ->
                    high, high band -> medium)
- urgency points  = 40 x (1 - days to the nearest deadline / 30), floored at 0; 40 when the
                    deadline is today or passed; 0 without a deadline
A court date in 5 days (33 urgency points + 40 critical) outranks a higher score with no deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alerts.models import SEVERITY_RANK

RISK_WEIGHT = 40.0
SEVERITY_POINTS = {"critical": 40.0, "high": 25.0, "medium": 12.0, "low": 5.0, "": 0.0}
URGENCY_WEIGHT = 40.0
URGENCY_HORIZON_DAYS = 30
BAND_SEVERITY = {"critical": "high", "high": "medium"}
SLA_HOURS = {"critical": 24, "high": 72, "medium": 7 * 24, "low": 14 * 24}
FORMULA = ("40 x risk score + severity points (critical 40, high 25, medium 12, low 5) "
           "+ 40 x (1 - days to deadline / 30)")


def max_severity(levels: list[str]) -> str:
    levels = [lv for lv in levels if lv]
    return max(levels, key=lambda lv: SEVERITY_RANK.get(lv, 0)) if levels else ""


def priority_compute(*, score: float | None, band: str | None, flag_severity: str,
                     deadline: dt.date | None, today: dt.date,
                     reasons: list[str] | None = None) -> tuple[float, dict[str, Any], str]:
    """Return (priority, explanation for "why this is here", item severity)."""
    band_sev = BAND_SEVERITY.get(band or "", "")
    severity = max_severity([flag_severity, band_sev])
    risk_points = RISK_WEIGHT * float(score or 0.0)
    sev_points = SEVERITY_POINTS.get(severity, 0.0)
    days: int | None = None
    urgency = 0.0
    if deadline is not None:
        days = (deadline - today).days
        urgency = URGENCY_WEIGHT * max(0.0, 1.0 - max(days, 0) / URGENCY_HORIZON_DAYS)
    total = round(risk_points + sev_points + urgency, 2)
    explanation = {
        "formula": FORMULA,
        "risk": {"score": None if score is None else round(float(score), 4), "band": band or "",
                 "points": round(risk_points, 2)},
        "severity": {"level": severity or "none", "points": sev_points,
                     "from": "flag" if severity and severity == flag_severity else
                     ("score band" if severity else "none")},
        "urgency": {"deadline": deadline.isoformat() if deadline else None, "days": days,
                    "points": round(urgency, 2)},
        "total": total,
        "reasons": list(reasons or []),
    }
    return total, explanation, severity or "low"
