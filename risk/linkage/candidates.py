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


def _values(rows: list[tuple], casts: tuple[str, ...]) -> tuple[str, list[Any]]:
    row_sql = "(" + ", ".join(f"%s{c}" for c in casts) + ")"
    params = [v for row in rows for v in row]
    return "VALUES " + ", ".join([row_sql] * len(rows)), params


def _pg() -> bool:
    return connection.vendor == "postgresql"


def by_street(streets: dict[str, list[int]], out: Candidates) -> None:
    """Households at the same normalised street address, whatever their unit."""
    keys = [k for k in streets if k]
    person, household = Person._meta.db_table, Household._meta.db_table
    cast = "::text" if _pg() else ""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        values, params = _values([(k, k + "|", k + "}") for k in chunk], (cast,) * 3)
        sql = (f"WITH k(s, lo, hi) AS ({values}) "  # noqa: S608 - only %s placeholders
               f"SELECT k.s, p.id, p.household_id, p.first_name, p.middle_name, p.last_name, "
               f"p.date_of_birth, p.relationship, h.street, h.unit, h.zip, h.address_key "
               f"FROM k JOIN {household} h ON h.address_key >= k.lo AND h.address_key < k.hi "
               f"JOIN {person} p ON p.household_id = h.id")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            out.add(cur.fetchall(), streets, 1)


def by_dob(keys: dict[tuple[str, str], list[int]], out: Candidates) -> None:
    """Same birth date with a shared initial (given name or surname, either way round)."""
    items = list(keys)
    person, household = Person._meta.db_table, Household._meta.db_table
    casts = ("::date", "::text") if _pg() else ("", "")
    pos = "strpos" if _pg() else "instr"  # second half of a double-barrelled surname
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        values, params = _values(chunk, casts)
        sql = (f"WITH k(d, i) AS ({values}) "  # noqa: S608 - only %s placeholders
               f"SELECT k.d, k.i, p.id, p.household_id, p.first_name, p.middle_name, "
               f"p.last_name, p.date_of_birth, p.relationship, h.street, h.unit, h.zip, "
               f"h.address_key FROM k JOIN {person} p ON p.date_of_birth = k.d "
               f"AND (upper(substr(p.last_name, 1, 1)) = k.i "
               f"OR upper(substr(p.first_name, 1, 1)) = k.i "
               f"OR upper(substr(p.last_name, {pos}(p.last_name, '-') + 1, 1)) = k.i) "
               f"JOIN {household} h ON h.id = p.household_id")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = [(_iso(r[0]), *tuple(r[1:])) for r in cur.fetchall()]
            out.add(rows, keys, 2)


def by_name(keys: dict[tuple[str, str], list[int]], out: Candidates) -> None:
    """Same stored surname and first initial (index on last_name, first_name)."""
    items = list(keys)
    person, household = Person._meta.db_table, Household._meta.db_table
    cast = "::text" if _pg() else ""
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        values, params = _values([(last, ini, ini, chr(ord(ini) + 1)) for last, ini in chunk],
                                 (cast,) * 4)
        sql = (f"WITH k(l, i, lo, hi) AS ({values}) "  # noqa: S608
               f"SELECT k.l, k.i, p.id, p.household_id, p.first_name, p.middle_name, "
               f"p.last_name, p.date_of_birth, p.relationship, h.street, h.unit, h.zip, "
               f"h.address_key FROM k JOIN {person} p ON p.last_name = k.l "
               f"AND p.first_name >= k.lo AND p.first_name < k.hi "
               f"JOIN {household} h ON h.id = p.household_id")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            out.add(cur.fetchall(), keys, 2)


def by_name_and_number(keys: dict[tuple[str, str, str, str], list[int]],
                       out: Candidates) -> None:
    """Same stored surname and given name, same house number, same zip when the feed has one:
    finds the household when the feed misspells the street name."""
    items = list(keys)
    person, household = Person._meta.db_table, Household._meta.db_table
    cast = "::text" if _pg() else ""
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        values, params = _values(chunk, (cast,) * 4)
        sql = (f"WITH k(l, f, n, z) AS ({values}) "  # noqa: S608 - only %s placeholders
               f"SELECT k.l, k.f, k.n, k.z, p.id, p.household_id, p.first_name, p.middle_name, "
               f"p.last_name, p.date_of_birth, p.relationship, h.street, h.unit, h.zip, "
               f"h.address_key FROM k JOIN {person} p ON p.last_name = k.l "
               f"AND p.first_name = k.f JOIN {household} h ON h.id = p.household_id "
               f"AND h.address_key LIKE k.n || ' %%' AND (k.z = '' OR h.zip = k.z)")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            out.add(cur.fetchall(), keys, 4)


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
            cur.execute(f"SELECT k.external_id, k.person_id, p.household_id FROM {known} k "  # noqa: S608
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
            cur.execute(f"SELECT person_id, external_id FROM {known} "  # noqa: S608
                        f"WHERE source = %s AND {cond}", [source, *params])
            for pid, ext in cur.fetchall():
                out.setdefault(pid, ext)
    return out


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]
