"""Load a generated world's feed files as Signal rows using the world's ground-truth links.

Linkage is skipped on purpose: tests, seed_demo and the benchmark need a realistic signal
history fast, and the truth file says which household each feed row is about. Rows the truth
marks malformed, duplicate or unlinked are skipped. Each signal is taken as known at 09:00
local time on the day it happened (the feed is assumed delivered the same day).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from cases.models import Household, Person
from risk.models import Signal

BATCH = 10_000
_KIND = {"eviction_filings": "eviction_filing", "jail_bookings": "jail_booking",
         "school_attendance": "school_attendance", "utility_shutoffs": "utility_shutoff",
         "benefit_lapses": "benefit_lapse"}


def _date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _decimal(text: str | None) -> Decimal | None:
    text = (text or "").replace("$", "").replace(",", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _minimal_parse(source: str, row: dict[str, str]) -> dict[str, Any] | None:
    """Our own small parse, used only when INGESTION's adapter is not importable."""
    kind = _KIND.get(source)
    if kind is None:
        return None
    if source == "eviction_filings":
        return {"kind": kind, "occurred_on": _date(row.get("filing_date")),
                "deadline": _date(row.get("hearing_date")),
                "amount": _decimal(row.get("amount_claimed")), "value": None,
                "details": {"court": row.get("court", ""), "plaintiff": row.get("plaintiff", "")}}
    if source == "jail_bookings":
        return {"kind": kind, "occurred_on": _date(row.get("booking_date")), "deadline": None,
                "amount": None, "value": None,
                "details": {"charge_code": row.get("charge_code", ""),
                            "release_date": row.get("release_date", "")}}
    if source == "school_attendance":
        enrolled = _decimal(row.get("days_enrolled")) or Decimal(0)
        absent = _decimal(row.get("days_absent")) or Decimal(0)
        rate = float(absent / enrolled) if enrolled > 0 else None
        return {"kind": kind, "occurred_on": _date(row.get("period_end"))
                or _date(row.get("period_start")), "deadline": None, "amount": None,
                "value": rate, "details": {"school_code": row.get("school_code", ""),
                                           "period_start": row.get("period_start", "")}}
    if source == "utility_shutoffs":
        return {"kind": kind, "occurred_on": _date(row.get("notice_date")),
                "deadline": _date(row.get("scheduled_shutoff_date")),
                "amount": _decimal(row.get("amount_past_due")), "value": None,
                "details": {"utility": row.get("utility", "")}}
    return {"kind": kind, "occurred_on": _date(row.get("lapse_date") or row.get("date")),
            "deadline": None, "amount": None, "value": None, "details": dict(row)}


def _parse(source: str, row: dict[str, str], line: int) -> dict[str, Any] | None:
    try:
        from risk.sources import get_adapter  # INGESTION's adapters, when present
    except ImportError:
        return _minimal_parse(source, row)
    try:
        parsed = get_adapter(source).parse(row, line=line)
    except KeyError:
        return _minimal_parse(source, row)
    signal = getattr(parsed, "signal", None)
    return dict(signal) if signal else None


def _truth(world_dir: Path) -> dict[tuple[str, int], dict[str, str]]:
    with (world_dir / "truth" / "links.csv").open(newline="") as fh:
        return {(r["source"], int(r["line"])): r for r in csv.DictReader(fh)}


def _copy_signals(rows: list[tuple]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for r in rows:
        writer.writerow(["" if v is None else v for v in r])
    buf.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY risk_signal (household_id, person_id, source, kind, occurred_on, deadline, "
            "known_at, amount, value, details) FROM STDIN WITH (FORMAT csv, NULL '')", buf)


def world_signals_load(*, world_dir: Path) -> int:
    """Create Signal rows for every clean, linked feed row of a generated world; returns count."""
    world_dir = Path(world_dir)
    truth = _truth(world_dir)
    households = dict(Household.objects.values_list("ref", "id"))
    people = dict(Person.objects.values_list("ref", "id"))
    tz = timezone.get_current_timezone()
    rows: list[tuple] = []
    for path in sorted((world_dir / "feeds").glob("*.csv")):
        source = path.stem
        if source not in _KIND:
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            for index, row in enumerate(csv.DictReader(fh)):
                line = index + 2  # the header is line 1
                link = truth.get((source, line))
                if link is None or link.get("malformed", "").lower() in {"1", "true", "yes"} \
                        or link.get("duplicate_of_line", "").strip():
                    continue
                household_id = households.get(link.get("household_ref", ""))
                if household_id is None:
                    continue
                signal = _parse(source, row, line)
                if not signal or not signal.get("occurred_on"):
                    continue
                occurred = signal["occurred_on"]
                known = dt.datetime.combine(occurred, dt.time(9, 0), tzinfo=tz)
                rows.append((household_id, people.get(link.get("person_ref", "")), source,
                             signal["kind"], occurred, signal.get("deadline"), known,
                             signal.get("amount"), signal.get("value"),
                             json.dumps(signal.get("details") or {}, default=str)))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            for start in range(0, len(rows), 200_000):
                _copy_signals(rows[start:start + 200_000])
        else:
            Signal.objects.bulk_create(
                [Signal(household_id=r[0], person_id=r[1], source=r[2], kind=r[3],
                        occurred_on=r[4], deadline=r[5], known_at=r[6], amount=r[7],
                        value=r[8], details=json.loads(r[9])) for r in rows],
                batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics for the feature queries
            cursor.execute("ANALYZE risk_signal")
    return len(rows)
