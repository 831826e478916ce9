"""Training, temporal validation, calibration and the model registry (skops files + rows).

Snapshots: one per month before the as-of date. Each snapshot is a household's features as of
that day and a label "any crisis event in the next 90 days". The validation window is the
latest snapshots whose 90 days have fully passed by the as-of date; training snapshots end
90 days before the first validation snapshot so no training label overlaps validation time.
The two latest training snapshots are held out to calibrate (isotonic) the model fitted on the
earlier ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from django.conf import settings
from django.db import connection
from django.utils import timezone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from dhs.exceptions import ApplicationError
from risk.models import ModelVersion
from risk.services.features import HORIZON_DAYS, crisis_labels, household_features

SNAPSHOT_STEP_DAYS = 30
VALIDATION_SNAPSHOTS = 3
CALIBRATION_SNAPSHOTS = 2
MAX_TRAIN_SNAPSHOTS = 18
MIN_HISTORY_DAYS = 180
BAND_QUANTILES = {"elevated": 0.80, "high": 0.95, "critical": 0.99}
TIE_BREAK = 1e-6  # keeps isotonic output strictly increasing in the raw score (no rank ties)

# Every type a model file may contain; skops refuses anything else (never pickle).
TRUSTED_TYPES = [
    "numpy.dtype", "numpy.ndarray", "numpy.float64", "numpy.int64",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.Interval",
    "sklearn.utils._bunch.Bunch",
    "collections.OrderedDict",
    "builtins.slice",
]


# --- snapshots and the design matrix ---------------------------------------------------------
def validation_dates(as_of: dt.date) -> list[dt.date]:
    """The validation snapshots for an as-of date (their 90 days end by as_of)."""
    last = as_of - dt.timedelta(days=HORIZON_DAYS)
    return [last - dt.timedelta(days=SNAPSHOT_STEP_DAYS * i)
            for i in reversed(range(VALIDATION_SNAPSHOTS))]


def _history_start() -> dt.date | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(occurred_on) FROM risk_signal")
        first_signal = cursor.fetchone()[0]
        cursor.execute("SELECT MIN(event_date) FROM cases_crisisevent")
        first_event = cursor.fetchone()[0]
    dates = [pd.Timestamp(v).date() for v in (first_signal, first_event) if v]
    return min(dates) if dates else None


def training_dates(as_of: dt.date) -> list[dt.date]:
    """Monthly snapshots whose labels close before the first validation snapshot."""
    first_valid = validation_dates(as_of)[0]
    last = first_valid - dt.timedelta(days=HORIZON_DAYS)
    start = _history_start()
    earliest = (start + dt.timedelta(days=MIN_HISTORY_DAYS)) if start else last
    dates = []
    day = last
    while day >= earliest and len(dates) < MAX_TRAIN_SNAPSHOTS:
        dates.append(day)
        day -= dt.timedelta(days=SNAPSHOT_STEP_DAYS)
    return sorted(dates)


def snapshot_frame(dates: list[dt.date], household_ids: list[int] | None = None
                   ) -> pd.DataFrame:
    """Features and labels of every household (or the given ones) at each snapshot, stacked."""
    frames = []
    for day in dates:
        feats = household_features(as_of=day, household_ids=household_ids)
        positives = crisis_labels(snapshot=day)
        feats["label"] = feats.index.isin(list(positives)).astype(int)
        feats["snapshot"] = day
        frames.append(feats.reset_index())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def feature_columns(frame: pd.DataFrame, offices: list[str]) -> list[str]:
    base = [c for c in frame.columns
            if c not in {"household_id", "office", "label", "snapshot"}]
    return base + [f"office={code}" for code in offices]


def design_matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The numeric matrix in the model's column order; office codes one-hot encoded."""
    out = np.zeros((len(frame), len(columns)), dtype=float)
    office = frame["office"].to_numpy() if "office" in frame else np.array([""] * len(frame))
    for j, col in enumerate(columns):
        if col.startswith("office="):
            out[:, j] = office == col.split("=", 1)[1]
        else:
            out[:, j] = frame[col].to_numpy(dtype=float)
    return out


# --- the model object that goes into the file ------------------------------------------------
@dataclass
class RiskModel:
    """A loaded model: raw scorer, isotonic calibrator and what explanations need."""

    kind: str  # "logistic" or "gbm"
    columns: list[str]
    scaler: StandardScaler
    estimator: Any
    calibrator: IsotonicRegression
    surrogate: Ridge | None = None
    baseline_logit: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def logit(self, X: np.ndarray) -> np.ndarray:
        """The uncalibrated model output in log-odds."""
        Z = self.scaler.transform(X)
        if self.kind == "logistic":
            return Z @ self.estimator.coef_[0] + self.estimator.intercept_[0]
        p = np.clip(self.estimator.predict_proba(Z)[:, 1], 1e-9, 1 - 1e-9)
        return np.log(p / (1 - p))

    def calibrate(self, logit: np.ndarray) -> np.ndarray:
        raw = 1.0 / (1.0 + np.exp(-logit))
        return np.clip(self.calibrator.predict(raw) + TIE_BREAK * raw, 0.0, 1.0)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability of a crisis within 90 days."""
        return self.calibrate(self.logit(X))

    def contributions(self, X: np.ndarray, logit: np.ndarray | None = None) -> np.ndarray:
        """Per-feature log-odds contributions; row sums + baseline_logit == logit exactly.

        Logistic: coef * (z - 0) on standardised features (baseline = the training mean), exact.
        Gradient boosting: the contributions of a linear surrogate fitted to the model's
        log-odds, plus the remainder put on the last column ("interactions and other").
        """
        Z = self.scaler.transform(X)
        if self.kind == "logistic":
            return Z * self.estimator.coef_[0]
        contrib = Z * self.surrogate.coef_
        if logit is None:
            logit = self.logit(X)
        rest = logit - self.baseline_logit - contrib.sum(axis=1)
        return np.column_stack([contrib, rest])

    def to_state(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": list(self.columns), "scaler": self.scaler,
                "estimator": self.estimator, "calibrator": self.calibrator,
                "surrogate": self.surrogate, "baseline_logit": float(self.baseline_logit),
                "extra": self.extra}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RiskModel:
        return cls(kind=state["kind"], columns=list(state["columns"]), scaler=state["scaler"],
                   estimator=state["estimator"], calibrator=state["calibrator"],
                   surrogate=state.get("surrogate"),
                   baseline_logit=float(state.get("baseline_logit", 0.0)),
                   extra=dict(state.get("extra") or {}))


def model_save(model: RiskModel, *, version: str) -> tuple[Path, str]:
    """Write the model with skops; returns the path and its sha256."""
    directory = Path(settings.MODEL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{version}.skops"
    sio.dump(model.to_state(), path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


_LOADED: dict[tuple[str, str], RiskModel] = {}


def model_load(version: ModelVersion) -> RiskModel:
    """Load a registered model, refusing a file whose checksum does not match the registry."""
    key = (version.version, version.sha256)
    if key in _LOADED:
        return _LOADED[key]
    path = Path(version.file_path)
    if not path.exists():
        path = Path(settings.MODEL_DIR) / Path(version.file_path).name
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise ApplicationError(f"model file {path} does not match its recorded checksum")
    model = RiskModel.from_state(sio.loads(data, trusted=TRUSTED_TYPES))
    _LOADED[key] = model
    return model


# --- metrics ----------------------------------------------------------------------------------
def _top(y: np.ndarray, p: np.ndarray, n: int) -> tuple[float, float]:
    n = max(1, min(int(n), len(y)))
    order = np.argsort(-p, kind="stable")[:n]
    hits = float(y[order].sum())
    return hits / n, hits / max(1.0, float(y.sum()))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Count-weighted |mean predicted - observed| over equal-width probability bins."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return float(total / max(1, len(y)))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Deciles of the predicted probability: mean predicted against the observed rate."""
    order = np.argsort(p, kind="stable")
    rows = []
    for i, part in enumerate(np.array_split(order, bins)):
        if len(part):
            rows.append({"bin": i + 1, "count": len(part),
                         "predicted": round(float(p[part].mean()), 4),
                         "observed": round(float(y[part].mean()), 4)})
    return rows


def evaluate(y: np.ndarray, p: np.ndarray, *, k_per_snapshot: int, snapshots: int) -> dict:
    """AUC, precision/recall at top 1% / 5% / top-k, Brier score and ECE on pooled snapshots."""
    n = len(y)
    prec1, rec1 = _top(y, p, round(0.01 * n))
    prec5, rec5 = _top(y, p, round(0.05 * n))
    preck, reck = _top(y, p, k_per_snapshot * snapshots)
    return {
        "auc": round(float(roc_auc_score(y, p)), 4) if 0 < y.sum() < n else None,
        "precision_top1": round(prec1, 4), "recall_top1": round(rec1, 4),
        "precision_top5": round(prec5, 4), "recall_top5": round(rec5, 4),
        "precision_topk": round(preck, 4), "recall_topk": round(reck, 4),
        "k": int(k_per_snapshot), "brier": round(float(brier_score_loss(y, p)), 5),
        "ece": round(expected_calibration_error(y, p), 5),
        "base_rate": round(float(y.mean()), 4), "rows": int(n),
    }


def office_capacity_k(households: int) -> int:
    """k for top-k: what the offices can act on in a week, never more than the caseload."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(weekly_capacity), 0) FROM dhs_office")
        total = int(cursor.fetchone()[0] or 0)
    return max(1, min(total or households, households))


# --- fitting ----------------------------------------------------------------------------------
def _fit_logistic(X: np.ndarray, y: np.ndarray, scaler: StandardScaler) -> LogisticRegression:
    model = LogisticRegression(C=1.0, max_iter=3000)
    model.fit(scaler.transform(X), y)
    return model


def _fit_gbm(X: np.ndarray, y: np.ndarray, scaler: StandardScaler, seed: int
             ) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(learning_rate=0.1, max_iter=120, max_leaf_nodes=15,
                                           min_samples_leaf=80, l2_regularization=1.0,
                                           early_stopping=True, validation_fraction=0.15,
                                           n_iter_no_change=15, random_state=seed)
    model.fit(scaler.transform(X), y)
    return model


def _candidate(kind: str, X_fit, y_fit, X_cal, y_cal, scaler, seed: int) -> RiskModel:
    if kind == "logistic":
        estimator = _fit_logistic(X_fit, y_fit, scaler)
    else:
        estimator = _fit_gbm(X_fit, y_fit, scaler, seed)
    model = RiskModel(kind=kind, columns=[], scaler=scaler, estimator=estimator,
                      calibrator=IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1))
    if kind == "logistic":
        model.baseline_logit = float(estimator.intercept_[0])
    else:
        fit_logit = model.logit(X_fit)
        surrogate = Ridge(alpha=1.0).fit(scaler.transform(X_fit), fit_logit)
        model.surrogate = surrogate
        model.baseline_logit = float(surrogate.intercept_)
    raw_cal = 1.0 / (1.0 + np.exp(-model.logit(X_cal)))
    model.calibrator.fit(raw_cal, y_cal)
    return model


def model_train(*, as_of: dt.date | None = None, seed: int = 7,
                sample: int | None = None) -> ModelVersion:
    """Train both candidates on snapshots before as_of, validate on the later window, register.

    `sample` trains on an evenly spread subset of about that many households (large caseloads:
    a few tens of thousands of households per snapshot are plenty for this model).
    """
    # One native thread: on a shared machine OpenMP oversubscription made boosting 10x slower.
    with threadpool_limits(limits=1):
        return _model_train(as_of=as_of, seed=seed, sample=sample)


def _sample_ids(sample: int | None) -> list[int] | None:
    if not sample:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cases_household ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    step = max(1, len(ids) // sample)
    return ids[::step] if step > 1 else None


def _model_train(*, as_of: dt.date | None, seed: int, sample: int | None) -> ModelVersion:
    as_of = as_of or timezone.localdate()
    train_days = training_dates(as_of)
    if len(train_days) <= CALIBRATION_SNAPSHOTS:
        raise ApplicationError(
            f"not enough history before {as_of}: {len(train_days)} training snapshots "
            f"(need more than {CALIBRATION_SNAPSHOTS}; history must start "
            f"{MIN_HISTORY_DAYS} days before the first snapshot)")
    valid_days = validation_dates(as_of)
    ids = _sample_ids(sample)
    train = snapshot_frame(train_days, ids)
    valid = snapshot_frame(valid_days, ids)
    offices = sorted(c for c in train["office"].unique() if c)
    columns = feature_columns(train, offices)
    cal_days = set(train_days[-CALIBRATION_SNAPSHOTS:])
    is_cal = train["snapshot"].isin(cal_days).to_numpy()
    X_all = design_matrix(train, columns)
    y_all = train["label"].to_numpy()
    X_fit, y_fit, X_cal, y_cal = X_all[~is_cal], y_all[~is_cal], X_all[is_cal], y_all[is_cal]
    X_val, y_val = design_matrix(valid, columns), valid["label"].to_numpy()
    if y_fit.sum() < 10 or y_cal.sum() < 5:
        raise ApplicationError("too few crisis events in the training window to fit a model")
    scaler = StandardScaler().fit(X_fit)
    households = int(valid["household_id"].nunique())
    k = office_capacity_k(households)

    candidates: dict[str, RiskModel] = {}
    comparison: dict[str, dict] = {}
    for kind in ("logistic", "gbm"):
        model = _candidate(kind, X_fit, y_fit, X_cal, y_cal, scaler, seed)
        model.columns = columns
        candidates[kind] = model
        comparison[kind] = evaluate(y_val, model.predict(X_val), k_per_snapshot=k,
                                    snapshots=len(valid_days))
    # Prefer the interpretable model unless boosting is clearly better on validation.
    lr_auc = comparison["logistic"]["auc"] or 0
    gbm_auc = comparison["gbm"]["auc"] or 0
    chosen = "gbm" if gbm_auc > lr_auc + 0.005 else "logistic"
    model = candidates[chosen]
    p_val = model.predict(X_val)
    metrics = comparison[chosen]
    cutoffs = {band: round(float(np.quantile(p_val, q)), 6) for band, q in BAND_QUANTILES.items()}
    model.extra = {"band_cutoffs": cutoffs, "offices": offices}

    version = f"{as_of:%Y%m%d}-{chosen}-{uuid.uuid4().hex[:6]}"
    path, digest = model_save(model, version=version)
    comparison["chosen"] = chosen
    comparison["rule"] = "gradient boosting only if its validation AUC beats logistic by > 0.005"
    return ModelVersion.objects.create(
        version=version, algorithm=("LogisticRegression + isotonic" if chosen == "logistic"
                                    else "HistGradientBoostingClassifier + isotonic"),
        file_path=str(path), sha256=digest, as_of=as_of,
        train_start=train_days[0], train_end=train_days[-1] + dt.timedelta(days=HORIZON_DAYS),
        validation_start=valid_days[0],
        validation_end=valid_days[-1] + dt.timedelta(days=HORIZON_DAYS),
        features=columns, metrics={**metrics, "validation_dates": [d.isoformat()
                                                                    for d in valid_days]},
        calibration=calibration_table(y_val, p_val), band_cutoffs=cutoffs,
        counts={"train_snapshots": len(train_days) - CALIBRATION_SNAPSHOTS,
                "calibration_snapshots": CALIBRATION_SNAPSHOTS,
                "validation_snapshots": len(valid_days),
                "train_rows": int((~is_cal).sum()), "train_positives": int(y_fit.sum()),
                "calibration_rows": int(is_cal.sum()), "calibration_positives": int(y_cal.sum()),
                "validation_rows": len(y_val), "validation_positives": int(y_val.sum()),
                "households": households, "sampled": ids is not None,
                "snapshot_dates": [d.isoformat() for d in train_days]},
        comparison=comparison,
    )


def validation_scores(version: ModelVersion) -> pd.DataFrame:
    """The version's calibrated scores and labels on its validation snapshots (audits use it)."""
    model = model_load(version)
    days = [dt.date.fromisoformat(d) for d in version.metrics.get("validation_dates", [])]
    frame = snapshot_frame(days)
    with threadpool_limits(limits=1):
        frame["score"] = model.predict(design_matrix(frame, model.columns))
    return frame[["household_id", "snapshot", "office", "label", "score"]]


def model_promote(*, version: str, user=None, override_reason: str = "") -> ModelVersion:
    """Promote after the fairness gate (implemented in risk.services.fairness)."""
    from risk.services.fairness import model_promote as promote

    return promote(version=version, user=user, override_reason=override_reason)
