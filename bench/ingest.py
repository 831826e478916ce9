"""Benchmark: ingestion + record linkage of one feed file against a statewide caseload.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/ingest.py \
        --people 1000000 --rows 100000 [--seed 11] [--processes N] [--stub-linkage]

Builds the world with bench/seed_world.py when the database holds fewer people than asked
(about 2.5 people a household), or reuses it. Then writes a feed of --rows rows drawn from the
caseload with the dirt real feeds have (typos, nicknames-free name order swaps, people who are
not on the caseload, repeated rows, malformed rows), ingests it through the same service as
`ingest_signals` (risk.services.ingestion.ingest_file) and prints rows per second end to end,
the share spent in linkage, the outcome counts and the machine. Writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, django_setup, print_machine, timed, write_result

PEOPLE_PER_HOUSEHOLD = 2.5
TARGET_ROWS_PER_SECOND = 5000


def ensure_world(*, people: int, seed: int) -> int:
    """Seed the caseload when it is too small; returns the number of people."""
    from cases.models import Person

    have = Person.objects.count()
    if have >= people * 0.9:
        print(f"reusing the caseload in the database: {have:,} people")
        return have
    households = max(1, int(people / PEOPLE_PER_HOUSEHOLD))
    print(f"seeding {households:,} households (~{people:,} people) with bench/seed_world.py")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "seed_world.py"),
                           "--households", str(households), "--seed", str(seed)], check=False)
    if done.returncode != 0 or not Person.objects.exists():
        # Fall back to the ordinary caseload import (slower than COPY, same result).
        import datetime as dt

        from cases.services.imports import household_import, world_load_reference
        from cases.synthetic import generate_world

        world = Path("/tmp") / f"world-{seed}-{households}"
        if not (world / "households.csv").exists():
            generate_world(out_dir=world, households=households, seed=seed,
                           end=dt.date(2026, 11, 30))
        print("seed_world.py failed; importing the caseload with household_import")
        world_load_reference(world_dir=world, parts=("offices",))
        household_import(path=world / "households.csv", progress=False)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return Person.objects.count()


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def write_feed(*, path: Path, rows: int, seed: int, tag: str) -> dict[str, int]:
    """An eviction feed drawn from the caseload, with dirt; returns how it was made."""
    from django.db import connection

    rng = random.Random(seed)
    wanted = int(rows * 1.1)
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases_person'")
        total = max(1, cur.fetchone()[0])
        pct = min(100.0, 100.0 * wanted * 1.5 / total)
        cur.execute(
            "SELECT p.first_name, p.last_name, h.street, h.unit, h.city, h.state, h.zip "
            f"FROM cases_person p TABLESAMPLE SYSTEM ({pct:.4f}) "
            "JOIN cases_household h ON h.id = p.household_id LIMIT %s", [wanted])
        people = cur.fetchall()
    rng.shuffle(people)
    made = {"clean": 0, "typo": 0, "not_on_caseload": 0, "repeated": 0, "malformed": 0}
    written: list[list[str]] = []
    header = ["case_number", "filing_date", "court", "plaintiff", "defendant_name",
              "defendant_address", "hearing_date", "amount_claimed"]
    for i in range(rows):
        roll = rng.random()
        if roll < 0.03 and written:
            written.append(list(rng.choice(written)))
            made["repeated"] += 1
            continue
        first, last, street, unit, city, state, zip_code = people[i % len(people)]
        kind = "clean"
        if roll < 0.13:
            first, kind = _typo(first, rng), "typo"
        elif roll < 0.20:
            last, kind = f"Outsider{rng.randrange(10**6)}", "not_on_caseload"
        unit_part = f" Apt {unit}" if unit else ""
        row = [f"{tag}-{i:07d}", f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
               "County District Court", "Example Properties LLC",
               f"{last.upper()}, {first.upper()}",
               f"{street}{unit_part}, {city}, {state} {zip_code}", "",
               f"{rng.randint(300, 6000)}.00"]
        if roll > 0.98:
            row[1], kind = "2026-13-45", "malformed"
        made[kind] += 1
        written.append(row)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(written)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=None,
                        help="Processes that parse and link chunks (default: the "
                             "INGEST_PROCESSES setting; 1 = one process, pipelined writes).")
    parser.add_argument("--stub-linkage", action="store_true",
                        help="Replace linkage by an instant 'unlinked' answer to measure "
                             "ingestion alone.")
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    import risk.linkage
    from dhs.models import DataSharingAgreement, PartnerAgency
    from risk.services import ingestion

    print_machine()
    if args.processes is not None:
        settings.INGEST_PROCESSES = args.processes
    processes = settings.INGEST_PROCESSES
    figures: dict[str, float] = {}
    call_command("migrate", verbosity=0)
    people = ensure_world(people=args.people, seed=args.seed)
    from django.db import connection

    with connection.cursor() as cur:
        # Fresh statistics, as autovacuum keeps them in a maintained database (it is off on
        # some benchmark machines): feed tables that grew since the last ANALYZE got plans
        # made for empty tables (docs/benchmarks.md).
        cur.execute("ANALYZE risk_rawrecord, risk_signal, risk_feedbatch")
    partner, _ = PartnerAgency.objects.get_or_create(
        code="bench-court", defaults={"name": "Benchmark court", "kind": "court"})
    if not any(a.covers("eviction_filings")
               for a in partner.agreements.active_on()):
        today = timezone.localdate()
        DataSharingAgreement.objects.create(
            partner=partner, reference=f"DSA-BENCH-{int(time.time())}",
            sources=["eviction_filings"], purpose="early warning of household crisis",
            effective_date=today, expiry_date=today.replace(year=today.year + 1))
    tag = f"BENCH{int(time.time())}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "evictions.csv"
        with timed("write_feed", figures):
            made = write_feed(path=path, rows=args.rows, seed=args.seed, tag=tag)
        real_link = risk.linkage.link_records
        if args.stub_linkage:
            from risk.services.ingestion import KnownLink

            def real_link(*, source: str, people: list, **_: object) -> list:
                return [KnownLink(person_id=None, household_id=None, status="unlinked",
                                  probability=0.0, reason="stub") for _ in people]
        link_seconds = [0.0]

        def timed_link(**kwargs):
            start = time.perf_counter()
            try:
                return real_link(**kwargs)
            finally:
                link_seconds[0] += time.perf_counter() - start

        risk.linkage.link_records = timed_link
        # Rescoring and flag refresh run on workers in full mode; here (eager tasks) they would
        # run inline and be counted as ingestion, so the hook only counts its calls.
        hook_calls = [0, 0]
        real_hook = ingestion.households_signals_changed

        def counting_hook(*, household_ids: list[int]) -> None:
            hook_calls[0] += 1
            hook_calls[1] += len(household_ids)

        ingestion.households_signals_changed = counting_hook
        try:
            cpu = time.process_time()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            with timed("ingest", figures):
                batch = ingestion.ingest_file(source="eviction_filings", path=path,
                                              partner=partner, chunk_size=args.chunk)
        finally:
            del risk.linkage.link_records
            ingestion.households_signals_changed = real_hook
    figures["ingest_cpu_this_process"] = round(time.process_time() - cpu, 3)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["ingest_cpu_child_processes"] = round(
        after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, 3)
    seconds = figures["ingest"]
    rate = batch.rows_read / seconds if seconds else 0.0
    counts = {"rows_read": batch.rows_read, "new": batch.new, "duplicate": batch.duplicate,
              "linked": batch.linked, "review": batch.review, "unlinked": batch.unlinked,
              "rejected": batch.rejected}
    verdict = "met" if rate >= TARGET_ROWS_PER_SECOND else "NOT met"
    print(f"people {people:,}; feed {args.rows:,} rows ({made})")
    print(ingestion.batch_summary(batch))
    print(f"rescoring hook: {hook_calls[0]} calls for {hook_calls[1]:,} households "
          "(queued to workers in full mode; not timed here)")
    if processes > 1 and batch.rows_read > args.chunk:
        where = (f"parse + link in {processes} processes, "
                 f"{figures['ingest_cpu_child_processes']:.1f} s of their CPU")
    else:
        where = (f"linkage {link_seconds[0]:.1f} s = "
                 f"{100 * link_seconds[0] / max(seconds, 1e-9):.0f} %")
    print(f"ingestion + linkage: {rate:,.0f} rows/s end to end ({seconds:.1f} s; {where}); "
          f"target {TARGET_ROWS_PER_SECOND:,} rows/s: {verdict}")
    print(f"CPU of this process during ingest: {figures['ingest_cpu_this_process']:.1f} s; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    write_result("ingest", {"people": people, "rows": args.rows, "chunk": args.chunk,
                            "processes": processes,
                            "stub_linkage": args.stub_linkage,
                            "load_average": os.getloadavg()[0],
                            "feed": made, "counts": counts, "seconds": figures,
                            "linkage_seconds": round(link_seconds[0], 3),
                            "rescoring_hook": {"calls": hook_calls[0],
                                               "households": hook_calls[1]},
                            "rows_per_second": round(rate, 1)})


if __name__ == "__main__":
    main()
