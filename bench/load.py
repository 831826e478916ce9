"""Load test: caseworkers on the queue and household pages, partners pushing signal batches.

Starts gunicorn on 127.0.0.1 only (never another interface) against the current DATABASE_URL,
signs in caseworkers through the real sign-in page, then for a bounded time (and a bounded
number of requests per client) drives:
  - N caseworker clients alternating GET /queue/ and GET /households/<ref>/ of their office,
  - P partner clients pushing batches of eviction filings to /api/v1/signals/eviction_filings/,
  - one client on the constant views /healthz/ and /healthz/session/ (the floor).
Reports per endpoint: requests, errors, p50/p95/p99 latency (ms), throughput; writes JSON to
bench/results/load-<time>.json.

    DATABASE_URL=postgres://… .venv/bin/python -m bench.load --clients 50 --duration 60

Threads + http.client (locust is not a dependency). A caseworker sees its own office only,
so the script creates what it needs in office BENCH (households with work items, caseworkers,
a partner with an agreement) when they are missing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-load-password-1"
OFFICE = "BENCH"


# --- world ------------------------------------------------------------------------------------
def prepare(*, caseworkers: int, households: int, partners: int) -> dict[str, Any]:
    """Caseworkers, households with open work items and partners (created when missing)."""
    from django.contrib.auth import get_user_model

    from alerts.models import WorkItem
    from cases.models import Household, Person
    from dhs.models import DataSharingAgreement, Office, PartnerAgency, PartnerToken
    from tests.factories import HouseholdFactory, PersonFactory, make_staff

    office, _ = Office.objects.get_or_create(code=OFFICE, defaults={"name": "Bench Office"})
    have = Household.objects.filter(office=office).count()
    if have < households:
        new = Household.objects.bulk_create(
            [HouseholdFactory.build(office=office, ref=f"BN{have + i:07d}")
             for i in range(households - have)], batch_size=1000)
        Person.objects.bulk_create([PersonFactory.build(household=h, ref=f"BP{h.ref[2:]}")
                                    for h in new], batch_size=1000)
        WorkItem.objects.bulk_create(
            [WorkItem(household=h, office=office, priority=random.random(), severity="high",
                      top_reason="bench") for h in new], batch_size=1000)
    users = []
    user_model = get_user_model()
    for i in range(caseworkers):
        name = f"bench_cw{i:03d}"
        if not user_model.objects.filter(username=name).exists():
            make_staff(name, role="caseworker", office=office, password=PASSWORD)
        users.append(name)
    tokens = []
    today = dt.date.today()
    for i in range(partners):
        partner, _ = PartnerAgency.objects.get_or_create(
            code=f"bench-court-{i}", defaults={"name": f"Bench Court {i}", "kind": "court"})
        if not DataSharingAgreement.objects.filter(partner=partner).exists():
            DataSharingAgreement.objects.create(
                partner=partner, reference=f"DSA-BENCH-{i}", sources=["eviction_filings"],
                purpose="early warning of household crisis", legal_basis="synthetic bench",
                effective_date=today - dt.timedelta(days=1),
                expiry_date=today + dt.timedelta(days=365))
        _, raw = PartnerToken.issue(partner=partner, days=2)
        tokens.append(raw)
    refs = list(Household.objects.filter(office=office).values_list("ref", flat=True)
                [:households])
    return {"users": users, "tokens": tokens, "refs": refs}


# --- server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(*, port: int, workers: int, threads: int, env: dict[str, str] | None = None,
                   log: Path | None = None) -> subprocess.Popen:
    """gunicorn bound to loopback, production settings except TLS (plain HTTP on loopback)."""
    full = dict(os.environ)
    full.update({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
                 "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
                 "AXES_ENABLED": "false", "PARTNER_THROTTLE_RATE": "100000/min",
                 "DHS_TESTING": "false"})
    full.update(env or {})
    log = log or RESULTS / "gunicorn-load.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "dhs.wsgi:application",
           "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
           "--worker-class", "gthread", "--timeout", "120", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not answer /healthz/")


def start_worker(*, log: Path | None = None) -> subprocess.Popen | None:
    """A Celery worker on the same DATABASE_URL and REDIS_URL (the rescoring that partner
    batches queue runs there, as in production); None in the embedded (eager) mode."""
    if not os.environ.get("REDIS_URL"):
        return None
    log = log or RESULTS / "celery-load.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dhs", "worker", "-l", "info", "-c", "1",
         "-n", f"load-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=dict(os.environ), stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "ready." not in log.read_text():
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: {log.read_text()[-2000:]}")
        time.sleep(0.3)
    return proc


# --- clients ----------------------------------------------------------------------------------
class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: dict[str, list[str]] = defaultdict(list)

    def add(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency[name].append(seconds)
            if not ok:
                self.errors[name] += 1
                if len(self.samples[name]) < 3:
                    self.samples[name].append(detail[:300])


class Session:
    """One keep-alive connection with a cookie jar (sessionid, csrftoken)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        h = {**self.headers, **(headers or {})}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data

    def login(self, username: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"sign-in page: {status}")
        body = urlencode({"username": username, "password": PASSWORD,
                          "csrfmiddlewaretoken": token.group(1).decode()}).encode()
        status, _ = self.request("POST", "/accounts/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}/accounts/login/"})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in of {username} failed: {status}")


class Gate:
    """Every client signs in and makes one untimed warm-up request (first imports, first
    connections of each gunicorn process), then all start the clock together."""

    def __init__(self, parties: int, duration: float) -> None:
        self.duration = duration
        self.started = 0.0
        self.barrier = threading.Barrier(parties, action=self._start, timeout=600)

    def _start(self) -> None:
        self.started = time.monotonic()

    def wait(self) -> float:
        """Block until every client is warm; returns the monotonic stop time."""
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait()
        return (self.started or time.monotonic()) + self.duration


def timed(stats: Stats, name: str, session: Session, method: str, path: str,
          body: bytes | None = None, headers: dict[str, str] | None = None,
          ok_status: tuple[int, ...] = (200,)) -> None:
    started = time.perf_counter()
    try:
        status, data = session.request(method, path, body, headers)
        ok, detail = status in ok_status, f"{status} {data[:200]!r}"
    except Exception as exc:  # a transport error is an error of this request
        ok, detail = False, repr(exc)
    stats.add(name, time.perf_counter() - started, ok, detail)


def caseworker_loop(port: int, username: str, refs: list[str], stats: Stats, gate: Gate,
                    max_requests: int) -> None:
    session = Session(port)
    rng = random.Random(username)
    try:
        session.login(username)
        session.request("GET", "/queue/")
    finally:
        stop = gate.wait()
    for i in range(max_requests):
        if time.monotonic() >= stop:
            return
        if i % 2 == 0:
            timed(stats, "GET /queue/", session, "GET", "/queue/")
        else:
            timed(stats, "GET /households/<ref>/", session, "GET",
                  f"/households/{rng.choice(refs)}/")


def partner_loop(port: int, token: str, stats: Stats, gate: Gate, max_requests: int,
                 batch: int, pause: float, seed: int) -> None:
    session = Session(port, {"Authorization": f"Token {token}",
                             "Content-Type": "application/json"})
    rng = random.Random(seed)
    try:
        session.request("POST", "/api/v1/signals/eviction_filings/", json.dumps({"records": [
            {"case_number": f"WARM-{seed}-{time.time()}", "filing_date": "2026-03-02"}]}
        ).encode())
    finally:
        stop = gate.wait()
    for i in range(max_requests):
        if time.monotonic() >= stop:
            return
        records = [{"case_number": f"LD-{seed}-{i}-{j}", "filing_date": "2026-03-02",
                    "court": "Riverside District Court", "plaintiff": "Oak Apartments LLC",
                    "defendant_name": f"TESTPERSON{rng.randint(0, 99999)}, MARIA",
                    "defendant_address": f"{rng.randint(1, 9999)} Maple Street, Springfield, "
                                         "IL 62701",
                    "hearing_date": "2026-04-01", "amount_claimed": "1500.00"}
                   for j in range(batch)]
        timed(stats, "POST /api/v1/signals/eviction_filings/", session, "POST",
              "/api/v1/signals/eviction_filings/", json.dumps({"records": records}).encode())
        time.sleep(pause)


def constant_loop(port: int, username: str, stats: Stats, gate: Gate,
                  max_requests: int) -> None:
    anon, signed = Session(port), Session(port)
    try:
        signed.login(username)
        anon.request("GET", "/healthz/")
    finally:
        stop = gate.wait()
    for i in range(max_requests):
        if time.monotonic() >= stop:
            return
        if i % 2 == 0:
            timed(stats, "GET /healthz/", anon, "GET", "/healthz/")
        else:
            timed(stats, "GET /healthz/session/", signed, "GET", "/healthz/session/")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(stats: Stats, elapsed: float) -> dict[str, Any]:
    endpoints = {}
    for name, values in sorted(stats.latency.items()):
        endpoints[name] = {
            "requests": len(values), "errors": stats.errors.get(name, 0),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "throughput_rps": round(len(values) / elapsed, 1),
            "error_samples": stats.samples.get(name, [])}
    total = sum(e["requests"] for e in endpoints.values())
    return {"elapsed_s": round(elapsed, 1), "requests": total,
            "errors": sum(e["errors"] for e in endpoints.values()),
            "throughput_rps": round(total / elapsed, 1), "endpoints": endpoints}


def run_load(*, port: int, world: dict[str, Any], clients: int, partners: int, duration: float,
             max_requests: int, batch: int, partner_pause: float) -> dict[str, Any]:
    """Drive the running server; returns the report (no server start/stop here)."""
    stats = Stats()
    users = world["users"]
    gate = Gate(clients + partners + 1, duration)
    threads = [threading.Thread(target=caseworker_loop, args=(
        port, users[i % len(users)], world["refs"], stats, gate, max_requests))
        for i in range(clients)]
    threads += [threading.Thread(target=partner_loop, args=(
        port, world["tokens"][i % len(world["tokens"])], stats, gate, max_requests, batch,
        partner_pause, i)) for i in range(partners)]
    threads.append(threading.Thread(target=constant_loop, args=(
        port, users[0], stats, gate, max_requests)))
    failures: list[str] = []

    def guarded(thread: threading.Thread) -> None:
        try:
            thread.run()
        except Exception as exc:  # a client that could not sign in is an error
            failures.append(repr(exc))

    runners = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in threads]
    for t in runners:
        t.start()
    for t in runners:
        t.join(timeout=duration + 600)
    out = report(stats, time.monotonic() - (gate.started or time.monotonic()))
    out["client_failures"] = failures
    out["errors"] += len(failures)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="caseworker clients")
    parser.add_argument("--partners", type=int, default=5, help="partner clients")
    parser.add_argument("--duration", type=float, default=60, help="seconds")
    parser.add_argument("--max-requests", type=int, default=100000, help="per client")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--caseworkers", type=int, default=10, help="distinct accounts")
    parser.add_argument("--batch", type=int, default=20, help="records per partner batch")
    parser.add_argument("--partner-pause", type=float, default=0.2, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per process")
    parser.add_argument("--port", type=int, default=0, help="0: a free loopback port")
    parser.add_argument("--no-worker", action="store_true",
                        help="do not start a Celery worker (it starts when REDIS_URL is set)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dhs.settings")
    import django

    django.setup()
    world = prepare(caseworkers=args.caseworkers, households=args.households,
                    partners=max(1, args.partners))
    port = args.port or free_port()
    worker = None if args.no_worker else start_worker()
    server = start_gunicorn(port=port, workers=args.workers, threads=args.threads)
    try:
        result = run_load(port=port, world=world, clients=args.clients,
                          partners=args.partners, duration=args.duration,
                          max_requests=args.max_requests, batch=args.batch,
                          partner_pause=args.partner_pause)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    result["config"] = dict(vars(args).items())
    result["config"]["cpus"] = os.cpu_count()
    result["config"]["celery_worker"] = worker is not None
    result["config"]["load_average"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"load-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    for name, e in result["endpoints"].items():
        print(f"{name:42s} {e['requests']:7d} req {e['errors']:4d} err  p50 {e['p50_ms']:7.1f}"
              f"  p95 {e['p95_ms']:7.1f}  p99 {e['p99_ms']:7.1f} ms  {e['throughput_rps']:6.1f}/s")
    print(f"total {result['requests']} requests, {result['errors']} errors, "
          f"{result['throughput_rps']}/s; written to {out}")


if __name__ == "__main__":
    main()
