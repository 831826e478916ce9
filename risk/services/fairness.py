"""The fairness audit and gate on promotion (fairlearn group metrics on the validation window).

For each validation snapshot the top-k households (k = the offices' weekly capacity) are
"selected". Per group of race/ethnicity (of the household head) and of office we report the
selection rate, the false-negative rate (crises among households not selected) and the
precision (crises among those selected), and each metric's ratio to the reference group (the
largest group). A ratio outside 0.8-1.25 in a gated group refuses promotion unless a person
writes an override reason (audited). Groups with fewer than 30 members or 30 positives are
reported but not gated: their ratios swing by chance more than the bounds allow. Each metric
is gated on its own denominator (members for the selection rate, positives for the
false-negative rate, selected households for precision), and a ratio outside the bounds counts
as a violation only when the difference to the reference group is also statistically clear
(two-proportion z-test, Bonferroni-corrected over all gated comparisons at alpha 0.05 — with
three metrics, several groups and two dimensions, an uncorrected test would refuse honest models
by chance); otherwise it is reported as "within chance".
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from fairlearn.metrics import MetricFrame, false_negative_rate, selection_rate
from scipy.stats import norm
from sklearn.metrics import precision_score

from dhs.audit import audit_record
from dhs.exceptions import ApplicationError
from risk.models import ModelVersion
from risk.services.training import validation_scores

BOUNDS = (0.8, 1.25)
MIN_GROUP = 30
METRICS = ("selection_rate", "false_negative_rate", "precision")
ALPHA = 0.05
# the count each metric is a proportion of
DENOMINATOR = {"selection_rate": "rows", "false_negative_rate": "positives",
               "precision": "selected"}

# Tests inject a deliberately biased scorer here to prove the gate refuses it.
Scorer = Callable[[ModelVersion], pd.DataFrame]


def _race_by_household() -> dict[int, str]:
    """Race/ethnicity of each household's head (else its first member); audit use only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT household_id, relationship, race_ethnicity FROM cases_person "
                       "ORDER BY household_id, id")
        out: dict[int, str] = {}
        for household_id, relationship, race in cursor.fetchall():
            if household_id not in out or relationship == "head":
                out[household_id] = race or "unknown"
        return out


def _precision(y_true, y_pred) -> float:
    return float(precision_score(y_true, y_pred, zero_division=0))


def _z(p1: float, n1: int, p2: float, n2: int) -> float:
    """Two-proportion z statistic (pooled); 0 when either side is empty."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(max(pooled * (1 - pooled) * (1 / n1 + 1 / n2), 1e-12))
    return (p1 - p2) / se


def _selected(frame: pd.DataFrame, k: int) -> np.ndarray:
    rank = frame.groupby("snapshot")["score"].rank(method="first", ascending=False)
    return (rank <= k).to_numpy().astype(int)


def _dimension(frame: pd.DataFrame, column: str) -> tuple[list[dict], str]:
    y, pred, groups = frame["label"].to_numpy(), frame["selected"].to_numpy(), frame[column]
    mf = MetricFrame(metrics={"selection_rate": selection_rate,
                              "false_negative_rate": false_negative_rate,
                              "precision": _precision},
                     y_true=y, y_pred=pred, sensitive_features=groups)
    by = mf.by_group
    snapshots = max(1, frame["snapshot"].nunique())
    sizes = frame.groupby(column).agg(rows=("label", "size"), positives=("label", "sum"),
                                      selected=("selected", "sum"))
    reference = str(sizes["rows"].idxmax())
    rows = []
    for group, stats in sizes.iterrows():
        members = round(stats["rows"] / snapshots)
        positives = int(stats["positives"])
        gated = members >= MIN_GROUP and positives >= MIN_GROUP
        entry = {"group": str(group), "members": members, "positives": positives,
                 "selected": int(stats["selected"]), "gated": gated, "ratios": {},
                 "z": {}, "gated_metrics": []}
        for metric in METRICS:
            value = float(by.loc[group, metric])
            ref = float(by.loc[reference, metric])
            entry[metric] = round(value, 4)
            entry["ratios"][metric] = round(value / ref, 3) if ref > 0 else None
            denominator = DENOMINATOR[metric]
            n, n_ref = int(stats[denominator]), int(sizes.loc[reference, denominator])
            entry["z"][metric] = round(_z(value, n, ref, n_ref), 2)
            if gated and n >= MIN_GROUP and str(group) != reference:
                entry["gated_metrics"].append(metric)
        rows.append(entry)
    rows.sort(key=lambda r: -r["members"])
    return rows, reference


def fairness_report(version: ModelVersion, *, scorer: Scorer | None = None) -> dict:
    """Group metrics and disparity ratios of a version on its validation snapshots."""
    frame = (scorer or validation_scores)(version).copy()
    k = int(version.metrics.get("k") or max(1, round(0.05 * frame["household_id"].nunique())))
    frame["selected"] = _selected(frame, k)
    races = _race_by_household()
    frame["race_ethnicity"] = frame["household_id"].map(races).fillna("unknown")
    frame["office"] = frame["office"].fillna("").replace("", "unknown")
    report: dict = {"k": k, "bounds": list(BOUNDS), "min_group": MIN_GROUP,
                    "snapshots": sorted({str(s) for s in frame["snapshot"]}),
                    "dimensions": {}, "reference": {}, "violations": []}
    for dimension in ("race_ethnicity", "office"):
        rows, reference = _dimension(frame, dimension)
        report["dimensions"][dimension] = rows
        report["reference"][dimension] = reference
    tests = sum(len(r["gated_metrics"]) for rows in report["dimensions"].values() for r in rows)
    z_critical = float(norm.ppf(1 - ALPHA / (2 * max(1, tests))))
    report["z_critical"] = round(z_critical, 3)
    for dimension, rows in report["dimensions"].items():
        for row in rows:
            for metric in row["gated_metrics"]:
                ratio = row["ratios"][metric]
                if ratio is not None and not (BOUNDS[0] <= ratio <= BOUNDS[1]) \
                        and abs(row["z"][metric]) > z_critical:
                    report["violations"].append({"dimension": dimension, "group": row["group"],
                                                 "metric": metric, "ratio": ratio})
    report["passed"] = not report["violations"]
    report["computed_at"] = timezone.now().isoformat()
    return report


def model_promote(*, version: str, user=None, override_reason: str = "",
                  scorer: Scorer | None = None) -> ModelVersion:
    """Promote a version after the fairness gate; a failed gate needs a written reason."""
    try:
        mv = ModelVersion.objects.get(version=version)
    except ModelVersion.DoesNotExist:
        raise ApplicationError(f"no model version '{version}'", code="not_found",
                               status=404) from None
    report = fairness_report(mv, scorer=scorer)
    override_reason = (override_reason or "").strip()
    mv.fairness = report
    if not report["passed"] and not override_reason:
        mv.save(update_fields=["fairness"])
        worst = "; ".join(f"{v['dimension']} {v['group']} {v['metric']} ratio {v['ratio']}"
                          for v in report["violations"][:5])
        raise ApplicationError(
            f"fairness gate failed for {version}: {worst} (outside {BOUNDS[0]}-{BOUNDS[1]}); "
            "promote with an override reason to proceed", code="fairness_gate",
            extra={"fairness": report})
    with transaction.atomic():
        ModelVersion.objects.filter(status=ModelVersion.PROMOTED).exclude(pk=mv.pk).update(
            status=ModelVersion.RETIRED)
        mv.status = ModelVersion.PROMOTED
        mv.promoted_at = timezone.now()
        mv.promoted_by = getattr(user, "username", "") or "command line"
        mv.override_reason = override_reason if not report["passed"] else ""
        mv.save(update_fields=["fairness", "status", "promoted_at", "promoted_by",
                               "override_reason"])
        audit_record(action="model_promote", user=user, object_type="model_version",
                     object_id=mv.version, purpose="model governance",
                     details={"passed": report["passed"], "override_reason": override_reason,
                              "violations": report["violations"]})
    return mv
