"""Full rescore on PostgreSQL against its floor, timed in the same run.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/rescore.py \
        [--workers 2] [--as-of 2026-06-30] [--train-sample 20000]

Expects a loaded world (bench/seed_world.py). Ensures a promoted model (trains one on a sample
when there is none), starts real Celery workers, then times:
  total  — `rescore_all` over every household: bulk features in SQL, predict, explanations,
           history rows + current-score upserts, drift (PSI) at the end;
  floor  — one `COPY … TO STDOUT` of the households' feature rows (materialised beforehand into
           a table), bare `predict_proba` on that matrix, and one `COPY … FROM STDIN` of the
           run's score rows into a table of the same shape as risk_householdscore.
Prints both, their ratio, and writes bench/results/rescore-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, print_machine, timed, write_result


def ensure_model(as_of: dt.date, sample: int) -> str:
    from dhs.exceptions import ApplicationError
    from risk.services.fairness import model_promote
    from risk.services.scoring import promoted_version
    from risk.services.training import model_train

    version = promoted_version()
    if version is not None:
        return version.version
    print(f"training a model on ~{sample} households (as of {as_of})", flush=True)
    trained = model_train(as_of=as_of, sample=sample)
    try:
        return model_promote(version=trained.version).version
    except ApplicationError:
        return model_promote(version=trained.version,
                             override_reason="benchmark: synthetic world").version


def floor(as_of: dt.datetime, run_id: int) -> dict[str, float]:
    """COPY out the feature rows, bare predict_proba, COPY score rows into a same-shape table."""
    import pandas as pd
    from django.db import connection
    from threadpoolctl import threadpool_limits

    from risk.models import ScoreRun
    from risk.services.features import household_features
    from risk.services.training import design_matrix, model_load

    run = ScoreRun.objects.select_related("model_version").get(pk=run_id)
    model = model_load(run.model_version)
    feats = household_features(as_of=as_of)
    X = design_matrix(feats, model.columns)
    cols = ", ".join(f"f{j} double precision" for j in range(X.shape[1]))
    out: dict[str, float] = {}
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_features; DROP TABLE IF EXISTS bench_scores")
        cur.execute(f"CREATE UNLOGGED TABLE bench_features (household_id bigint, {cols})")
        buf = io.StringIO()
        frame = pd.DataFrame(X)
        frame.insert(0, "household_id", feats.index.to_numpy())
        frame.to_csv(buf, header=False, index=False)
        buf.seek(0)
        cur.copy_expert("COPY bench_features FROM STDIN WITH (FORMAT csv)", buf)
        cur.execute("CREATE TABLE bench_scores (LIKE risk_householdscore INCLUDING DEFAULTS)")
        scores_csv = io.StringIO()
        cur.copy_expert(f"COPY (SELECT * FROM risk_householdscore WHERE run_id = {run.pk}) "
                        "TO STDOUT WITH (FORMAT csv)", scores_csv)
        start = time.perf_counter()
        rows = io.StringIO()
        cur.copy_expert("COPY bench_features TO STDOUT WITH (FORMAT csv)", rows)
        rows.seek(0)
        matrix = pd.read_csv(rows, header=None).to_numpy()[:, 1:]
        out["copy_out"] = time.perf_counter() - start
        start = time.perf_counter()
        with threadpool_limits(limits=1):
            model.estimator.predict_proba(model.scaler.transform(matrix))
        out["predict_proba"] = time.perf_counter() - start
        scores_csv.seek(0)
        start = time.perf_counter()
        cur.copy_expert("COPY bench_scores FROM STDIN WITH (FORMAT csv)", scores_csv)
        out["copy_in"] = time.perf_counter() - start
        cur.execute("DROP TABLE bench_features; DROP TABLE bench_scores")
    out["floor"] = sum(out.values())
    return {k: round(v, 3) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="score as of this day (default: the newest signal's day)")
    parser.add_argument("--train-sample", type=int, default=20000)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench.workers import load_average, workers_start, workers_stop
    from cases.models import Household
    from risk.services.scoring import rescore_all

    print_machine()
    households = Household.objects.count()
    if not households:
        raise SystemExit("no households: run bench/seed_world.py first")
    as_of_day = args.as_of
    if as_of_day is None:
        with connection.cursor() as cur:
            cur.execute("SELECT MAX(occurred_on) FROM risk_signal")
            as_of_day = cur.fetchone()[0] or timezone.localdate()
    as_of = timezone.make_aware(dt.datetime.combine(as_of_day, dt.time(23, 59, 59)))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    times: dict[str, float] = {}
    with timed("model", times):
        version = ensure_model(as_of_day, args.train_sample)
    print(f"{households} households, model {version}, chunk size "
          f"{settings.RESCORE_CHUNK_SIZE}, {args.workers} worker processes", flush=True)
    workers = workers_start(args.workers, name="rescore")
    try:
        # Long-running workers have imported the stack and loaded the model; so do these.
        from risk.tasks import rescore_households

        first = Household.objects.order_by("id").values_list("id", flat=True)[:1][0]
        with timed("warm_up", times):
            for result in [rescore_households.delay([first]) for _ in range(2 * args.workers)]:
                result.get(timeout=300)
        load_before = load_average()
        with timed("total", times):
            run = rescore_all(as_of=as_of, wait=True)
        load_after = load_average()
    finally:
        workers_stop(workers)
    fl = floor(as_of, run.pk)
    print(f"  floor: {fl['floor']:.2f} s (COPY out {fl['copy_out']:.2f}, predict_proba "
          f"{fl['predict_proba']:.2f}, COPY in {fl['copy_in']:.2f})")
    ratio = round(times["total"] / fl["floor"], 2)
    print(f"total {times['total']:.2f} s = {ratio} x floor; run {run.pk}: {run.households} "
          f"households, {run.chunks_total} chunks, PSI {run.psi}, bands {run.band_counts}")
    write_result("rescore", {"households": households, "model": version, "as_of": str(as_of),
                             "workers": args.workers, "chunk_size": settings.RESCORE_CHUNK_SIZE,
                             "total_s": times["total"], "floor": fl, "ratio": ratio,
                             "run": {"id": run.pk, "chunks": run.chunks_total, "psi": run.psi,
                                     "bands": run.band_counts},
                             "load_average": {"before": load_before, "after": load_after}})


if __name__ == "__main__":
    main()
