"""Benchmark: queue page, household page and partner API under 50 concurrent clients, each next
to the constant signed-in view on the same server (the floor).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/pages.py \
        [--clients 50] [--duration 60] [--office CODE] [--mixed]

Uses TRUST's bench/load.py for the server (gunicorn on 127.0.0.1 only, production settings but
plain HTTP), the keep-alive sessions that sign in through the real sign-in page, the statistics
and the report. What this script adds: it runs against a real office of the loaded world (the
office with the most open work items, so the queue page pages through a statewide-sized queue,
not a benchmark office), and it runs one phase per endpoint, all clients on that endpoint, so
each page's throughput stands next to the constant view's throughput measured the same way:
  floor      GET /healthz/session/ (middleware + session + user lookup, no query of its own)
  queue      GET /queue/
  household  GET /households/<ref>/ (refs of the office's queued households)
  partner    POST /api/v1/signals/eviction_filings/ (one filing each, linked against everyone)
--think S gives each client a pause of about S seconds between requests (people read the page);
the default 0 is a closed loop, where latency is bounded below by clients / throughput.
--mixed adds TRUST's mixed run (caseworkers alternating pages, partners, constant client).
Targets: queue page p95 <= 150 ms and queue throughput >= 0.2 x the floor's.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, print_machine, write_result

TARGET_QUEUE_P95_MS = 150.0
TARGET_THROUGHPUT_SHARE = 0.2


def prepare(*, office_code: str | None, caseworkers: int, households: int) -> dict[str, Any]:
    """Caseworkers of the busiest office (or the named one), its queued refs, a partner token."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    from alerts.demo import feed_partners_ensure
    from alerts.models import WorkItem
    from bench.load import PASSWORD
    from dhs.models import Office, PartnerToken
    from tests.factories import make_staff

    if office_code:
        office = Office.objects.get(code=office_code)
    else:
        office = (Office.objects.exclude(code__startswith="BENCH")
                  .annotate(open=Count("work_items", filter=~Q(work_items__status="closed")))
                  .order_by("-open", "id").first())
    if office is None:
        raise SystemExit("no office: run bench/seed_world.py first")
    open_items = WorkItem.objects.filter(office=office).exclude(status="closed")
    refs = list(open_items.order_by("-priority").values_list("household__ref", flat=True)
                [:households])
    if not refs:
        from cases.models import Household

        refs = list(Household.objects.filter(office=office).values_list("ref", flat=True)
                    [:households])
    users, user_model = [], get_user_model()
    for i in range(caseworkers):
        name = f"bench_pg_{office.code.lower()}_{i:03d}"
        if not user_model.objects.filter(username=name).exists():
            make_staff(name, role="caseworker", office=office, password=PASSWORD)
        users.append(name)
    partner = feed_partners_ensure()["eviction_filings"]
    _, token = PartnerToken.issue(partner=partner, days=1)
    return {"office": office.code, "open_items": open_items.count(), "users": users,
            "refs": refs, "token": token}


def _phase(port: int, name: str, world: dict[str, Any], clients: int, duration: float,
           max_requests: int, think: float = 0.0) -> dict[str, Any]:
    """All clients on one endpoint for `duration` seconds; load.py's report of that phase."""
    from bench import load

    stats = load.Stats()
    sessions: list[load.Session] = []
    for i in range(clients):  # sign in before the clock starts
        if name == "partner":
            sessions.append(load.Session(port, {"Authorization": f"Token {world['token']}",
                                                "Content-Type": "application/json"}))
        else:
            s = load.Session(port)
            s.login(world["users"][i % len(world["users"])])
            sessions.append(s)
    stop = time.monotonic() + duration

    def client(i: int, session: load.Session) -> None:
        rng = random.Random(i)
        for n in range(max_requests):
            if think:  # a person reads the page before the next click: uniform 0.5-1.5 x think
                time.sleep(think * (0.5 + rng.random()))
            if time.monotonic() >= stop:
                return
            if name == "floor":
                load.timed(stats, "GET /healthz/session/", session, "GET", "/healthz/session/")
            elif name == "queue":
                load.timed(stats, "GET /queue/", session, "GET", "/queue/")
            elif name == "household":
                load.timed(stats, "GET /households/<ref>/", session, "GET",
                           f"/households/{rng.choice(world['refs'])}/")
            else:
                record = {"case_number": f"PG-{world['tag']}-{i}-{n}",
                          "filing_date": "2026-11-20", "court": "County District Court",
                          "plaintiff": "Benchmark Apartments LLC",
                          "defendant_name": f"BENCHPAGES{rng.randint(0, 99999)}, MARIA",
                          "defendant_address": f"{rng.randint(1, 9999)} Maple Street, "
                                               "Springfield, IL 62701",
                          "hearing_date": "2026-12-20", "amount_claimed": "1500.00"}
                load.timed(stats, "POST /api/v1/signals/eviction_filings/", session, "POST",
                           "/api/v1/signals/eviction_filings/",
                           json.dumps({"records": [record]}).encode())

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i, s), daemon=True)
               for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 120)
    report = load.report(stats, time.monotonic() - started)
    (endpoint,) = report["endpoints"].values() or [{}]
    return endpoint


def run(*, clients: int = 50, duration: float = 60.0, office: str | None = None,
        phases: tuple[str, ...] = ("floor", "queue", "household", "partner"),
        mixed: bool = False, gunicorn_workers: int = 4, threads: int = 8,
        max_requests: int = 100_000, think: float = 0.0) -> dict[str, Any]:
    """Start gunicorn, run the phases, stop it; returns the figures (the smoke test calls this)."""
    from bench import load
    from bench.workers import load_average
    from cases.models import Household

    world = prepare(office_code=office, caseworkers=min(clients, 10), households=2000)
    world["tag"] = f"{int(time.time()) % 100000}"
    port = load.free_port()
    server = load.start_gunicorn(port=port, workers=gunicorn_workers, threads=threads,
                                 log=Path("/tmp") / f"bench-pages-gunicorn-{port}.log")
    result: dict[str, Any] = {"households": Household.objects.count(), "office": world["office"],
                              "office_open_items": world["open_items"], "clients": clients,
                              "duration_s": duration, "think_s": think,
                              "gunicorn": f"{gunicorn_workers} x {threads} threads",
                              "phases": {}}
    try:
        for name in phases:
            load_before = load_average()
            figures = _phase(port, name, world, clients, duration, max_requests, think)
            figures["load_average"] = [load_before, load_average()]
            if not figures.get("errors"):
                figures.pop("error_samples", None)
            result["phases"][name] = figures
            print(f"  {name:9s} {figures.get('requests', 0):6d} req {figures.get('errors', 0):4d}"
                  f" err  p50 {figures.get('p50_ms', 0):7.1f}  p95 {figures.get('p95_ms', 0):7.1f}"
                  f" ms  {figures.get('throughput_rps', 0):6.1f}/s  load {load_average()}",
                  flush=True)
        if mixed:
            mixed_world = {"users": world["users"], "refs": world["refs"],
                           "tokens": [world["token"]]}
            result["mixed"] = load.run_load(port=port, world=mixed_world, clients=clients,
                                            partners=5, duration=duration,
                                            max_requests=max_requests, batch=20,
                                            partner_pause=0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = result["phases"].get("floor", {}).get("throughput_rps")
    for name, figures in result["phases"].items():
        if floor and name != "floor":
            figures["share_of_floor"] = round(figures.get("throughput_rps", 0) / floor, 3)
    queue = result["phases"].get("queue")
    if queue:
        result["queue_target"] = {
            "p95_ms": queue.get("p95_ms"), "p95_target_ms": TARGET_QUEUE_P95_MS,
            "share_of_floor": queue.get("share_of_floor"),
            "share_target": TARGET_THROUGHPUT_SHARE,
            "met": bool(queue.get("p95_ms", 1e9) <= TARGET_QUEUE_P95_MS
                        and (queue.get("share_of_floor") or 0) >= TARGET_THROUGHPUT_SHARE
                        and not queue.get("errors"))}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--office", default=None, help="office code (default: the busiest)")
    parser.add_argument("--phases", default="floor,queue,household,partner")
    parser.add_argument("--mixed", action="store_true", help="also TRUST's mixed run")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a client waits between requests (default 0: "
                             "closed loop, every client always has a request in flight)")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    django_setup()
    print_machine()
    result = run(clients=args.clients, duration=args.duration, office=args.office,
                 phases=tuple(p for p in args.phases.split(",") if p), mixed=args.mixed,
                 gunicorn_workers=args.gunicorn_workers, threads=args.threads, think=args.think)
    target = result.get("queue_target")
    if target:
        print(f"queue page p95 {target['p95_ms']} ms (target <= {TARGET_QUEUE_P95_MS:.0f}), "
              f"throughput {target['share_of_floor']} x the floor (target >= "
              f"{TARGET_THROUGHPUT_SHARE}): {'met' if target['met'] else 'NOT met'}")
    write_result("pages", result)


if __name__ == "__main__":
    main()
