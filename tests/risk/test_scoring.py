"""Scoring: idempotent runs, chunked fan-out, drift, single-household rescoring, real worker.

These tests use a small hand-fitted promoted model (a recent eviction raises the score) so
they exercise the scoring machinery without training on a world (test_training.py does that).
"""

from __future__ import annotations

import datetime as dt
import io
import time

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import HouseholdFactory, OfficeFactory, PersonFactory


def promoted_model():
    """Register and promote a tiny logistic model whose score rises with a recent eviction."""
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from risk.models import ModelVersion
    from risk.services.features import household_features
    from risk.services.training import RiskModel, feature_columns, model_save

    feats = household_features(as_of=timezone.now()).reset_index()
    columns = feature_columns(feats, [])
    rng = np.random.default_rng(0)
    n = 600
    X = np.zeros((n, len(columns)))
    evicted = rng.random(n) < 0.3
    for j, col in enumerate(columns):
        if col.startswith("eviction_") and col[9:].isdigit():
            X[:, j] = evicted
        elif col == "eviction_days_since":
            X[:, j] = np.where(evicted, 5, 730)
        elif col == "eviction_recency":
            X[:, j] = np.where(evicted, 0.9, 0)
        elif col == "members":
            X[:, j] = rng.integers(1, 5, n)
    y = (rng.random(n) < np.where(evicted, 0.6, 0.05)).astype(int)
    scaler = StandardScaler().fit(X)
    lr = LogisticRegression().fit(scaler.transform(X), y)
    model = RiskModel(kind="logistic", columns=columns, scaler=scaler, estimator=lr,
                      calibrator=IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1),
                      baseline_logit=float(lr.intercept_[0]))
    raw = 1 / (1 + np.exp(-model.logit(X)))
    model.calibrator.fit(raw, y)
    path, digest = model_save(model, version="test-model")
    return ModelVersion.objects.create(
        version="test-model", algorithm="LogisticRegression + isotonic", file_path=str(path),
        sha256=digest, as_of=timezone.localdate(), features=columns, metrics={"k": 2},
        band_cutoffs={"elevated": 0.1, "high": 0.3, "critical": 0.5}, status="promoted",
        promoted_at=timezone.now())


def eviction(household, *, days_ago: int = 3):
    from risk.models import Signal

    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return Signal.objects.create(household=household, source="eviction_filings",
                                 kind="eviction_filing", occurred_on=day, amount=1800,
                                 deadline=day + dt.timedelta(days=20),
                                 known_at=timezone.now() - dt.timedelta(minutes=1))


@pytest.fixture
def households(db):
    office = OfficeFactory(code="NORTH")
    out = []
    for _ in range(5):
        h = HouseholdFactory(office=office)
        PersonFactory(household=h)
        out.append(h)
    return out


def test_rescore_run_is_idempotent(households, django_capture_on_commit_callbacks):
    from risk.models import CurrentScore, HouseholdScore, ScoreRun
    from risk.tasks import rescore_chunk

    promoted_model()
    eviction(households[0])
    call_command("rescore", stdout=io.StringIO())
    run = ScoreRun.objects.get()
    assert run.status == "done" and run.households == 5 and run.psi is None
    first = {c.household_id: c.score for c in CurrentScore.objects.all()}
    assert HouseholdScore.objects.filter(run=run).count() == 5
    ids = sorted(h.pk for h in households)
    # the same chunk again (a redelivered task): no duplicate rows, current scores unchanged
    rescore_chunk.delay(run.pk, None, [ids[0], ids[-1]])
    rescore_chunk.delay(run.pk, ids[:2])
    assert HouseholdScore.objects.filter(run=run).count() == 5
    assert CurrentScore.objects.count() == 5
    assert all(c.previous_score is None for c in CurrentScore.objects.all())
    # a second run keeps the history and the previous score
    call_command("rescore", stdout=io.StringIO())
    second = ScoreRun.objects.exclude(pk=run.pk).get()
    assert second.psi == pytest.approx(0.0, abs=1e-6) and not second.drift_flagged
    assert HouseholdScore.objects.count() == 10
    for c in CurrentScore.objects.all():
        assert c.previous_score == pytest.approx(first[c.household_id])
    top = CurrentScore.objects.get(household=households[0])
    assert top.score > max(v for k, v in first.items() if k != households[0].pk)
    assert top.factors[0]["feature"] == "eviction"
    assert "eviction filed 3 days ago" in top.factors[0]["label"]


def test_rescore_fans_out_in_chunks_and_signals_once_per_chunk(households, settings):
    from risk.models import ScoreRun
    from risk.services.scoring import rescore_all
    from risk.signals import household_rescored

    settings.RESCORE_CHUNK_SIZE = 2
    promoted_model()
    calls = []

    def receiver(sender, household_ids, run_id, **kwargs):
        calls.append((tuple(household_ids), run_id))

    household_rescored.connect(receiver)
    try:
        run = rescore_all()
    finally:
        household_rescored.disconnect(receiver)
    run = ScoreRun.objects.get(pk=run.pk)
    assert run.chunks_total == 3 and run.chunks_done == 3 and run.status == "done"
    assert sorted(len(c[0]) for c in calls) == [1, 2, 2]
    assert {c[1] for c in calls} == {run.pk}
    assert sorted(i for c in calls for i in c[0]) == sorted(h.pk for h in households)


def test_large_score_shift_is_flagged_as_drift(households):
    from risk.models import ScoreRun
    from risk.services.scoring import rescore_all

    promoted_model()
    rescore_all()
    for h in households:
        eviction(h)
    run = rescore_all()
    run = ScoreRun.objects.get(pk=run.pk)
    assert run.psi > 0.25 and run.drift_flagged


def test_new_signal_rescores_one_household(households):
    from risk.models import CurrentScore, HouseholdScore
    from risk.tasks import rescore_households

    assert rescore_households.delay([households[1].pk]).get() == 0  # no promoted model: quiet
    promoted_model()
    assert rescore_households.delay([households[1].pk]).get() == 1
    before = CurrentScore.objects.get(household=households[1]).score
    eviction(households[1], days_ago=0)
    rescore_households.delay([households[1].pk])
    current = CurrentScore.objects.get(household=households[1])
    assert current.score > before and current.previous_score == pytest.approx(before)
    assert HouseholdScore.objects.filter(household=households[1]).count() == 2
    assert CurrentScore.objects.count() == 1


def test_contributions_add_up_to_the_model_output(households):
    from risk.services.features import household_features
    from risk.services.training import design_matrix, model_load

    version = promoted_model()
    eviction(households[0])
    model = model_load(version)
    X = design_matrix(household_features(), model.columns)
    logit = model.logit(X)
    np.testing.assert_allclose(model.contributions(X).sum(axis=1) + model.baseline_logit, logit)


@pytest.mark.worker
def test_new_eviction_raises_the_stored_score_with_a_real_worker(celery_worker):
    """End to end: a linked eviction filing arrives; the worker rescoring raises the score."""
    from risk.models import CurrentScore
    from risk.tasks import rescore_households

    office = OfficeFactory(code="NORTH")
    household = HouseholdFactory(office=office)
    PersonFactory(household=household)
    promoted_model()
    rescore_households.delay([household.pk]).get(timeout=60)
    before = CurrentScore.objects.get(household=household).score
    eviction(household, days_ago=0)
    rescore_households.delay([household.pk])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = CurrentScore.objects.filter(household=household).first()
        if current and current.score > before:
            break
        time.sleep(0.3)
    current = CurrentScore.objects.get(household=household)
    assert current.score > before
    assert current.factors[0]["feature"] == "eviction"


def test_outcome_report_compares_same_band_households_and_says_observational(households):
    from alerts.models import WorkItem, WorkItemAction
    from cases.models import CrisisEvent
    from risk.models import HouseholdScore

    version = promoted_model()
    scored = timezone.now() - dt.timedelta(days=200)
    for h in households:
        HouseholdScore.objects.create(household=h, model_version=version, as_of=scored,
                                      score=0.5, band="high", factors=[])
    treated, *others = households
    item = WorkItem.objects.create(household=treated, office=treated.office)
    WorkItemAction.objects.create(item=item, action="accepted",
                                  at=scored + dt.timedelta(days=5))
    CrisisEvent.objects.create(household=others[0], event_type="shelter_entry",
                               event_date=timezone.localdate(scored) + dt.timedelta(days=30))
    out = io.StringIO()
    call_command("outcome_report", stdout=out)
    text = out.getvalue()
    assert text.startswith("OBSERVATIONAL")
    assert "high, 1, 0.0, 4, 0.25" in text


def test_watchdog_completes_a_run_whose_chunk_message_was_lost(households, settings):
    """A chunk whose message vanished (a worker killed between taking it off Redis and
    recording the delivery) is re-sent by the watchdog; each household is scored once."""
    from django.db.models import Count

    from risk.models import HouseholdScore, ScoreRun
    from risk.services.scoring import _chunk_ranges
    from risk.tasks import rescore_chunk, resume_stalled_runs

    settings.RESCORE_CHUNK_SIZE = 2
    version = promoted_model()
    ranges = _chunk_ranges(2)
    run = ScoreRun.objects.create(model_version=version, as_of=timezone.now(),
                                  chunks_total=len(ranges), households=len(households))
    for lo, hi in ranges[:-1]:  # the last chunk's message is "lost"
        rescore_chunk.delay(run.pk, None, [lo, hi])
    run.refresh_from_db()
    assert run.status == "running"
    assert resume_stalled_runs(3600) == []  # not stalled yet: nothing re-sent
    ScoreRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=2))
    HouseholdScore.objects.filter(run=run).update(
        created_at=timezone.now() - dt.timedelta(hours=2))
    assert resume_stalled_runs(3600) == [run.pk]
    run.refresh_from_db()
    assert run.status == "done" and run.band_counts
    per_household = HouseholdScore.objects.filter(run=run).values("household_id").annotate(
        n=Count("id"))
    assert per_household.count() == len(households)
    assert {row["n"] for row in per_household} == {1}
