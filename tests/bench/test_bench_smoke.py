"""Smoke tests of the scale benchmarks: each script runs on a small world and reports numbers.

They check that the scripts complete and write their figures, not that anything is fast: the
figures of record come from the 1,000,000-household runs in docs/benchmarks.md. The scripts run
as the operator runs them (subprocesses against the test database, real Celery workers, gunicorn
on loopback), so they need full mode: PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = 2000


def _env(tmp_path: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DHS_MODEL_DIR": str(tmp_path / "models"), "DHS_FEED_DIR": str(tmp_path / "feeds"),
        "SMS_OUTBOX_DIR": str(tmp_path / "outbox"),
        "BENCH_RESULTS_DIR": str(tmp_path / "results"), "BENCH_LOG_DIR": str(tmp_path),
        # The scripts run as an operator would: production password hashing on both sides
        # (a test-mode MD5 hash written by a script could not be checked by its gunicorn).
        "DHS_TESTING": "false", "PYTHONUNBUFFERED": "1"})
    return env


def _run(script: str, *args: str, env: dict[str, str], timeout: float = 150) -> dict:
    """Run one benchmark script; returns the JSON result it wrote."""
    results = Path(env["BENCH_RESULTS_DIR"])
    before = set(results.glob("*.json")) if results.exists() else set()
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "machine:" in done.stdout, done.stdout[-2000:]
    new = sorted(set(results.glob("*.json")) - before)
    assert new, f"{script} wrote no result:\n{done.stdout[-2000:]}"
    result = json.loads(new[-1].read_text())
    assert result["machine"]["cores"] >= 1
    print(f"{script}: {time.monotonic() - started:.1f} s")
    return result


def test_percentile_is_nearest_rank() -> None:
    from bench.latency import percentile

    values = [0.1 * i for i in range(1, 21)]
    assert percentile(values, 50) == pytest.approx(1.0)
    assert percentile(values, 95) == pytest.approx(1.9)
    assert percentile([3.0], 95) == 3.0


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.slow
def test_every_benchmark_completes_and_reports_numbers(transactional_db, tmp_path) -> None:
    """seed, rescore vs floor, scale-out 1/2 workers, ingest, latency, pages, query plans."""
    env = _env(tmp_path)
    seed = _run("seed_world.py", "--households", str(HOUSEHOLDS), "--seed", "3",
                "--world", str(tmp_path / "world"), env=env)
    assert seed["counts"]["households"] == HOUSEHOLDS
    assert seed["counts"]["people"] > HOUSEHOLDS and seed["counts"]["signals"] > 0

    rescore = _run("rescore.py", "--workers", "1", "--train-sample", str(HOUSEHOLDS), env=env)
    assert rescore["total_s"] > 0 and rescore["floor"]["floor"] > 0

    scale = _run("scaleout.py", "--workers", "1,2", "--chunk-size", "1000", "--drain", "none",
                 env=env)
    assert [r["worker_processes"] for r in scale["runs"]] == [1, 2]
    assert all(r["rescore_s"] > 0 for r in scale["runs"]) and scale["speedup_2_over_1"] > 0

    ingest = _run("ingest.py", "--people", "1000", "--rows", "1000", env=env)
    assert ingest["counts"]["rows_read"] == 1000 and ingest["rows_per_second"] > 0

    latency = _run("latency.py", "--filings", "5", env=env)
    assert latency["reached_top"] == 5, latency
    assert 0 < latency["top_p50_s"] <= latency["top_p95_s"]

    pages = _run("pages.py", "--clients", "4", "--duration", "2", "--gunicorn-workers", "1",
                 "--threads", "4", env=env)
    for phase in ("floor", "queue", "household", "partner"):
        figures = pages["phases"][phase]
        assert figures["requests"] > 0 and figures["errors"] == 0, (phase, figures)
    assert pages["queue_target"]["share_of_floor"] > 0

    plans = _run("explain.py", "--top", "2", env=env)
    assert plans["pages"]["/queue/"]["queries"] > 0
    assert all(p["slowest"] and "Execution Time" in p["slowest"][0]["plan"]
               for p in plans["pages"].values())
