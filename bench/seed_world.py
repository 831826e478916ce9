"""Seed a large synthetic world (default 1,000,000 households) into PostgreSQL with COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/seed_world.py \
        --households 1000000 --seed 11 [--world /tmp/world-1m] [--fresh]

Generates the world files with cases.synthetic (or reuses --world), then loads offices,
households and people through staging tables and COPY (the caseload import command does the same
validation row by row; at this size COPY is the floor), enrollments and outcomes the same way, and
signals from the feeds with their ground-truth links (risk.services.synthetic_load), so the
benchmarks that follow start from a statewide database. Prints the figures and writes JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, print_machine, timed, write_result


@contextmanager
def bulk_load(cur, *tables: str):
    """Inside a transaction: drop the tables' secondary indexes, skip per-row foreign-key checks,
    and rebuild the indexes at the end (a sorted build beats millions of random inserts).

    Foreign keys are not checked row by row (session_replication_role = replica): every id the
    loaders write comes from a join with the referenced table itself.
    """
    cur.execute("SET LOCAL session_replication_role = replica")
    cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)", [list(tables)])
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        cur.execute(definition)


STAGE_HOUSEHOLDS = """
CREATE TEMP TABLE stage_people (
  household_ref text, person_ref text, first_name text, last_name text, date_of_birth text,
  sex text, relationship text, street text, city text, state text, zip text, phone text,
  monthly_income text, housing text, office_code text, race_ethnicity text)
"""


def load_caseload(world: Path) -> dict[str, int]:
    """COPY households.csv into a staging table, then set-based inserts into the real tables."""
    from django.db import connection, transaction

    from cases.addresses import normalize_address, split_unit
    from cases.services.imports import world_load_reference

    world_load_reference(world_dir=world, parts=("offices",))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(STAGE_HOUSEHOLDS)
        with (world / "households.csv").open("rb") as fh:
            # NULL '\\N': an empty field stays '' (those columns are NOT NULL text).
            cur.copy_expert("COPY stage_people FROM STDIN WITH (FORMAT csv, HEADER true, "
                            "NULL '\\N')", fh)
        # Address keys are computed in Python once per household (normalisation is code, not SQL).
        cur.execute("SELECT DISTINCT ON (household_ref) household_ref, street, zip "
                    "FROM stage_people ORDER BY household_ref")
        rows = cur.fetchall()
        cur.execute("CREATE TEMP TABLE stage_addr (household_ref text, street text, unit text, "
                    "address_key text)")
        import io

        buf = io.StringIO()
        for ref, street, zip_code in rows:
            base, unit = split_unit(street or "")
            key = normalize_address(street or "", "", zip_code or "")
            buf.write("\t".join(x.replace("\t", " ") for x in (ref, base, unit, key)) + "\n")
        buf.seek(0)
        cur.copy_expert("COPY stage_addr FROM STDIN", buf)
        with bulk_load(cur, "cases_household", "cases_person"):
            cur.execute("""
                INSERT INTO cases_household (ref, office_id, street, unit, city, state, zip,
                    address_key, housing, monthly_income, phone, sms_consent, sms_consent_source,
                    created_at, updated_at)
                SELECT DISTINCT ON (s.household_ref) s.household_ref, o.id, a.street, a.unit,
                    s.city, s.state, s.zip, a.address_key, COALESCE(NULLIF(s.housing, ''), 'other'),
                    COALESCE(NULLIF(s.monthly_income, '')::numeric, 0), s.phone,
                    s.phone <> '', CASE WHEN s.phone <> '' THEN 'application form' ELSE '' END,
                    now(), now()
                FROM stage_people s JOIN dhs_office o ON o.code = s.office_code
                JOIN stage_addr a ON a.household_ref = s.household_ref
                ORDER BY s.household_ref
                ON CONFLICT (ref) DO NOTHING""")
            households = cur.rowcount
            cur.execute("""
                INSERT INTO cases_person (ref, household_id, first_name, middle_name, last_name,
                    date_of_birth, sex, relationship, race_ethnicity)
                SELECT s.person_ref, h.id, s.first_name, '', s.last_name,
                    NULLIF(s.date_of_birth, '')::date, s.sex,
                    COALESCE(NULLIF(s.relationship, ''), 'other'),
                    COALESCE(s.race_ethnicity, '')
                FROM stage_people s JOIN cases_household h ON h.ref = s.household_ref
                ON CONFLICT (ref) DO NOTHING""")
            people = cur.rowcount
    return {"households": households, "people": people}


def load_outcomes(world: Path) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE stage_out (household_ref text, event_type text, "
                    "event_date text)")
        with (world / "outcomes.csv").open("rb") as fh:
            cur.copy_expert("COPY stage_out FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
        cur.execute("""
            INSERT INTO cases_crisisevent (household_id, event_type, event_date, source,
                created_at)
            SELECT h.id, s.event_type, s.event_date::date, 'import', now()
            FROM stage_out s JOIN cases_household h ON h.ref = s.household_ref
            ON CONFLICT DO NOTHING""")
        return cur.rowcount


def load_enrollments(world: Path) -> int:
    """enrollments.csv through a staging table (the ORM loader checks row by row)."""
    from django.db import connection, transaction

    path = world / "enrollments.csv"
    if not path.exists():
        return 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE stage_enr (household_ref text, person_ref text, "
                    "program text, start_date text, end_date text, recert_due_date text)")
        with path.open("rb") as fh:
            cur.copy_expert("COPY stage_enr FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
        with bulk_load(cur, "cases_programenrollment"):
            cur.execute("""
                INSERT INTO cases_programenrollment (household_id, person_id, program, start_date,
                    end_date, recert_due_date)
                SELECT h.id, p.id, lower(s.program), s.start_date::date,
                    NULLIF(s.end_date, '')::date, NULLIF(s.recert_due_date, '')::date
                FROM stage_enr s JOIN cases_household h ON h.ref = s.household_ref
                LEFT JOIN cases_person p ON p.ref = s.person_ref
                WHERE s.start_date <> ''
                ON CONFLICT DO NOTHING""")
            created = cur.rowcount
        return created


# --- signals: the feeds parsed by INGESTION's adapters in parallel, linked by the truth file ----
_REFS: dict[str, dict[str, int]] = {}  # set before the pool forks; read by the workers


def _truth_rows(world: Path, source: str):
    """(line, household_ref, person_ref, ok) of one source, in line order (the file's order)."""
    import csv

    with (world / "truth" / "links.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["source"] != source:
                continue
            ok = (r.get("malformed", "").lower() not in {"1", "true", "yes"}
                  and not r.get("duplicate_of_line", "").strip())
            yield int(r["line"]), r.get("household_ref", ""), r.get("person_ref", ""), ok


def _signals_csv(args: tuple[str, str, str]) -> tuple[str, int]:
    """Parse one feed file into a COPY-ready CSV of risk_signal rows; returns (path, rows)."""
    import csv
    import datetime as dt
    import json

    from django.utils import timezone

    from risk.services.synthetic_load import _parse

    world, source, out = Path(args[0]), args[1], args[2]
    households, people = _REFS["households"], _REFS["people"]
    tz = timezone.get_current_timezone()
    nine = dt.time(9, 0)
    truth = _truth_rows(world, source)
    link = next(truth, None)
    written = 0
    with (world / "feeds" / f"{source}.csv").open(newline="", encoding="utf-8") as fh, \
            open(out, "w", newline="") as sink:
        writer = csv.writer(sink)
        for index, row in enumerate(csv.DictReader(fh)):
            line = index + 2  # the header is line 1
            while link is not None and link[0] < line:
                link = next(truth, None)
            if link is None or link[0] != line or not link[3]:
                continue
            household_id = households.get(link[1])
            if household_id is None:
                continue
            signal = _parse(source, row, line)
            if not signal or not signal.get("occurred_on"):
                continue
            occurred = signal["occurred_on"]
            deadline, amount, value = (signal.get("deadline"), signal.get("amount"),
                                       signal.get("value"))
            writer.writerow((
                household_id, people.get(link[2], ""), source, signal["kind"], occurred,
                "" if deadline is None else deadline,
                dt.datetime.combine(occurred, nine, tzinfo=tz).isoformat(),
                "" if amount is None else amount, "" if value is None else value,
                json.dumps(signal.get("details") or {}, default=str)))
            written += 1
    return out, written


def load_signals(world: Path, *, processes: int = 2) -> int:
    """Every clean, linked feed row as a Signal: adapters in `processes` processes, then COPY.

    The secondary indexes of risk_signal are dropped for the load and rebuilt after (a sorted
    index build beats millions of random inserts), and foreign keys are not checked row by row
    (session_replication_role = replica): the ids come from the tables themselves.
    """
    import multiprocessing as mp
    import tempfile

    from django.db import connection, transaction

    from cases.models import Household, Person

    _REFS["households"] = dict(Household.objects.values_list("ref", "id").iterator(50_000))
    _REFS["people"] = dict(Person.objects.values_list("ref", "id").iterator(50_000))
    sources = sorted(p.stem for p in (world / "feeds").glob("*.csv"))
    tmp = Path(tempfile.mkdtemp(prefix="seed-signals-", dir="/tmp"))
    jobs = [(str(world), s, str(tmp / f"{s}.csv")) for s in sources]
    if processes > 1:
        connection.close()  # no connection may cross the fork
        with mp.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_signals_csv, jobs, chunksize=1)
    else:
        parts = [_signals_csv(j) for j in jobs]
    _REFS.clear()
    total = 0
    with transaction.atomic(), connection.cursor() as cur, bulk_load(cur, "risk_signal"):
        for path, rows in parts:
            with open(path, "rb") as fh:
                cur.copy_expert(
                    "COPY risk_signal (household_id, person_id, source, kind, occurred_on, "
                    "deadline, known_at, amount, value, details) FROM STDIN "
                    "WITH (FORMAT csv, NULL '')", fh)
            total += rows
    for path, _ in parts:
        Path(path).unlink(missing_ok=True)
    tmp.rmdir()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30))
    parser.add_argument("--world", type=Path, default=None,
                        help="Folder of generated files (generated when missing).")
    parser.add_argument("--processes", type=int, default=2,
                        help="Processes that parse the feeds (default 2).")
    parser.add_argument("--fresh", action="store_true",
                        help="Empty the case, signal, score and model tables first.")
    args = parser.parse_args()
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from alerts.demo import feed_partners_ensure
    from cases.synthetic import generate_world

    print_machine()
    world = args.world or Path("/tmp") / f"world-{args.seed}-{args.households}"
    figures: dict[str, float] = {}
    call_command("migrate", verbosity=0)
    if args.fresh:
        with timed("truncate", figures), connection.cursor() as cur:
            cur.execute("TRUNCATE cases_household, cases_person, cases_crisisevent, "
                        "cases_programenrollment, cases_officevisit, risk_signal, risk_rawrecord, "
                        "risk_feedbatch, risk_householdscore, risk_currentscore, risk_scorerun, "
                        "alerts_workitem, alerts_flag, risk_modelversion CASCADE")
    if not (world / "households.csv").exists():
        with timed("generate", figures):
            summary = generate_world(out_dir=world, households=args.households, seed=args.seed,
                                     end=args.end)
        print(f"  generated: {summary}")
    with timed("load_caseload", figures):
        counts = load_caseload(world)
    with timed("load_outcomes", figures):
        counts["outcomes"] = load_outcomes(world)
    with timed("load_enrollments_visits", figures):
        from cases.services.imports import world_load_reference

        counts["enrollments"] = load_enrollments(world)
        counts.update(world_load_reference(world_dir=world, parts=("visits",)))
    feed_partners_ensure(today=args.end)
    from alerts.services.catalogue import catalogue_load

    catalogue_load()  # flag rules and interventions: the queue needs them
    with timed("load_signals", figures):
        counts["signals"] = load_signals(world, processes=args.processes)
    with timed("analyze", figures), connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"loaded: {counts}")
    write_result("seed_world", {"households_requested": args.households, "seed": args.seed,
                                "counts": counts, "seconds": figures})


if __name__ == "__main__":
    main()
