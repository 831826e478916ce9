"""One cleaning step for both sides of a comparison: feed records and caseload people.

Fellegi–Sunter compares like with like, so a feed's "O'BRIEN-SMITH, WM" and the caseload's
"William O'Brien" go through the same folding (case, accents, punctuation), the same nickname
table and the same address key before any comparison level looks at them. The cleaning is one
cached Python fold() of the names plus one DuckDB SQL statement (STANDARDISE_SQL), used by
training (Splink) and by the hot path alike, so the two can never drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from operator import attrgetter
from typing import Any

import duckdb
import pyarrow as pa

from risk.linkage.nicknames import NICKNAMES

PARTICLES = ("de", "la", "del", "van", "von", "der", "di", "da", "le", "du", "st", "los", "las")
COLUMNS = ("unique_id", "first_name", "first_formal", "last_name", "last_parts", "dob",
           "dob_swap", "street", "unit", "zip", "address_key", "external_id")

RAW_SCHEMA = pa.schema([
    ("unique_id", pa.int64()), ("first_name", pa.string()), ("last_name", pa.string()),
    ("date_of_birth", pa.date32()), ("address_key", pa.string()), ("external_id", pa.string()),
])

@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """Lower-case ASCII letters, digits, single spaces and hyphens; accents and apostrophes
    dropped (O'Brien = OBrien). Names repeat, so the cache makes this nearly free."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9\- ]+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip(" -")


# {src}: a table of RAW_SCHEMA with names already folded (fold()). Output: COLUMNS.
STANDARDISE_SQL = """
WITH f AS MATERIALIZED (
    SELECT unique_id, split_part(coalesce(first_name, ''), ' ', 1) AS fn,
           coalesce(last_name, '') AS ls,
           date_of_birth AS d, coalesce(address_key, '') AS ak, external_id
    FROM {src}
)
SELECT f.unique_id,
       nullif(f.fn, '') AS first_name,
       CASE WHEN f.fn = '' THEN NULL ELSE coalesce(n.formals, [f.fn]) END AS first_formal,
       nullif(replace(f.ls, ' ', ''), '') AS last_name,
       CASE WHEN f.ls = '' THEN NULL ELSE coalesce(nullif(list_distinct(list_filter(
           string_split_regex(f.ls, '[- ]'),
           lambda x: x <> '' AND NOT list_contains({particles}, x))), []),
           [replace(f.ls, ' ', '')]) END AS last_parts,
       strftime(f.d, '%Y-%m-%d') AS dob,
       CASE WHEN day(f.d) <= 12 AND day(f.d) <> month(f.d)
            THEN strftime(make_date(year(f.d), day(f.d), month(f.d)), '%Y-%m-%d') END AS dob_swap,
       nullif(split_part(f.ak, '|', 1), '') AS street,
       nullif(split_part(f.ak, '|', 2), '') AS unit,
       nullif(split_part(f.ak, '|', 3), '') AS zip,
       CASE WHEN split_part(f.ak, '|', 1) <> '' THEN f.ak END AS address_key,
       nullif(trim(f.external_id), '') AS external_id
FROM f LEFT JOIN nick n ON n.name = f.fn
"""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the nickname table on a DuckDB connection (idempotent)."""
    names = sorted(NICKNAMES)
    table = pa.table({"name": names, "formals": [sorted(NICKNAMES[n]) for n in names]})
    con.register("nick_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE nick AS SELECT * FROM nick_arrow")
    con.unregister("nick_arrow")


def standardise_sql(src: str) -> str:
    particles = "[" + ", ".join(f"'{p}'" for p in PARTICLES) + "]"
    return STANDARDISE_SQL.format(src=src, particles=particles)


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def raw_table(ids: list[int], first: list[Any], last: list[Any], dob: list[Any],
              address_key: list[Any], external_id: list[Any]) -> pa.Table:
    """Columns of raw values (as stored or as parsed) to the RAW_SCHEMA table."""
    return pa.table({
        "unique_id": pa.array(ids, pa.int64()),
        "first_name": pa.array([fold(x) if x else None for x in first], pa.string()),
        "last_name": pa.array([fold(x) if x else None for x in last], pa.string()),
        "date_of_birth": pa.array([_date(x) for x in dob], pa.date32()),
        "address_key": pa.array([x or None for x in address_key], pa.string()),
        "external_id": pa.array([x or None for x in external_id], pa.string()),
    }, schema=RAW_SCHEMA)


def keys_table(people: list[Any], start: int = 0) -> pa.Table:
    """PersonKeys (or dicts with their fields) of a batch; unique_id = position + start."""
    names = ("first_name", "last_name", "date_of_birth", "address_key", "external_id")
    if all(isinstance(p, dict) for p in people):
        rows = [tuple(p.get(n) for n in names) for p in people]
    else:
        get = attrgetter(*names)
        rows = [tuple(p.get(n) for n in names) if isinstance(p, dict) else get(p)
                for p in people]
    columns = list(zip(*rows)) if rows else [()] * len(names)
    return raw_table(list(range(start, start + len(people))), *[list(c) for c in columns])


def standardise(table: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Comparison columns (COLUMNS) of a RAW_SCHEMA table, via STANDARDISE_SQL."""
    own = con is None
    con = con or duckdb.connect(":memory:")
    try:
        prepare(con)
        con.register("raw_in", table)
        out = con.sql(standardise_sql("raw_in")).to_arrow_table()
        con.unregister("raw_in")
        return out
    finally:
        if own:
            con.close()
