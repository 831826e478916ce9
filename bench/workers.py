"""Helpers of the scale benchmarks: real Celery workers, a promoted model, load average.

The benchmarks start their own `celery worker` processes against the database and Redis of
the environment (DATABASE_URL, REDIS_URL), so a figure always includes the broker round trip.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT

LOGS = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))


class Worker:
    """One `celery worker` process (concurrency 1 unless asked) and its log file."""

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc, self.log = proc, log

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def workers_start(count: int, *, concurrency: int = 1, name: str = "bench",
                  env: dict[str, str] | None = None, timeout: float = 120) -> list[Worker]:
    """Start `count` worker processes and return when every one says ready."""
    from dhs.celery import app

    if not os.environ.get("REDIS_URL"):
        raise SystemExit("This benchmark needs a real broker: set REDIS_URL=redis://…")
    app.control.purge()
    full_env = {**os.environ, **(env or {})}
    workers = []
    for i in range(count):
        log = LOGS / f"{name}-worker-{os.getpid()}-{i}.log"
        cmd = [sys.executable, "-m", "celery", "-A", "dhs", "worker", "-l", "info",
               "-c", str(concurrency), "-n", f"{name}{i}-{os.getpid()}@%h",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env,
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
        workers.append(Worker(proc, log))
    deadline = time.monotonic() + timeout
    pending = list(workers)
    while pending:
        for w in list(pending):
            if w.proc.poll() is not None:
                workers_stop(workers)
                raise RuntimeError(f"celery worker exited: {w.log.read_text()[-3000:]}")
            if "ready." in w.log.read_text():
                pending.remove(w)
        if pending and time.monotonic() > deadline:
            workers_stop(workers)
            raise RuntimeError("celery workers did not start in time")
        time.sleep(0.2)
    return workers


def workers_stop(workers: list[Worker]) -> None:
    for w in workers:
        w.stop()


def broker_queue_length(queue: str = "celery") -> int:
    """Tasks waiting in the Redis queue (not counting the ones being run)."""
    import redis

    return int(redis.Redis.from_url(os.environ["REDIS_URL"]).llen(queue))


def queue_drain(*, timeout: float = 3600, queue: str = "celery") -> float:
    """Wait until the broker queue is empty and the workers are idle; returns the seconds."""
    from dhs.celery import app

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if broker_queue_length(queue) == 0:
            active = app.control.inspect(timeout=2).active() or {}
            reserved = app.control.inspect(timeout=2).reserved() or {}
            if not any(active.values()) and not any(reserved.values()):
                return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError(f"the queue did not drain in {timeout:.0f} s")


def promoted_model_ensure(*, as_of: dt.date | None = None) -> str:
    """The promoted model's version; trains and promotes one when there is none."""
    from risk.services.scoring import promoted_version
    from risk.services.training import model_promote, model_train

    version = promoted_version()
    if version is not None:
        return version.version
    print("no promoted model: training one (bench/workers.promoted_model_ensure)", flush=True)
    import inspect

    from cases.models import Household

    kwargs = {}
    if "sample" in inspect.signature(model_train).parameters and \
            Household.objects.count() > 100_000:
        kwargs["sample"] = 50_000  # a statewide caseload trains on an even subset
    trained = model_train(as_of=as_of, **kwargs)
    from dhs.exceptions import ApplicationError

    try:
        promoted = model_promote(version=trained.version)
    except ApplicationError:
        promoted = model_promote(version=trained.version,
                                 override_reason="benchmark: synthetic world")
    return promoted.version


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (the machine may be shared)."""
    return [round(x, 2) for x in os.getloadavg()]
