"""Record linkage on its own: accuracy against a world's truth, and rows per second at scale.

    # accuracy of link_records (adapters + linkage, no ingestion) on a generated world
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linkage \
        .venv/bin/python bench/linkage.py accuracy --households 3000 --seed 11

    # speed: bulk-load N synthetic people (COPY), then link a feed in batches and one by one
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linkage \
        .venv/bin/python bench/linkage.py speed --households 400000 --seed 5 --rows 100000

Both start by emptying the caseload tables of that database (never point it at real data).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, print_machine, write_result

SOURCES = ("eviction_filings", "jail_bookings", "school_attendance", "utility_shutoffs")
END = dt.date(2026, 6, 30)


def generate(households: int, seed: int, out: Path | None = None) -> Path:
    from cases.synthetic import generate_world

    out = out or Path(tempfile.mkdtemp(prefix=f"linkage-{households}-{seed}-"))
    if not (out / "households.csv").exists():
        generate_world(out_dir=out, households=households, seed=seed, end=END)
    return out


def reset_caseload() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE cases_household, cases_person, risk_knownidentifier, "
                        "risk_rawrecord, risk_signal, risk_linkreview CASCADE")
        else:  # pragma: no cover - SQLite in tests uses its own database
            for table in ("risk_linkreview", "risk_signal", "risk_rawrecord",
                          "risk_knownidentifier", "cases_person", "cases_household"):
                cur.execute(f"DELETE FROM {table}")


def load_caseload(world: Path) -> dict[str, int]:
    """households.csv into cases_household/cases_person with COPY (address keys in Python)."""
    from django.db import connection, transaction

    from cases.addresses import normalize_address, split_unit
    from cases.services.imports import world_load_reference
    from dhs.models import Office

    world_load_reference(world_dir=world, parts=("offices",))
    offices = dict(Office.objects.values_list("code", "id"))
    hh_buf, p_buf = io.StringIO(), io.StringIO()
    seen: dict[str, int] = {}
    people = 0
    now = dt.datetime.now(dt.UTC).isoformat()

    def clean(value: str) -> str:
        return (value or "").replace("\t", " ").replace("\n", " ").replace("\\", "")

    with (world / "households.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ref = row["household_ref"]
            if ref not in seen:
                seen[ref] = len(seen) + 1
                base, unit = split_unit(row["street"])
                key = normalize_address(row["street"], "", row["zip"])
                hh_buf.write("\t".join(clean(x) for x in (
                    str(seen[ref]), ref, str(offices[row["office_code"]]), base, unit,
                    row["city"], row["state"], row["zip"], key, "other", "0", "", "f", "", now,
                    now)) + "\n")
            people += 1
            p_buf.write("\t".join(clean(x) for x in (
                str(people), row["person_ref"], str(seen[ref]), row["first_name"], "",
                row["last_name"], row["date_of_birth"] or "\\N", row.get("sex", "")[:1],
                row["relationship"] or "other", "")) + "\n")
    hh_buf.seek(0)
    p_buf.seek(0)
    with transaction.atomic(), connection.cursor() as cur:
        cur.copy_expert(
            "COPY cases_household (id, ref, office_id, street, unit, city, state, zip, "
            "address_key, housing, monthly_income, phone, sms_consent, sms_consent_source, "
            "created_at, updated_at) FROM STDIN", hh_buf)
        cur.copy_expert(
            "COPY cases_person (id, ref, household_id, first_name, middle_name, last_name, "
            "date_of_birth, sex, relationship, race_ethnicity) FROM STDIN", p_buf)
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_household', 'id'), "
                    "(SELECT max(id) FROM cases_household))")
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_person', 'id'), "
                    "(SELECT max(id) FROM cases_person))")
        cur.execute("ANALYZE cases_household")
        cur.execute("ANALYZE cases_person")
    return {"households": len(seen), "people": people}


def parsed_feed(world: Path, source: str, limit: int | None = None) -> list[tuple[int, Any]]:
    """(line, ParsedRecord) of the feed's good rows (the first `limit` rows read)."""
    from risk.sources import ParsedRecord, get_adapter

    adapter = get_adapter(source)
    out = []
    with (world / "feeds" / f"{source}.csv").open(newline="", encoding="utf-8",
                                                  errors="replace") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            if limit is not None and line > limit + 1:
                break
            parsed = adapter.parse(row, line=line)
            if isinstance(parsed, ParsedRecord):
                out.append((line, parsed))
    return out


def truth(world: Path) -> dict[tuple[str, int], dict[str, str]]:
    with (world / "truth" / "links.csv").open(newline="", encoding="utf-8") as fh:
        return {(r["source"], int(r["line"])): r for r in csv.DictReader(fh)}


def score(rows: list[tuple[dict[str, str], str, str | None]]) -> dict[str, Any]:
    """rows: (truth row, status, linked person_ref). Non-malformed, non-duplicate rows only."""
    links = correct = expected = review = 0
    for t, status, ref in rows:
        if t["malformed"] == "1" or t["duplicate_of_line"]:
            continue
        if t["person_ref"]:
            expected += 1
        if status == "review":
            review += 1
        if status == "linked":
            links += 1
            correct += ref == t["person_ref"]
    return {"rows": sum(1 for t, _, _ in rows if t["malformed"] != "1"
                        and not t["duplicate_of_line"]),
            "in_caseload": expected, "linked": links, "correct": correct, "review": review,
            "precision": round(correct / links, 4) if links else 1.0,
            "recall": round(correct / expected, 4) if expected else 1.0}


def accuracy(world: Path, *, show_errors: int = 0, limit: int | None = None
             ) -> dict[str, dict[str, Any]]:
    """link_records over each feed of a loaded world, scored against truth/links.csv."""
    from cases.models import Person
    from risk.linkage import link_records

    refs = dict(Person.objects.values_list("id", "ref"))
    want = truth(world)
    report = {}
    for source in SOURCES:
        records = parsed_feed(world, source, limit)
        started = time.perf_counter()
        outcomes = []
        for start in range(0, len(records), 5000):
            chunk = records[start:start + 5000]
            outcomes += link_records(source=source, people=[p.person for _, p in chunk])
        seconds = time.perf_counter() - started
        rows = []
        errors: dict[str, list] = defaultdict(list)
        for (line, parsed), out in zip(records, outcomes):
            t = want[(source, line)]
            ref = refs.get(out.person_id) if out.person_id else None
            rows.append((t, out.status, ref))
            if t["malformed"] == "1" or t["duplicate_of_line"]:
                continue
            kind = ("false link" if out.status == "linked" and ref != t["person_ref"] else
                    "missed" if t["person_ref"] and out.status != "linked" else "")
            if kind:
                errors[kind].append((parsed.person, t["person_ref"], ref, out.status,
                                     out.reason))
        report[source] = {**score(rows), "seconds": round(seconds, 2),
                          "rows_per_second": round(len(records) / seconds)}
        print(source, report[source], flush=True)
        for kind, items in errors.items():
            for item in items[:show_errors]:
                print(f"   {kind}: {item}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("accuracy", "speed"))
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--world", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--show-errors", type=int, default=0)
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded caseload")
    args = parser.parse_args()
    django_setup(require_postgres=True)
    print_machine()
    world = generate(args.households, args.seed, args.world)
    if not args.no_load:
        reset_caseload()
        started = time.perf_counter()
        counts = load_caseload(world)
        print(f"loaded {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    if args.mode == "accuracy":
        report = accuracy(world, show_errors=args.show_errors, limit=args.rows)
        write_result("linkage-accuracy", {"households": args.households, "seed": args.seed,
                                          "sources": report})
    else:
        write_result("linkage-speed", speed(world, rows=args.rows))


def speed(world: Path, *, rows: int) -> dict[str, Any]:
    """Batches of 5,000 and single pushed records, per source."""
    from risk.linkage import link_records

    out: dict[str, Any] = {}
    for source in SOURCES:
        records = [p.person for _, p in parsed_feed(world, source, rows)]
        if not records:
            continue
        batch = (records * (rows // len(records) + 1))[:rows]
        link_records(source=source, people=batch[:50])  # warm the model and connections
        started, cpu = time.perf_counter(), time.process_time()
        statuses: Counter = Counter()
        for start in range(0, len(batch), 5000):
            statuses.update(o.status for o in link_records(
                source=source, people=batch[start:start + 5000]))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        singles = []
        for person in records[:200]:
            t0 = time.perf_counter()
            link_records(source=source, people=[person])
            singles.append(time.perf_counter() - t0)
        singles.sort()
        out[source] = {"rows": len(batch), "seconds": round(seconds, 2),
                       "python_cpu_seconds": round(cpu, 2),
                       "rows_per_second": round(len(batch) / seconds),
                       "single_p50_ms": round(singles[len(singles) // 2] * 1000, 1),
                       "single_p99_ms": round(singles[int(len(singles) * 0.99)] * 1000, 1),
                       "statuses": dict(statuses)}
        print(source, out[source], flush=True)
    return out


if __name__ == "__main__":
    main()
