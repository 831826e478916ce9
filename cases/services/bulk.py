"""Fast, conflict-tolerant bulk inserts for the imports.

On PostgreSQL rows are streamed with COPY into a temporary table and moved with one
`INSERT … SELECT … ON CONFLICT DO NOTHING`: several times faster than multi-row INSERTs for
100,000-row caseloads, and it still tolerates a concurrent import of the same refs. Other
databases (the embedded SQLite) use `bulk_create(ignore_conflicts=True)` in batches.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 5000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (dicts and lists as JSON, for jsonb).

    Hot: called for every value of every row ingested, so the common cases come first and
    text is escaped only when it holds a character that needs it."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, (int, float, Decimal)):
        return str(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def bulk_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> int:
    """Insert rows (dicts of field attnames) skipping unique conflicts; returns rows inserted.

    Fields a row leaves out take the model field's default. On SQLite the count is the number
    of rows offered (bulk_create cannot tell which were skipped).
    """
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {f.attname: now if getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False) else f.get_default()
                for f in fields if f.attname not in rows[0]}
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**{**defaults, **row}) for row in rows],
                                  batch_size=BATCH_SIZE, ignore_conflicts=True)
        return len(rows)
    table = model._meta.db_table
    columns = [f.column for f in fields]
    attnames = [f.attname for f in fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    temp = f"import_{uuid.uuid4().hex[:12]}"
    inserted = 0
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {temp} AS SELECT {quoted} FROM "  # noqa: S608  # nosec B608
                       f"{connection.ops.quote_name(table)} WITH NO DATA")
        try:
            for start in range(0, len(rows), BATCH_SIZE * 10):
                buffer = io.StringIO()
                for row in rows[start:start + BATCH_SIZE * 10]:
                    buffer.write("\t".join(copy_text(row.get(a, defaults.get(a)))
                                           for a in attnames))
                    buffer.write("\n")
                buffer.seek(0)
                cursor.cursor.copy_expert(f"COPY {temp} ({quoted}) FROM STDIN", buffer)
                cursor.execute(
                    f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "  # noqa: S608  # nosec B608
                    f"SELECT {quoted} FROM {temp} ON CONFLICT DO NOTHING")
                inserted += cursor.rowcount
                cursor.execute(f"TRUNCATE {temp}")
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
    return inserted
