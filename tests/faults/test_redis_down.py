"""Redis unavailable during a scheduled pull: the task is retried (autoretry on Redis and broker
connection errors), nothing is stored while Redis is down, the next pull after Redis returns
reads the file exactly once, and a later pull does not read it again.

Redis here is a throwaway `redis-server --port 6390` this test starts and stops itself (the
shared server on 6379 is never touched); the pull's lock lives in the Redis cache, as in full
mode. The task runs in-process (eager): each retry is immediate, so the outage outlasts them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.test_db_drop import write_feed

PORT = 6390


def redis_up() -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(PORT), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("throwaway redis-server did not start")


def redis_down(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def throwaway_redis(settings):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
        pytest.skip(f"port {PORT} is busy")
    except OSError:
        pass
    proc = redis_up()
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{PORT}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    holder = {"proc": proc}
    yield holder
    if holder["proc"].poll() is None:
        redis_down(holder["proc"])


class CountingCache:
    """The task's cache, counting lock attempts (one per try of the task)."""

    def __init__(self) -> None:
        self.adds = 0

    def add(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from django.core.cache import cache

        self.adds += 1
        return cache.add(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from django.core.cache import cache

        return cache.delete(*args, **kwargs)


def test_pull_with_redis_down_is_retried_and_nothing_is_lost_or_doubled(
        db, throwaway_redis, court_partner, tmp_path, monkeypatch):
    import risk.tasks.ingestion as tasks
    from risk.models import FeedBatch, RawRecord, SignalSource
    from risk.services.ingestion import source_get_or_create

    partner, _ = court_partner
    folder = tmp_path / "incoming"
    folder.mkdir()
    config = source_get_or_create(source="eviction_filings")
    SignalSource.objects.filter(pk=config.pk).update(partner=partner, location=str(folder),
                                                     location_kind=SignalSource.FOLDER)
    feed = folder / "evictions-2026-03-01.csv"
    rows = write_feed(Path(feed))
    old = time.time() - 60
    os.utime(feed, (old, old))
    counting = CountingCache()
    monkeypatch.setattr(tasks, "cache", counting)

    from dhs.celery import app as celery_app

    # Eager retries run as nested apply() calls; keep the last failure as a result, not raised.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    redis_down(throwaway_redis["proc"])  # the outage
    outcome = tasks.pull_source.apply(args=["eviction_filings"], throw=False)
    assert outcome.state == "FAILURE", outcome.state
    assert "connect" in repr(outcome.result).lower(), outcome.result
    assert counting.adds == 1 + tasks.pull_source.max_retries, "autoretry on Redis errors"
    assert FeedBatch.objects.count() == 0 and RawRecord.objects.count() == 0

    throwaway_redis["proc"] = redis_up()  # Redis is back; the next scheduled pull runs
    result = tasks.pull_source.apply(args=["eviction_filings"], throw=True)
    [batch_id] = result.get()
    batch = FeedBatch.objects.get(pk=batch_id)
    assert batch.status == "done" and batch.rows_read == rows
    assert batch.rows_read == batch.new + batch.duplicate + batch.rejected

    again = tasks.pull_source.apply(args=["eviction_filings"], throw=True).get()
    assert again == []  # the watermark moved past the file: nothing read twice
    assert FeedBatch.objects.count() == 1
    assert RawRecord.objects.count() == rows
