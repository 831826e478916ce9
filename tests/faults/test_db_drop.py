"""A database connection dropped in the middle of an ingestion: the chunk being written rolls
back, the next pull resumes the same batch after its last stored line, and every good row is
stored exactly once (rows read = new + duplicate + rejected over the two runs)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.db import OperationalError, connection

ROWS = 300
CHUNK = 100
HEADER = ["case_number", "filing_date", "court", "plaintiff", "defendant_name",
          "defendant_address", "hearing_date", "amount_claimed"]


def write_feed(path: Path) -> int:
    """300 rows: mostly good, every 25th malformed (no date), every 30th a repeat."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(ROWS):
            if i and i % 30 == 0:
                n = i - 1  # the same filing again (a duplicate)
            else:
                n = i
            filing = "" if i % 25 == 7 else f"2026-03-{1 + n % 28:02d}"
            writer.writerow([f"EV-{n:05d}", filing, "Riverside District Court",
                             "Oak Apartments LLC", f"TESTPERSON{n}, MARIA",
                             f"{100 + n} Maple Street, Springfield, IL 62701",
                             "2026-04-15", "1800.00"])
    return ROWS


def drop_connection() -> None:
    """PostgreSQL: the server kills this very connection mid-transaction; SQLite: the same
    error class a lost connection raises."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    raise OperationalError("simulated dropped connection")


def test_dropped_connection_mid_ingestion_rolls_back_and_resumes(transactional_db, tmp_path,
                                                                 court_partner, monkeypatch):
    import risk.services.ingestion as ingestion
    from risk.models import FeedBatch, RawRecord

    partner, _ = court_partner
    feed = tmp_path / "evictions.csv"
    write_feed(feed)
    # The raw rows of a chunk are written by one COPY on PostgreSQL (copy_rows, whichever
    # process prepared them) and by fast_insert's bulk_create on SQLite.
    hook = "copy_rows" if connection.vendor == "postgresql" else "fast_insert"
    real_write = getattr(ingestion, hook)
    calls = {"raw": 0}

    def failing_write(first, *rest):  # noqa: ANN001 - (payload) or (model, rows)
        model = getattr(first, "model", first)
        if model is RawRecord:
            calls["raw"] += 1
            if calls["raw"] == 2:  # the second chunk
                drop_connection()
        return real_write(first, *rest)

    monkeypatch.setattr(ingestion, hook, failing_write)
    with pytest.raises(Exception) as failure:  # noqa: PT011 - OperationalError or its wrapper
        ingestion.ingest_file(source="eviction_filings", path=feed, partner=partner,
                              chunk_size=CHUNK)
    assert "connection" in str(failure.value).lower() or "terminat" in str(failure.value).lower()
    connection.close()  # a new connection for the next pull
    batch = FeedBatch.objects.get()
    assert batch.status == "processing"
    first = RawRecord.objects.filter(batch=batch).count()
    assert first == CHUNK, "only the first chunk committed; the second rolled back"
    assert batch.rows_read == CHUNK

    monkeypatch.setattr(ingestion, hook, real_write)
    again = ingestion.ingest_file(source="eviction_filings", path=feed, partner=partner,
                                  chunk_size=CHUNK)
    assert again.pk == batch.pk, "the next pull resumes the interrupted batch"
    again.refresh_from_db()
    assert again.status == "done"
    assert again.rows_read == ROWS
    assert again.rows_read == again.new + again.duplicate + again.rejected
    lines = list(RawRecord.objects.filter(batch=batch).values_list("line", flat=True))
    assert len(lines) == len(set(lines)) == ROWS, "each row stored once"
    assert again.rejected == len([i for i in range(ROWS) if i % 25 == 7])
    assert again.duplicate >= len([i for i in range(1, ROWS) if i % 30 == 0 and i % 25 != 7])
    stored_ids = list(RawRecord.objects.filter(batch=batch, status__in=["linked", "review",
                                                                      "unlinked"])
                      .values_list("record_id", flat=True))
    assert len(stored_ids) == len(set(stored_ids)) == again.new
