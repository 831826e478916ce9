"""The model on the generator's world: trained, validated against the true risk, promoted, scored.

One world (6,000 households, three years, fixed seed) is generated, loaded and trained once for
this module; the done-when targets are checked against truth/risk.csv on the same validation
snapshots the model was validated on.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from sklearn.metrics import roc_auc_score

from tests.risk.model_world import WORLD_END, world_generate, world_load, world_remove

HOUSEHOLDS = 6000
SEED = 11


@pytest.fixture(scope="module")
def trained(tmp_path_factory, django_db_setup, django_db_blocker):
    """(world_dir, ModelVersion, train_model output): the world is removed afterwards."""
    from django.conf import settings

    from risk.services.training import validation_dates

    model_dir = tmp_path_factory.mktemp("models")
    old_dir = settings.MODEL_DIR
    settings.MODEL_DIR = model_dir
    world = world_generate(tmp_path_factory.mktemp("world"), households=HOUSEHOLDS, seed=SEED,
                           truth_dates=validation_dates(WORLD_END))
    with django_db_blocker.unblock():
        try:
            world_load(world)
            out = io.StringIO()
            call_command("train_model", "--as-of", WORLD_END.isoformat(), stdout=out)
            from risk.models import ModelVersion

            version = ModelVersion.objects.get(version=out.getvalue().split()[1])
            yield world, version, out.getvalue(), model_dir
        finally:
            world_remove()
            settings.MODEL_DIR = old_dir


def _validation_vs_truth(world, version) -> pd.DataFrame:
    from cases.models import Household
    from risk.services.training import validation_scores

    scores = validation_scores(version)
    refs = dict(Household.objects.values_list("id", "ref"))
    scores["household_ref"] = scores["household_id"].map(refs)
    scores["as_of"] = scores["snapshot"].astype(str)
    truth = pd.read_csv(world / "truth" / "risk.csv", dtype={"as_of": str})
    merged = scores.merge(truth, on=["household_ref", "as_of"])
    assert len(merged) == len(scores) == HOUSEHOLDS * 3
    return merged


def _precision_top(y: np.ndarray, p: np.ndarray, share: float) -> float:
    n = max(1, round(share * len(y)))
    return float(y[np.argsort(-p, kind="stable")[:n]].mean())


@pytest.fixture
def model_settings(settings, trained):  # noqa: ANN001
    settings.MODEL_DIR = trained[3]
    return settings


def test_train_model_prints_version_and_records_metrics(db, trained):
    _, version, output, _ = trained
    assert output.startswith(f"version {version.version}\n")
    assert "AUC" in output and "ECE" in output
    for key in ("auc", "precision_top1", "recall_top1", "precision_top5", "recall_top5",
                "precision_topk", "recall_topk", "brier", "ece", "k"):
        assert version.metrics[key] is not None, key
    assert set(version.comparison) >= {"logistic", "gbm", "chosen"}
    assert version.calibration and version.band_cutoffs["critical"] > version.band_cutoffs["high"]
    assert version.validation_start > version.train_end or \
        version.validation_start >= version.train_end
    assert not any("race" in f for f in version.features)
    assert version.counts["validation_rows"] == HOUSEHOLDS * 3


def test_validation_against_true_risk(db, trained, model_settings):
    """Done-when: AUC >= 0.95 x true risk's AUC, top-1% precision >= 0.9 x, ECE <= 0.02."""
    from risk.services.training import expected_calibration_error

    world, version, _, _ = trained
    merged = _validation_vs_truth(world, version)
    y = merged["label"].to_numpy()
    model_auc = roc_auc_score(y, merged["score"])
    true_auc = roc_auc_score(y, merged["true_prob"])
    model_p1 = _precision_top(y, merged["score"].to_numpy(), 0.01)
    true_p1 = _precision_top(y, merged["true_prob"].to_numpy(), 0.01)
    ece = expected_calibration_error(y, merged["score"].to_numpy())
    print(f"model AUC {model_auc:.4f} true {true_auc:.4f}; top1% {model_p1:.3f} "
          f"true {true_p1:.3f}; ECE {ece:.4f}")
    assert model_auc >= 0.95 * true_auc
    assert model_p1 >= 0.9 * true_p1
    assert ece <= 0.02
    assert version.metrics["auc"] == pytest.approx(model_auc, abs=1e-3)


def test_model_file_is_checked_on_load(db, trained, model_settings):
    from pathlib import Path

    from dhs.exceptions import ApplicationError
    from risk.models import ModelVersion
    from risk.services import training

    _, version, _, _ = trained
    assert Path(version.file_path).read_bytes()[:2] == b"PK"  # skops zip, not a pickle
    forged = ModelVersion(version="forged", file_path=version.file_path, sha256="0" * 64,
                          as_of=version.as_of)
    with pytest.raises(ApplicationError, match="checksum"):
        training.model_load(forged)


def test_promote_then_rescore_stores_scores_bands_and_factors(db, trained, model_settings):
    from cases.models import Household
    from dhs.models import AuditEvent
    from risk.models import CurrentScore, HouseholdScore, ModelVersion, ScoreRun

    _, version, _, _ = trained
    out = io.StringIO()
    call_command("promote_model", version.version, stdout=out)
    version.refresh_from_db()
    assert version.status == ModelVersion.PROMOTED, out.getvalue()
    assert version.fairness["passed"] is True
    assert {"race_ethnicity", "office"} <= set(version.fairness["dimensions"])
    assert AuditEvent.objects.filter(action="model_promote", object_id=version.version).exists()

    call_command("rescore", "--as-of", WORLD_END.isoformat(), stdout=io.StringIO())
    run = ScoreRun.objects.get()
    assert run.status == "done" and run.households == HOUSEHOLDS
    assert HouseholdScore.objects.filter(run=run).count() == HOUSEHOLDS
    assert CurrentScore.objects.count() == Household.objects.count()
    assert set(run.band_counts) == {"low", "elevated", "high", "critical"}
    top = CurrentScore.objects.order_by("-score").first()
    assert top.band == "critical" and top.factors
    factor = top.factors[0]
    assert set(factor) == {"feature", "label", "contribution"} and factor["contribution"] > 0
