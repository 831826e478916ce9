"""Scoring households with the promoted model: bulk features, bulk writes, drift per run.

A run scores every household in chunks (a Celery group); each chunk computes features with one
query, predicts, and writes history + current scores with one COPY and two set-based
statements on PostgreSQL (bulk_create on SQLite). Writes are idempotent: a household gets at
most one history row per run, and a re-run chunk changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from threadpoolctl import threadpool_limits

from dhs.exceptions import ApplicationError
from risk.models import CurrentScore, HouseholdScore, ModelVersion, ScoreRun
from risk.services.explain import factors_for
from risk.services.features import household_features
from risk.services.training import RiskModel, design_matrix, model_load
from risk.signals import household_rescored

BANDS = ("low", "elevated", "high", "critical")
PSI_ALERT = 0.25


def promoted_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.PROMOTED).order_by(
        "-promoted_at", "-created_at").first()


def bands_for(scores: np.ndarray, cutoffs: dict[str, float]) -> np.ndarray:
    """Band per score from the version's calibrated cut-offs (elevated < high < critical)."""
    edges = [cutoffs.get("elevated", 1.0), cutoffs.get("high", 1.0), cutoffs.get("critical", 1.0)]
    return np.asarray(BANDS, dtype=object)[np.searchsorted(edges, scores, side="right")]


def score_households(model: RiskModel, version: ModelVersion, *, as_of: dt.datetime,
                     household_ids: list[int] | None = None,
                     id_range: tuple[int, int] | None = None):
    """(household ids, calibrated scores, bands, factor lists) for many households at once."""
    feats = household_features(as_of=as_of, household_ids=household_ids, id_range=id_range)
    if feats.empty:
        return np.array([], dtype=np.int64), np.array([]), np.array([]), []
    X = design_matrix(feats, model.columns)
    with threadpool_limits(limits=1):  # chunks run in parallel processes; no oversubscription
        logit = model.logit(X)
        contributions = model.contributions(X, logit)
    scores = model.calibrate(logit)
    factors = factors_for(feats, contributions, model.columns)
    return feats.index.to_numpy(), scores, bands_for(scores, version.band_cutoffs), factors


def _store_postgres(*, version: ModelVersion, run: ScoreRun | None, as_of: dt.datetime,
                    ids: np.ndarray, scores: np.ndarray, bands: np.ndarray,
                    factors: list[list[dict]]) -> int:
    buf = io.StringIO()
    writer = csv.writer(buf)
    dumps = json.dumps
    for hid, score, band, fac in zip(ids.tolist(), scores.tolist(), bands.tolist(), factors):
        writer.writerow((hid, repr(score), band, dumps(fac)))
    buf.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        # Scores can be recomputed at any time: not waiting for the WAL flush is a safe trade.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS tmp_scores (household_id bigint, "
                       "score double precision, band varchar(16), factors jsonb) "
                       "ON COMMIT DELETE ROWS")
        cursor.execute("TRUNCATE tmp_scores")  # inside an outer transaction rows would linger
        cursor.copy_expert("COPY tmp_scores FROM STDIN WITH (FORMAT csv)", buf)
        cursor.execute(
            "INSERT INTO risk_householdscore (household_id, run_id, model_version_id, as_of, "
            "score, band, factors, created_at) SELECT household_id, %s, %s, %s, score, band, "
            "factors, now() FROM tmp_scores ON CONFLICT (household_id, run_id) DO NOTHING",
            [run.pk if run else None, version.pk, as_of])
        inserted = cursor.rowcount
        cursor.execute(
            "INSERT INTO risk_currentscore AS c (household_id, model_version_id, as_of, score, "
            "band, factors, previous_score) SELECT household_id, %s, %s, score, band, factors, "
            "NULL FROM tmp_scores ON CONFLICT (household_id) DO UPDATE SET "
            "previous_score = CASE WHEN c.as_of = EXCLUDED.as_of AND "
            "c.model_version_id = EXCLUDED.model_version_id THEN c.previous_score "
            "ELSE c.score END, model_version_id = EXCLUDED.model_version_id, "
            "as_of = EXCLUDED.as_of, score = EXCLUDED.score, band = EXCLUDED.band, "
            "factors = EXCLUDED.factors WHERE c.as_of <= EXCLUDED.as_of",
            [version.pk, as_of])
    return inserted


def _store_orm(*, version: ModelVersion, run: ScoreRun | None, as_of: dt.datetime,
               ids: np.ndarray, scores: np.ndarray, bands: np.ndarray,
               factors: list[list[dict]]) -> int:
    ids_list = ids.tolist()
    with transaction.atomic():
        before = HouseholdScore.objects.filter(run=run).count() if run else 0
        HouseholdScore.objects.bulk_create(
            [HouseholdScore(household_id=h, run=run, model_version=version, as_of=as_of,
                            score=s, band=b, factors=f)
             for h, s, b, f in zip(ids_list, scores.tolist(), bands.tolist(), factors)],
            batch_size=2000, ignore_conflicts=run is not None)
        inserted = (HouseholdScore.objects.filter(run=run).count() - before) if run \
            else len(ids_list)
        existing = {c.household_id: c for c in CurrentScore.objects.filter(
            household_id__in=ids_list)}
        rows = []
        for h, s, b, f in zip(ids_list, scores.tolist(), bands.tolist(), factors):
            old = existing.get(h)
            if old is not None and old.as_of > as_of:
                continue
            previous = None
            if old is not None:
                same = old.as_of == as_of and old.model_version_id == version.pk
                previous = old.previous_score if same else old.score
            rows.append(CurrentScore(household_id=h, model_version=version, as_of=as_of,
                                     score=s, band=b, factors=f, previous_score=previous))
        CurrentScore.objects.bulk_create(
            rows, batch_size=2000, update_conflicts=True, unique_fields=["household"],
            update_fields=["model_version", "as_of", "score", "band", "factors",
                           "previous_score"])
    return inserted


def _store(**kwargs) -> int:
    if connection.vendor == "postgresql":
        return _store_postgres(**kwargs)
    return _store_orm(**kwargs)


def households_rescore(*, household_ids: list[int], as_of: dt.datetime | None = None) -> int:
    """Rescore a few households now (a new linked signal); returns how many were scored."""
    version = promoted_version()
    if version is None or not household_ids:
        return 0
    as_of = as_of or timezone.now()
    model = model_load(version)
    ids, scores, bands, factors = score_households(
        model, version, as_of=as_of, household_ids=sorted({int(i) for i in household_ids}))
    if len(ids) == 0:
        return 0
    _store(version=version, run=None, as_of=as_of, ids=ids, scores=scores, bands=bands,
           factors=factors)
    household_rescored.send(sender=None, household_ids=ids.tolist(), run_id=None)
    return len(ids)


def _chunk_ranges(size: int) -> list[tuple[int, int]]:
    """Household id ranges holding about `size` households each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn "
            "FROM cases_household) t WHERE (rn - 1) %% %s = 0 ORDER BY id", [size])
        starts = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT MAX(id) FROM cases_household")
        last = cursor.fetchone()[0]
    return [(lo, (starts[i + 1] - 1) if i + 1 < len(starts) else last)
            for i, lo in enumerate(starts)]


def rescore_chunk(*, run_id: int, household_ids: list[int] | None = None,
                  id_range: tuple[int, int] | None = None) -> int:
    """Score one chunk of a run; safe to run twice. Finalises the run after its last chunk."""
    run = ScoreRun.objects.select_related("model_version").get(pk=run_id)
    version = run.model_version
    model = model_load(version)
    ids, scores, bands, factors = score_households(
        model, version, as_of=run.as_of, household_ids=household_ids,
        id_range=tuple(id_range) if id_range else None)
    inserted = 0
    if len(ids):
        inserted = _store(version=version, run=run, as_of=run.as_of, ids=ids, scores=scores,
                          bands=bands, factors=factors)
        household_rescored.send(sender=None, household_ids=ids.tolist(), run_id=run.pk)
    if inserted or not len(ids):
        ScoreRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
    run.refresh_from_db(fields=["chunks_done", "chunks_total", "households", "status"])
    redelivered = bool(len(ids)) and not inserted  # e.g. a worker died after writing
    if run.status != "done" and (
            run.chunks_done >= run.chunks_total
            or (redelivered and HouseholdScore.objects.filter(run=run).count() >= run.households)):
        run_finalize(run_id=run.pk)
    return len(ids)


def _run_scores(run: ScoreRun) -> np.ndarray:
    return np.fromiter(HouseholdScore.objects.filter(run=run).values_list("score", flat=True),
                       dtype=float)


def population_stability_index(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """PSI of the new scores against the previous run's (decile and fixed-tenth bins)."""
    if len(expected) == 0 or len(actual) == 0:
        return 0.0
    # The previous run's deciles, plus fixed tenths so a degenerate run still has bins.
    edges = np.unique(np.concatenate([np.quantile(expected, np.linspace(0, 1, bins + 1))[1:-1],
                                      np.linspace(0, 1, bins + 1)[1:-1]]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1)
    e = np.maximum(e / e.sum(), 1e-4)
    a = np.maximum(a / a.sum(), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))


def run_finalize(*, run_id: int) -> ScoreRun:
    """Band counts, PSI against the previous finished run, drift flag; idempotent."""
    with transaction.atomic():
        run = ScoreRun.objects.select_for_update().get(pk=run_id)
        if run.status == "done":
            return run
        current = _run_scores(run)
        previous = ScoreRun.objects.filter(status="done").exclude(pk=run.pk).order_by(
            "-finished_at").first()
        run.psi = (round(population_stability_index(_run_scores(previous), current), 5)
                   if previous else None)
        run.drift_flagged = bool(run.psi is not None and run.psi > PSI_ALERT)
        counts = dict.fromkeys(BANDS, 0)
        for band, n in HouseholdScore.objects.filter(run=run).values_list("band").annotate(
                n=Count("id")):
            counts[band] = n
        run.band_counts = counts
        run.status = "done"
        run.finished_at = timezone.now()
        run.save(update_fields=["psi", "drift_flagged", "band_counts", "status", "finished_at"])
    return run


def run_resume(*, run_id: int, chunk_size: int | None = None) -> int:
    """Re-send the households of an unfinished run that have no score yet; returns how many.

    acks_late covers a worker killed while it runs a chunk, but with Redis as broker a message
    taken off the queue by a worker killed before it recorded the delivery is gone. Chunks are
    idempotent, so re-sending what is missing is always safe.
    """
    from risk.tasks.scoring import rescore_chunk as chunk_task

    run = ScoreRun.objects.get(pk=run_id)
    if run.status == "done":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.id FROM cases_household h WHERE NOT EXISTS (SELECT 1 FROM "
            "risk_householdscore s WHERE s.household_id = h.id AND s.run_id = %s) ORDER BY h.id",
            [run.pk])
        missing = [row[0] for row in cursor.fetchall()]
    size = int(chunk_size or settings.RESCORE_CHUNK_SIZE)
    for start in range(0, len(missing), size):
        chunk_task.delay(run.pk, missing[start:start + size], None)
    if not missing:
        run_finalize(run_id=run.pk)
    return len(missing)


def runs_resume_stalled(*, stall_seconds: int = 600) -> list[int]:
    """Resume runs that made no progress for `stall_seconds` (the beat watchdog)."""
    cutoff = timezone.now() - dt.timedelta(seconds=stall_seconds)
    resumed = []
    for run in ScoreRun.objects.filter(status="running", started_at__lt=cutoff):
        latest = HouseholdScore.objects.filter(run=run).order_by("-created_at").values_list(
            "created_at", flat=True).first()
        if latest is None or latest < cutoff:
            run_resume(run_id=run.pk)
            resumed.append(run.pk)
    return resumed


def rescore_all(*, as_of: dt.datetime | None = None, wait: bool = True,
                timeout: float = 3600) -> ScoreRun | None:
    """Start a run over every household as a Celery group of chunks; optionally wait for it."""
    from celery import group

    from risk.tasks.scoring import rescore_chunk as chunk_task

    version = promoted_version()
    if version is None:
        return None
    if as_of is None:
        as_of = timezone.now()
    elif isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        as_of = timezone.make_aware(dt.datetime.combine(as_of, dt.time(23, 59, 59)))
    ranges = _chunk_ranges(int(settings.RESCORE_CHUNK_SIZE))
    from cases.models import Household
    run = ScoreRun.objects.create(model_version=version, as_of=as_of,
                                  chunks_total=len(ranges),
                                  households=Household.objects.count())
    if not ranges:
        return run_finalize(run_id=run.pk)
    job = group(chunk_task.s(run.pk, None, list(r)) for r in ranges)
    if chunk_task.app.conf.task_always_eager or connection.get_autocommit():
        job.apply_async()
    else:  # workers must see the committed run row
        transaction.on_commit(job.apply_async)
    if wait:
        deadline = time.monotonic() + timeout
        while True:
            run.refresh_from_db()
            if run.status == "done":
                break
            if time.monotonic() > deadline:
                raise ApplicationError(f"score run {run.pk} did not finish in {timeout:.0f} s")
            time.sleep(0.2)
    return run

