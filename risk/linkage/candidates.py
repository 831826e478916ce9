"""Blocking: fetch only the caseload people a batch of records could be, with set-based SQL.

Each query joins a VALUES list of the batch's blocking keys to the caseload, so the database
returns (key, person) rows and the pairs fall out of the join — one query per kind of key per
batch, never one per record, never the whole caseload. Kinds:

* street — every household at the same normalised street address (any unit): a range on the
  indexed `address_key` ("12 oak st|" <= key < "12 oak st}"), which also finds the household
  when the feed leaves the apartment out or spells it differently;
* dob — same birth date (or the day/month swap of it) and a shared initial (given or surname,
  either way round, so a swapped name still meets);
* name — same surname (or one part of a double-barrelled one, or the given name when swapped)
  and the same first initial, for records the first two kinds did not settle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from cases.models import Household, Person
from risk.models import KnownIdentifier

CHUNK = 2000
PERSON_COLUMNS = ("id", "household_id", "first_name", "middle_name", "last_name",
                  "date_of_birth", "relationship", "street", "unit", "zip", "address_key")


@dataclass
class Candidates:
    """People found for a batch, and which record index each was found for."""

    people: dict[int, tuple] = field(default_factory=dict)
    pairs: set[tuple[int, int]] = field(default_factory=set)

    def add(self, rows: list[tuple], key_to_records: dict[Any, list[int]], width: int) -> None:
        for row in rows:
            key = row[0] if width == 1 else tuple(row[:width])
            person = row[width:]
            self.people[person[0]] = person
            for idx in key_to_records.get(key, ()):
                self.pairs.add((idx, person[0]))


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _keys_sql(names: tuple[str, ...], types: tuple[str, ...], rows: list[tuple]
              ) -> tuple[str, list[Any]]:
    """A CTE `k(names...)` of the batch's keys: unnest of one array per column on
    PostgreSQL (one parameter each, cheap to plan), a VALUES list elsewhere."""
    if _pg():
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        return (f"k AS (SELECT * FROM unnest({arrays}) AS u({', '.join(names)}))",  # noqa: S608  # nosec B608
                [list(col) for col in zip(*rows)])
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    values = ", ".join([row_sql] * len(rows))
    return (f"k({', '.join(names)}) AS (VALUES {values})",
            [v for row in rows for v in row])


def session_setup() -> None:
    """Once per batch: PostgreSQL's JIT compiler spends ~0.3 s compiling these short key
    joins (their row estimates are large); they run in milliseconds without it."""
    if _pg():
        with connection.cursor() as cur:
            cur.execute("SET jit = off")


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _households(ids: set[int]) -> dict[int, tuple]:
    """id -> (street, unit, zip, address_key), by primary key."""
    out: dict[int, tuple] = {}
    household = Household._meta.db_table
    items = sorted(ids)
    for start in range(0, len(items), CHUNK * 5):
        cond, params = _in_sql("id", items[start:start + CHUNK * 5])
        for hid, *rest in _fetch(f"SELECT id, street, unit, zip, address_key "  # noqa: S608  # nosec B608
                                 f"FROM {household} WHERE {cond}", params):
            out[hid] = tuple(rest)
    return out


PERSON_SELECT = ("p.id, p.household_id, p.first_name, p.middle_name, p.last_name, "
                 "p.date_of_birth, p.relationship")


def _add_people(rows: list[tuple], width: int, keys: dict[Any, list[int]], out: Candidates,
                keep: Any = None) -> None:
    """rows: (key columns..., PERSON_SELECT columns); households fetched by id afterwards.
    `keep(key, household)` may drop a row (checks the database could not index)."""
    homes = _households({r[width + 1] for r in rows})
    full = []
    for row in rows:
        home = homes.get(row[width + 1])
        if home is None:
            continue
        key = row[0] if width == 1 else tuple(row[:width])
        if keep is not None and not keep(key, home):
            continue
        full.append((*row[:width], *row[width:], *home))
    out.add(full, keys, width)


def by_street(streets: dict[str, list[int]], out: Candidates) -> None:
    """Households at the same normalised street address, whatever their unit."""
    keys = sorted(k for k in streets if k)
    person, household = Person._meta.db_table, Household._meta.db_table
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        ktable, params = _keys_sql(("s", "lo", "hi"), ("text",) * 3,
                                   [(k, k + "|", k + "}") for k in chunk])
        homes = _fetch(f"WITH {ktable} SELECT k.s, h.id FROM k "  # noqa: S608  # nosec B608
                       f"JOIN {household} h ON h.address_key >= k.lo AND h.address_key < k.hi",
                       params)
        by_home: dict[int, list[str]] = defaultdict(list)
        for street, hid in homes:
            by_home[hid].append(street)
        if not by_home:
            continue
        ids = sorted(by_home)
        rows = []
        for i in range(0, len(ids), CHUNK * 5):
            cond, id_params = _in_sql("p.household_id", ids[i:i + CHUNK * 5])
            for row in _fetch(f"SELECT {PERSON_SELECT} FROM {person} p "  # noqa: S608  # nosec B608
                              f"WHERE {cond}", id_params):
                rows.extend((street, *row) for street in by_home[row[1]])
        _add_people(rows, 1, streets, out)


def by_dob(keys: dict[tuple[str, str, str], list[int]], out: Candidates) -> None:
    """Same birth date, same first initial of the given name and of the surname (or its second
    half); keys carry (date, given initial, surname initial). Index: (date_of_birth, initial)."""
    items = sorted(keys)
    person = Person._meta.db_table
    pg = _pg()
    pos, sub = ("strpos", "substring") if pg else ("instr", "substr")
    dcast = "::date" if pg else ""
    for start in range(0, len(items), CHUNK):
        ktable, params = _keys_sql(("d", "fi", "li"), ("text",) * 3, items[start:start + CHUNK])
        rows = _fetch(
            f"WITH {ktable} SELECT k.d, k.fi, k.li, {PERSON_SELECT} FROM k "  # noqa: S608  # nosec B608
            f"JOIN {person} p ON p.date_of_birth = k.d{dcast} "
            f"AND upper({sub}(p.first_name, 1, 1)) = k.fi "
            f"AND (upper(substr(p.last_name, 1, 1)) = k.li "
            f"OR upper(substr(p.last_name, {pos}(p.last_name, '-') + 1, 1)) = k.li)", params)
        _add_people(rows, 3, keys, out)


def by_name(keys: dict[tuple[str, str, str, str], list[int]], out: Candidates) -> None:
    """Same stored surname and given name (index on last_name, first_name), born within a
    year of the record's birth date: finds a birth date with a typo in day or month."""
    items = sorted(keys)
    person = Person._meta.db_table
    dcast = "::date" if _pg() else ""
    for start in range(0, len(items), CHUNK):
        ktable, params = _keys_sql(("l", "f", "lo", "hi"), ("text",) * 4,
                                   items[start:start + CHUNK])
        rows = _fetch(
            f"WITH {ktable} SELECT k.l, k.f, k.lo, k.hi, {PERSON_SELECT} "  # noqa: S608  # nosec B608
            f"FROM k JOIN {person} p ON p.last_name = k.l AND p.first_name = k.f "
            f"AND p.date_of_birth >= k.lo{dcast} AND p.date_of_birth <= k.hi{dcast}", params)
        _add_people(rows, 4, keys, out)


def by_name_and_number(keys: dict[tuple[str, str, str, str], list[int]],
                       out: Candidates) -> None:
    """Same stored surname and given name, same house number, same zip when the feed has one:
    finds the household when the feed misspells the street name."""
    items = sorted(keys)
    person = Person._meta.db_table
    for start in range(0, len(items), CHUNK):
        ktable, params = _keys_sql(("l", "f", "n", "z"), ("text",) * 4,
                                   items[start:start + CHUNK])
        rows = _fetch(
            f"WITH {ktable} SELECT k.l, k.f, k.n, k.z, {PERSON_SELECT} "  # noqa: S608  # nosec B608
            f"FROM k JOIN {person} p ON p.last_name = k.l AND p.first_name = k.f", params)
        _add_people(rows, 4, keys, out, keep=lambda key, home: (
            (home[3] or "").startswith(key[2] + " ") and (not key[3] or home[2] == key[3])))


def _in_sql(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """`column = ANY(%s)` with one array parameter on PostgreSQL, an IN list elsewhere."""
    if _pg():
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def known_identifiers(source: str, external_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Confirmed feed ids of this source: external_id -> (person_id, household_id)."""
    found: dict[str, tuple[int, int]] = {}
    ids = sorted({e.strip() for e in external_ids if e and e.strip()})
    if not ids or not KnownIdentifier.objects.filter(source=source).exists():
        return found
    known, person = KnownIdentifier._meta.db_table, Person._meta.db_table
    for start in range(0, len(ids), CHUNK):
        cond, params = _in_sql("k.external_id", ids[start:start + CHUNK])
        with connection.cursor() as cur:
            cur.execute(f"SELECT k.external_id, k.person_id, p.household_id FROM {known} k "  # noqa: S608  # nosec B608
                        f"JOIN {person} p ON p.id = k.person_id WHERE k.source = %s AND {cond}",
                        [source, *params])
            for ext, pid, hid in cur.fetchall():
                found[ext] = (pid, hid)
    return found


def known_ids_of_people(source: str, person_ids: list[int]) -> dict[int, str]:
    """Ids a candidate is already known under in this source (one is enough to disagree)."""
    out: dict[int, str] = {}
    if not person_ids or not KnownIdentifier.objects.filter(source=source).exists():
        return out
    known = KnownIdentifier._meta.db_table
    for start in range(0, len(person_ids), CHUNK):
        cond, params = _in_sql("person_id", person_ids[start:start + CHUNK])
        with connection.cursor() as cur:
            cur.execute(f"SELECT person_id, external_id FROM {known} "  # noqa: S608  # nosec B608
                        f"WHERE source = %s AND {cond}", [source, *params])
            for pid, ext in cur.fetchall():
                out.setdefault(pid, ext)
    return out


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]
