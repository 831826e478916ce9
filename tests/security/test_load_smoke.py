"""bench/load.py at tiny scale: gunicorn on loopback against the test database, 5 clients for a
few seconds; it must complete with 0 errors and report numbers (not speed)."""

from __future__ import annotations

import pytest


@pytest.mark.postgres
def test_load_script_runs_clean_at_tiny_scale(transactional_db, settings, tmp_path):
    from bench.load import free_port, prepare, run_load, start_gunicorn

    db = settings.DATABASES["default"]
    url = (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
           f"{db['NAME']}")
    world = prepare(caseworkers=2, households=5, partners=1)
    port = free_port()
    server = start_gunicorn(port=port, workers=1, threads=4, log=tmp_path / "gunicorn.log",
                            env={"DATABASE_URL": url, "REDIS_URL": "",
                                 "DHS_TESTING": "true"})  # test users have MD5 hashes
    try:
        result = run_load(port=port, world=world, clients=5, partners=1, duration=5,
                          max_requests=200, batch=5, partner_pause=0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result["errors"] == 0, result
    names = set(result["endpoints"])
    assert {"GET /queue/", "GET /households/<ref>/", "GET /healthz/", "GET /healthz/session/",
            "POST /api/v1/signals/eviction_filings/"} <= names, names
    for stats in result["endpoints"].values():
        assert stats["requests"] > 0
        assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"]
