"""Bulk imports of the legacy caseload, past crisis events and a generated world's reference data.

Imports are idempotent on the refs (a second run of the same file writes nothing), batched
(COPY on PostgreSQL, bulk_create elsewhere; bulk_update in batches of 5,000), and never stop
on a bad row: each is reported with its line number and a reason a person can act on.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dhs.exceptions import ApplicationError
from dhs.iterables import chunked
from dhs.models import Office

from ..addresses import normalize_address, split_unit
from ..models import (
    EVENT_TYPES,
    HOUSING,
    PROGRAMS,
    RELATIONSHIPS,
    CrisisEvent,
    Household,
    OfficeVisit,
    Person,
    ProgramEnrollment,
)
from .bulk import bulk_insert
from .readers import RawRow, count_lines, read_rows

BATCH_SIZE = 5000
CHUNK_ROWS = 50_000  # rows validated and written together; bounds memory on huge files
PROGRESS_MIN_ROWS = 10_000
MAX_ERRORS_KEPT = 10_000

HOUSEHOLD_COLUMNS = ("household_ref", "person_ref", "first_name", "last_name", "date_of_birth",
                     "sex", "relationship", "street", "city", "state", "zip", "phone",
                     "monthly_income", "housing", "office_code")
HOUSEHOLD_OPTIONAL = ("race_ethnicity", "middle_name", "unit")
OUTCOME_COLUMNS = ("household_ref", "event_type", "event_date")

_RELATIONSHIPS = {k for k, _ in RELATIONSHIPS}
_HOUSING = {k for k, _ in HOUSING}
_EVENT_TYPES = {k for k, _ in EVENT_TYPES}
_PROGRAMS = {k for k, _ in PROGRAMS}
_SERVICE_TYPES = {k for k, _ in OfficeVisit.SERVICE_TYPES}
_SEX = {"m": "M", "male": "M", "f": "F", "female": "F", "x": "X", "u": "U", "unknown": "U",
        "": ""}
_ZIP_RE = re.compile(r"^\d{5}(?:-?\d{4})?$")
_REF_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,32}$")

HOUSEHOLD_FIELDS = ("office_id", "street", "unit", "city", "state", "zip", "address_key",
                    "housing", "monthly_income", "phone")
PERSON_FIELDS = ("household_id", "first_name", "middle_name", "last_name", "date_of_birth",
                 "sex", "relationship", "race_ethnicity")


@dataclass
class ImportReport:
    """What an import did; `errors` holds (line, reason) of every rejected row (first 10,000)."""

    read: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    details: dict[str, int] = field(default_factory=dict)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append((line, reason))

    @property
    def summary(self) -> str:
        return (f"read {self.read}, created {self.created}, updated {self.updated}, "
                f"rejected {self.rejected}")


_address_key = lru_cache(maxsize=1 << 16)(normalize_address)  # members repeat the address


class RowError(ValueError):
    """A row-level validation failure; its message is the reason shown to the operator."""


# --- field parsers ---------------------------------------------------------------------------
def parse_date(value: str, name: str, *, required: bool = False, allow_future: bool = False,
               today: dt.date | None = None) -> dt.date | None:
    """YYYY-MM-DD only: a legacy export with day/month order guessed wrong is worse than none."""
    if not value:
        if required:
            raise RowError(f"{name} is missing")
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from None
    if len(value) != 10:
        raise RowError(f"{name} {value!r} is not a date (use YYYY-MM-DD)")
    if not allow_future and day > (today or timezone.localdate()):
        raise RowError(f"{name} {value!r} is in the future")
    if day.year < 1900:
        raise RowError(f"{name} {value!r} is before 1900")
    return day


def parse_money(value: str, name: str) -> Decimal:
    cleaned = value.replace("$", "").replace(",", "").strip()
    if not cleaned:
        return Decimal("0")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise RowError(f"{name} {value!r} is not a number") from None
    if not amount.is_finite():
        raise RowError(f"{name} {value!r} is not a number")
    if amount < 0:
        raise RowError(f"{name} {value!r} is negative")
    if amount >= Decimal("100000000"):
        raise RowError(f"{name} {value!r} is too large")
    return amount.quantize(Decimal("0.01"))


def _ref(values: dict[str, str], name: str) -> str:
    ref = values.get(name, "")
    if not ref:
        raise RowError(f"{name} is missing")
    if not _REF_RE.match(ref):
        raise RowError(f"{name} {ref!r} is not a valid ref (letters, digits, - _ . : ; "
                       f"at most 32 characters)")
    return ref


def _text(values: dict[str, str], name: str, max_length: int, *, required: bool = False) -> str:
    value = values.get(name, "")
    if required and not value:
        raise RowError(f"{name} is missing")
    if len(value) > max_length:
        raise RowError(f"{name} is longer than {max_length} characters")
    return value


def _choice(values: dict[str, str], name: str, allowed: set[str], default: str) -> str:
    value = values.get(name, "").lower()
    if not value:
        return default
    if value not in allowed:
        raise RowError(f"{name} {values[name]!r} is not one of {', '.join(sorted(allowed))}")
    return value


class _OfficeCodes:
    """office_code -> id, exact match first, then case-insensitive."""

    def __init__(self) -> None:
        self.exact = dict(Office.objects.values_list("code", "id"))
        self.folded = {code.upper(): pk for code, pk in self.exact.items()}

    def get(self, code: str) -> int:
        if not code:
            raise RowError("office_code is missing")
        pk = self.exact.get(code) or self.folded.get(code.upper())
        if pk is None:
            raise RowError(f"office_code {code!r} is not a known office "
                           f"(load offices.csv or add it in the admin first)")
        return pk


# --- households ------------------------------------------------------------------------------
@dataclass
class _HouseholdRow:
    line: int
    household_ref: str
    person_ref: str
    household: dict[str, Any]
    person: dict[str, Any]


def _household_row(raw: RawRow, offices: _OfficeCodes, today: dt.date) -> _HouseholdRow:
    v = raw.values or {}
    household_ref = _ref(v, "household_ref")
    person_ref = _ref(v, "person_ref")
    street_raw = _text(v, "street", 200)
    street, unit = split_unit(street_raw)
    unit = v.get("unit", "") or unit
    if len(unit) > 40:
        raise RowError("unit is longer than 40 characters")
    zip_code = v.get("zip", "")
    if zip_code and not _ZIP_RE.match(zip_code):
        raise RowError(f"zip {zip_code!r} is not a ZIP code (12345 or 12345-6789)")
    state = v.get("state", "").upper()
    if state and not re.fullmatch(r"[A-Z]{2}", state):
        raise RowError(f"state {v['state']!r} is not a two-letter state code")
    sex_raw = v.get("sex", "")
    sex = _SEX.get(sex_raw.lower())
    if sex is None:
        raise RowError(f"sex {sex_raw!r} is not one of F, M, X, U")
    household = {
        "office_id": offices.get(v.get("office_code", "")),
        "street": street,
        "unit": unit,
        "city": _text(v, "city", 80),
        "state": state,
        "zip": zip_code,
        "address_key": _address_key(street, unit, zip_code)[:240],
        "housing": _choice(v, "housing", _HOUSING, "other"),
        "monthly_income": parse_money(v.get("monthly_income", ""), "monthly_income"),
        "phone": _text(v, "phone", 32),
    }
    person = {
        "first_name": _text(v, "first_name", 80, required=True),
        "middle_name": _text(v, "middle_name", 80),
        "last_name": _text(v, "last_name", 80, required=True),
        "date_of_birth": parse_date(v.get("date_of_birth", ""), "date_of_birth", today=today),
        "sex": sex,
        "relationship": _choice(v, "relationship", _RELATIONSHIPS, "other"),
        "race_ethnicity": _text(v, "race_ethnicity", 40),
    }
    return _HouseholdRow(raw.line, household_ref, person_ref, household, person)


def _by_ref(model: type, refs: list[str], fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Existing rows keyed by ref, fetched in batches (IN lists stay a sane size).

    On PostgreSQL one array parameter (`ref = ANY(%s)`) replaces 5,000 bound parameters that
    Django would compile one by one.
    """
    out: dict[str, dict[str, Any]] = {}
    if connection.vendor == "postgresql":
        names = ["id", "ref", *fields]
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column)
                            for n in names)
        sql = (f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608  # nosec B608
               f"WHERE ref = ANY(%s)")
        with connection.cursor() as cursor:
            for i in range(0, len(refs), BATCH_SIZE * 4):
                cursor.execute(sql, [refs[i:i + BATCH_SIZE * 4]])
                for values in cursor.fetchall():
                    out[values[1]] = dict(zip(names, values))
        return out
    for i in range(0, len(refs), BATCH_SIZE):
        for row in model.objects.filter(ref__in=refs[i:i + BATCH_SIZE]).values(
                "id", "ref", *fields):
            out[row["ref"]] = row
    return out


def _progress(path: Path, progress: bool) -> Any:
    """A tqdm bar on a terminal or for long files; None otherwise."""
    if not progress:
        return None
    total = max(count_lines(path) - (1 if path.suffix.lower() == ".csv" else 0), 0)
    if not (sys.stderr.isatty() or total > PROGRESS_MIN_ROWS):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="rows", desc=path.name, file=sys.stderr, mininterval=0.5)


def household_import(*, path: Path, progress: bool = True) -> ImportReport:
    """Import the legacy caseload (one row a person), idempotent on household_ref/person_ref.

    Household values repeat on each person's row; the first row of a household in the file
    wins and later rows with other values are not errors. Rows are validated and written in
    chunks: first the chunk's households, then its people.
    """
    path = Path(path)
    report = ImportReport(details={"households_created": 0, "households_updated": 0})
    offices = _OfficeCodes()
    seen_households: set[str] = set()
    bar = _progress(path, progress)
    try:
        rows = read_rows(path, required=HOUSEHOLD_COLUMNS, optional=HOUSEHOLD_OPTIONAL)
        for chunk in chunked(rows, CHUNK_ROWS):
            _household_chunk(chunk, offices=offices, seen=seen_households, report=report)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    report.errors.sort()
    return report


def _household_chunk(chunk: list[RawRow], *, offices: _OfficeCodes, seen: set[str],
                     report: ImportReport) -> None:
    today = timezone.localdate()
    valid: list[_HouseholdRow] = []
    people_lines: dict[str, int] = {}
    for raw in chunk:
        report.read += 1
        if raw.values is None:
            report.reject(raw.line, raw.error)
            continue
        try:
            row = _household_row(raw, offices, today)
        except RowError as exc:
            report.reject(raw.line, str(exc))
            continue
        if row.person_ref in people_lines:
            report.reject(row.line, f"person_ref {row.person_ref!r} already appears on line "
                                    f"{people_lines[row.person_ref]}")
            continue
        people_lines[row.person_ref] = row.line
        valid.append(row)
    if not valid:
        return

    # The first row of each household in the file carries its values.
    first: dict[str, _HouseholdRow] = {}
    for row in valid:
        if row.household_ref not in seen and row.household_ref not in first:
            first[row.household_ref] = row
    seen.update(first)

    with transaction.atomic():
        household_ids, changed_lines = _write_households(first, valid, report)
        _write_people(valid, household_ids, changed_lines, report)


def _write_households(first: dict[str, _HouseholdRow], valid: list[_HouseholdRow],
                      report: ImportReport) -> tuple[dict[str, int], set[int]]:
    refs = sorted({row.household_ref for row in valid})
    existing = _by_ref(Household, refs, HOUSEHOLD_FIELDS)
    to_create: list[dict[str, Any]] = []
    to_update: list[Household] = []
    changed_lines: set[int] = set()
    now = timezone.now()
    for ref, row in first.items():
        current = existing.get(ref)
        if current is None:
            to_create.append({"ref": ref, "created_at": now, "updated_at": now,
                              **row.household})
            continue
        if any(current[f] != row.household[f] for f in HOUSEHOLD_FIELDS):
            to_update.append(Household(id=current["id"], ref=ref, updated_at=now,
                                       **row.household))
            changed_lines.add(row.line)
    # Conflicts are skipped: another import of the same caseload may be running; its row wins.
    created = bulk_insert(Household, to_create)
    Household.objects.bulk_update(to_update, [*HOUSEHOLD_FIELDS, "updated_at"],
                                  batch_size=BATCH_SIZE)
    report.details["households_created"] += created
    report.details["households_updated"] += len(to_update)
    ids = {ref: row["id"] for ref, row in existing.items()}
    if to_create:
        ids.update(_household_ids(h["ref"] for h in to_create))
    return ids, changed_lines


def _write_people(valid: list[_HouseholdRow], household_ids: dict[str, int],
                  changed_lines: set[int], report: ImportReport) -> None:
    existing = _by_ref(Person, [row.person_ref for row in valid], PERSON_FIELDS)
    to_create: list[dict[str, Any]] = []
    to_update: list[Person] = []
    for row in valid:
        values = {"household_id": household_ids[row.household_ref], **row.person}
        current = existing.get(row.person_ref)
        if current is None:
            to_create.append({"ref": row.person_ref, **values})
        elif any(current[f] != values[f] for f in PERSON_FIELDS):
            to_update.append(Person(id=current["id"], ref=row.person_ref, **values))
        elif row.line in changed_lines:
            report.updated += 1  # the person is unchanged but its household row changed
    created = bulk_insert(Person, to_create)
    Person.objects.bulk_update(to_update, list(PERSON_FIELDS), batch_size=BATCH_SIZE)
    report.created += created
    report.updated += len(to_update)


# --- outcomes --------------------------------------------------------------------------------
def outcome_import(*, path: Path, progress: bool = True) -> ImportReport:
    """Import past crisis events; idempotent on (household, event_type, event_date)."""
    path = Path(path)
    report = ImportReport()
    bar = _progress(path, progress)
    try:
        for chunk in chunked(read_rows(path, required=OUTCOME_COLUMNS), CHUNK_ROWS):
            _outcome_chunk(chunk, report)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    report.errors.sort()
    return report


def _outcome_chunk(chunk: list[RawRow], report: ImportReport) -> None:
    parsed: list[tuple[int, str, str, dt.date]] = []
    now = timezone.now()
    today = timezone.localdate(now)
    for raw in chunk:
        report.read += 1
        if raw.values is None:
            report.reject(raw.line, raw.error)
            continue
        v = raw.values
        try:
            ref = _ref(v, "household_ref")
            event_type = v.get("event_type", "").lower()
            if not event_type:
                raise RowError("event_type is missing")
            if event_type not in _EVENT_TYPES:
                raise RowError(f"event_type {v['event_type']!r} is not one of "
                               f"{', '.join(sorted(_EVENT_TYPES))}")
            day = parse_date(v.get("event_date", ""), "event_date", required=True, today=today)
        except RowError as exc:
            report.reject(raw.line, str(exc))
            continue
        parsed.append((raw.line, ref, event_type, day))
    refs = sorted({p[1] for p in parsed})
    ids: dict[str, int] = {}
    for i in range(0, len(refs), BATCH_SIZE):
        ids.update(Household.objects.filter(ref__in=refs[i:i + BATCH_SIZE])
                   .values_list("ref", "id"))
    existing = set()
    id_list = sorted(set(ids.values()))
    for i in range(0, len(id_list), BATCH_SIZE):
        existing.update(CrisisEvent.objects.filter(household_id__in=id_list[i:i + BATCH_SIZE])
                        .values_list("household_id", "event_type", "event_date"))
    new: list[dict[str, Any]] = []
    for line, ref, event_type, day in parsed:
        household_id = ids.get(ref)
        if household_id is None:
            report.reject(line, f"household_ref {ref!r} is not a known household "
                                f"(import the caseload first)")
            continue
        key = (household_id, event_type, day)
        if key in existing:
            continue
        existing.add(key)
        new.append({"household_id": household_id, "event_type": event_type, "event_date": day,
                    "source": "import", "recorded_by_id": None, "created_at": now})
    report.created += bulk_insert(CrisisEvent, new)


# --- a generated world's reference data ------------------------------------------------------
def _csv_dicts(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, {(k or "").strip().lower(): (v or "").strip()
                                    for k, v in row.items()}


def _int(value: str, default: int) -> int:
    try:
        return int(float(value)) if value else default
    except ValueError:
        return default


def offices_load(*, path: Path) -> dict[str, int]:
    """Create or update offices from offices.csv (code, name, county, address, opening_hours,
    sustainable_caseload, capacity)."""
    created = updated = 0
    existing = {o.code: o for o in Office.objects.all()}
    for _, row in _csv_dicts(path):
        code = row.get("code") or row.get("office_code")
        if not code:
            continue
        values = {
            "name": row.get("name") or code,
            "county": row.get("county", ""),
            "address": row.get("address", ""),
            "opening_hours": row.get("opening_hours") or "Mon-Fri 08:00-17:00",
            "sustainable_caseload": _int(row.get("sustainable_caseload", ""), 40),
            "weekly_capacity": _int(row.get("capacity") or row.get("weekly_capacity", ""), 100),
        }
        office = existing.get(code)
        if office is None:
            existing[code] = Office.objects.create(code=code, **values)
            created += 1
        elif any(getattr(office, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(office, k, v)
            office.save(update_fields=list(values))
            updated += 1
    return {"offices_created": created, "offices_updated": updated}


def _household_ids(refs: Iterable[str]) -> dict[str, int]:
    refs = sorted(set(refs) - {""})
    out: dict[str, int] = {}
    for i in range(0, len(refs), BATCH_SIZE):
        out.update(Household.objects.filter(ref__in=refs[i:i + BATCH_SIZE])
                   .values_list("ref", "id"))
    return out


def _person_ids(refs: Iterable[str]) -> dict[str, int]:
    refs = sorted(set(refs) - {""})
    out: dict[str, int] = {}
    for i in range(0, len(refs), BATCH_SIZE):
        out.update(Person.objects.filter(ref__in=refs[i:i + BATCH_SIZE])
                   .values_list("ref", "id"))
    return out


def enrollments_load(*, path: Path) -> dict[str, int]:
    """Bulk-insert enrollments.csv (household_ref, person_ref?, program, start_date, end_date,
    recert_due_date); idempotent on household + program + start_date."""
    created = skipped = 0
    for chunk in chunked(_csv_dicts(path), CHUNK_ROWS):
        households = _household_ids(r.get("household_ref", "") for _, r in chunk)
        people = _person_ids(r.get("person_ref", "") for _, r in chunk)
        existing = set()
        ids = sorted(set(households.values()))
        for i in range(0, len(ids), BATCH_SIZE):
            existing.update(ProgramEnrollment.objects.filter(
                household_id__in=ids[i:i + BATCH_SIZE]).values_list(
                "household_id", "program", "start_date"))
        new = []
        for _, row in chunk:
            try:
                household_id = households[row.get("household_ref", "")]
                program = row.get("program", "").lower()
                if program not in _PROGRAMS:
                    raise RowError(program)
                start = parse_date(row.get("start_date", ""), "start_date", required=True,
                                   allow_future=True)
                key = (household_id, program, start)
                end = parse_date(row.get("end_date", ""), "end_date", allow_future=True)
                recert = parse_date(row.get("recert_due_date", ""), "recert_due_date",
                                    allow_future=True)
            except (KeyError, RowError):
                skipped += 1
                continue
            if key in existing:
                continue
            existing.add(key)
            new.append({"household_id": household_id, "program": program, "start_date": start,
                        "end_date": end, "recert_due_date": recert,
                        "person_id": people.get(row.get("person_ref", ""))})
        created += bulk_insert(ProgramEnrollment, new)
    return {"enrollments_created": created, "enrollments_skipped": skipped}


def parse_local_datetime(value: str) -> dt.datetime | None:
    """'YYYY-MM-DD HH:MM[:SS]' in settings.TIME_ZONE (or with an explicit offset) -> aware."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def visits_load(*, path: Path) -> dict[str, int]:
    """Replace the visits of the file's offices inside the file's time window with the file.

    visits.csv: office_code, household_ref (optional), arrived_at, served_at, service_type;
    naive times are local times of settings.TIME_ZONE. Reloading the same file is idempotent.
    """
    offices = dict(Office.objects.values_list("code", "id"))
    window: dict[int, list[dt.datetime]] = {}
    for _, row in _csv_dicts(path):
        office_id = offices.get(row.get("office_code") or row.get("office", ""))
        try:
            arrived = parse_local_datetime(row.get("arrived_at", ""))
        except ValueError:
            continue
        if office_id is None or arrived is None:
            continue
        span = window.setdefault(office_id, [arrived, arrived])
        span[0] = min(span[0], arrived)
        span[1] = max(span[1], arrived)
    created = skipped = deleted = 0
    with transaction.atomic():
        for office_id, (start, end) in window.items():
            deleted += OfficeVisit.objects.filter(office_id=office_id, arrived_at__gte=start,
                                                  arrived_at__lte=end).delete()[0]
        for chunk in chunked(_csv_dicts(path), CHUNK_ROWS):
            households = _household_ids(r.get("household_ref", "") for _, r in chunk)
            new = []
            for _, row in chunk:
                office_id = offices.get(row.get("office_code") or row.get("office", ""))
                service = row.get("service_type", "").lower()
                try:
                    arrived = parse_local_datetime(row.get("arrived_at", ""))
                    served = parse_local_datetime(row.get("served_at", ""))
                except ValueError:
                    arrived = None
                if office_id is None or arrived is None or service not in _SERVICE_TYPES:
                    skipped += 1
                    continue
                new.append({"office_id": office_id, "arrived_at": arrived, "served_at": served,
                            "service_type": service,
                            "household_id": households.get(row.get("household_ref", ""))})
            created += bulk_insert(OfficeVisit, new)
    return {"visits_created": created, "visits_deleted": deleted, "visits_skipped": skipped}


WORLD_PARTS = ("offices", "enrollments", "visits")


def world_load_reference(*, world_dir: Path,
                         parts: tuple[str, ...] = WORLD_PARTS) -> dict[str, int]:
    """Load a generated world's offices, enrollments and visits (whichever files exist).

    Offices must exist before households are imported, and households before enrollments and
    visits can refer to them, so a full load is: `parts=("offices",)`, household_import,
    then the default (reloading offices is idempotent).
    """
    world_dir = Path(world_dir)
    if not world_dir.is_dir():
        raise ApplicationError(f"{world_dir}: not a directory")
    counts: dict[str, int] = {}
    loaders = {"offices": offices_load, "enrollments": enrollments_load, "visits": visits_load}
    for part in parts:
        path = world_dir / f"{part}.csv"
        if path.exists():
            counts.update(loaders[part](path=path))
    return counts
