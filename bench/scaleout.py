"""Benchmark: a full rescore with 1 and with 2 Celery worker processes (scale-out).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/13 \
        python bench/scaleout.py [--workers 1,2] [--chunk-size 20000]

For each count, starts that many real `celery worker` processes (concurrency 1 each: one
process per core, the way more machines would add them), calls
risk.services.scoring.rescore_all(wait=True) - which fans the run out as a Celery group of
household-id-range chunks - and times it until the run is finalised. Then it times, separately,
how long the workers take to drain what the run queued behind it (flag and work-item refresh of
every rescored household; by default after the last run only, which also leaves the queue
built for the page benchmarks; the next worker start purges what an earlier run left queued).
Reports the speed-up of 2 processes over 1 and the load average, since
a shared machine lowers it. Trains and promotes a model first when none is promoted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, print_machine, write_result


def run(*, counts: list[int], chunk_size: int | None = None, drain: str = "last",
        timeout: float = 3600) -> dict:
    """Time one full rescore per worker count; returns the figures (the smoke test calls this)."""
    from django.conf import settings

    from bench.workers import (
        load_average,
        promoted_model_ensure,
        queue_drain,
        workers_start,
        workers_stop,
    )
    from cases.models import Household
    from risk.services.scoring import rescore_all

    version = promoted_model_ensure()
    env = {}
    if chunk_size:
        settings.RESCORE_CHUNK_SIZE = chunk_size
        env["RESCORE_CHUNK_SIZE"] = str(chunk_size)
    households = Household.objects.count()
    runs = []
    for count in counts:
        pool = workers_start(count, name=f"scaleout{count}", env=env)
        try:
            load_before = load_average()
            t0 = time.perf_counter()
            score_run = rescore_all(wait=True, timeout=timeout)
            seconds = time.perf_counter() - t0
            figures = {"worker_processes": count, "rescore_s": round(seconds, 2),
                       "households_per_s": round(households / seconds) if seconds else None,
                       "run_id": score_run.pk if score_run else None,
                       "chunks": score_run.chunks_total if score_run else 0,
                       "load_average_before": load_before, "load_average_after": load_average()}
            if drain == "each" or (drain == "last" and count == counts[-1]):
                figures["refresh_drain_s"] = round(queue_drain(timeout=timeout), 2)
            drained = (f", then flag/work-item refresh drained in "
                       f"{figures['refresh_drain_s']:.1f} s" if "refresh_drain_s" in figures
                       else "")
            print(f"  {count} worker process(es): rescore {seconds:.1f} s "
                  f"({figures['households_per_s']:,} households/s, {figures['chunks']} chunks)"
                  f"{drained}; load {figures['load_average_after']}", flush=True)
            runs.append(figures)
        finally:
            workers_stop(pool)
    result = {"households": households, "model_version": version,
              "chunk_size": int(chunk_size or settings.RESCORE_CHUNK_SIZE), "runs": runs}
    by_count = {r["worker_processes"]: r["rescore_s"] for r in runs}
    if 1 in by_count and 2 in by_count and by_count[2]:
        result["speedup_2_over_1"] = round(by_count[1] / by_count[2], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="worker process counts (default 1,2)")
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="households a chunk (default settings.RESCORE_CHUNK_SIZE)")
    parser.add_argument("--drain", choices=("each", "last", "none"), default="last",
                        help="time the flag/work-item refresh the run queues behind it after "
                             "each run, the last only (default; it leaves the queue built), "
                             "or not at all")
    args = parser.parse_args()
    if args.chunk_size:
        os.environ["RESCORE_CHUNK_SIZE"] = str(args.chunk_size)
    django_setup()
    print_machine()
    result = run(counts=[int(c) for c in args.workers.split(",") if c.strip()],
                 chunk_size=args.chunk_size, drain=args.drain)
    if "speedup_2_over_1" in result:
        print(f"speed-up with 2 worker processes: {result['speedup_2_over_1']:.2f} x")
    write_result("scaleout", result)


if __name__ == "__main__":
    main()
