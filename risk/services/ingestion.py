"""Ingestion: feed rows in, raw rows kept, records linked, signals out.

The command line (`ingest_signals`), the scheduled pulls and the partner API all call this
module, so a row is treated the same however it arrives. The rules:

- No row enters without an active data-sharing agreement covering the source and its purpose
  (`AgreementError`, nothing stored). Fields the agreement does not list are dropped from the
  row *before* it is parsed, linked or stored (linkage sees only allowed fields too).
- Every row read is kept as a `RawRecord` with provenance and what became of it, so
  rows read = new + duplicate + rejected, and `export_links` has a row for each.
- An exact re-delivery (same content hash for the source) is kept as a `duplicate` pointing at
  the original and creates no second signal. A file whose SHA-256 was already read completely
  is not read again; an interrupted file is resumed after its last finished chunk.
- Work is done in chunks of `CHUNK_SIZE` rows: one transaction, bulk inserts and one call to
  linkage per chunk, so a crash keeps finished chunks and cost does not grow per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from cases.services.bulk import copy_text
from dhs.exceptions import AgreementError, ApplicationError
from dhs.iterables import chunked
from dhs.models import DataSharingAgreement, PartnerAgency
from risk.models import FeedBatch, LinkReview, RawRecord, Signal, SignalSource
from risk.sources import Adapter, ParsedRecord, Rejection, get_adapter

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
# Default pull cadence per source, in minutes (a data change afterwards, in the admin).
DEFAULT_SCHEDULES = {"eviction_filings": 60, "jail_bookings": 60, "utility_shutoffs": 240,
                     "school_attendance": 1440, "benefit_lapses": 1440}
AGENCY_CODE = "dhs"
AGENCY_PURPOSE = "early warning of household crisis"
NEW_STATUSES = (RawRecord.LINKED, RawRecord.REVIEW, RawRecord.UNLINKED)


# --- sources and agreements -------------------------------------------------------------------
def source_get_or_create(*, source: str) -> SignalSource:
    """The source's configuration row, created with defaults (a drop folder) when missing."""
    get_adapter(source)  # unknown names fail loudly
    existing = SignalSource.objects.filter(name=source).first()
    if existing:
        return existing
    if source == "benefit_lapses":
        defaults = {"location_kind": SignalSource.INTERNAL, "location": "cases.ProgramEnrollment"}
    else:
        folder = Path(settings.FEED_DIR) / source / "incoming"
        defaults = {"location_kind": SignalSource.FOLDER, "location": str(folder)}
    defaults["schedule_minutes"] = DEFAULT_SCHEDULES.get(source, 60)
    try:
        with transaction.atomic():
            row = SignalSource.objects.create(name=source, **defaults)
    except IntegrityError:
        return SignalSource.objects.get(name=source)
    if row.location_kind == SignalSource.FOLDER:
        try:
            Path(row.location).mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a read-only mount is still usable if it exists
            logger.warning("could not create feed folder %s: %s", row.location, exc)
    return row


def agency_agreement_ensure() -> DataSharingAgreement:
    """The agency's own internal agreement for benefit lapses, created on first use.

    Benefit lapses are the agency's own records; the agreement exists so that the same rule
    (no signal without an agreement, retention by agreement) holds for them too.
    """
    partner, _ = PartnerAgency.objects.get_or_create(
        code=AGENCY_CODE, defaults={"name": "Department of Human Services (internal)",
                                    "kind": "agency"})
    today = timezone.localdate()
    for agreement in DataSharingAgreement.objects.active_on(today).filter(partner=partner):
        if agreement.covers("benefit_lapses"):
            return agreement
    reference = f"DSA-DHS-INTERNAL-{today:%Y%m%d}"
    agreement, _ = DataSharingAgreement.objects.get_or_create(
        reference=reference,
        defaults={"partner": partner, "sources": ["benefit_lapses"], "purpose": AGENCY_PURPOSE,
                  "legal_basis": "The agency's own program records (internal use).",
                  "effective_date": today, "expiry_date": today + dt.timedelta(days=3650),
                  "retention_days": 1095})
    return agreement


def _norm(text: str) -> str:
    return " ".join((text or "").lower().split())


def agreement_for(*, source: str, partner: PartnerAgency | None = None,
                  purpose: str | None = None) -> DataSharingAgreement:
    """The active agreement that covers the source and its purpose, or AgreementError.

    The purpose of the source (SignalSource.purpose) must be named in the agreement's purpose.
    Without a partner, the source's configured partner is used; without that, any partner's.
    """
    config = source_get_or_create(source=source)
    purpose = _norm(purpose if purpose is not None else config.purpose)
    if source == "benefit_lapses" and partner is None:
        agency_agreement_ensure()
    partner = partner or config.partner
    qs = DataSharingAgreement.objects.active_on().select_related("partner").order_by("id")
    if partner is not None:
        qs = qs.filter(partner=partner)
    covering = [a for a in qs if a.covers(source)]
    for agreement in covering:
        if purpose in _norm(agreement.purpose):
            return agreement
    who = f"partner '{partner.code}'" if partner else "any partner"
    if covering:
        raise AgreementError(
            f"The active agreement of {who} for {source} does not cover the purpose "
            f"'{purpose}'; nothing was stored.",
            extra={"source": source})
    raise AgreementError(
        f"No active data-sharing agreement of {who} covers {source}; nothing was stored. "
        "Record or renew the agreement, then deliver again.",
        extra={"source": source})


def allowed_fields(*, adapter: Adapter, agreement: DataSharingAgreement) -> tuple[str, ...]:
    """The feed fields this agreement lets us read and store (empty list = all of them)."""
    allowed = agreement.fields_allowed or []
    if not allowed:
        return adapter.fields
    return tuple(f for f in adapter.fields if f in allowed)


# --- reading files ----------------------------------------------------------------------------
@dataclass
class Item:
    """One row read: its line, the raw values (allowed fields only) and its content hash."""

    line: int | None
    raw: dict[str, Any]
    content_hash: str
    error: str = ""  # set when the line itself could not be read (encoding, column count)


def _hash(source: str, payload: str) -> str:
    return hashlib.sha256(f"{source}\x1f{payload}".encode("utf-8", "surrogatepass")).hexdigest()


def row_hash(source: str, row: dict[str, Any]) -> str:
    """Content hash of a row: the same values in any column order hash the same."""
    clean = {k: ("" if v is None else str(v)).strip() for k, v in row.items()}
    return _hash(source, json.dumps(clean, sort_keys=True, ensure_ascii=False))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Lines:
    """Decodes a binary file line by line; undecodable lines are set aside with their number."""

    def __init__(self, fh: io.BufferedReader, start_line: int) -> None:
        self.fh, self.number = fh, start_line
        self.consumed: list[int] = []
        self.bad: list[tuple[int, bytes]] = []

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad.append((self.number, raw))
                continue
            self.consumed.append(self.number)
            # PostgreSQL text and jsonb cannot hold NUL; it is never meaningful in a feed.
            yield text.replace("\x00", "") if "\x00" in text else text


def read_csv(*, source: str, path: Path, fields: tuple[str, ...],
             allowed: tuple[str, ...]) -> Iterator[Item]:
    """Rows of a feed file as Items, in file order; malformed lines become error Items.

    Blank lines are skipped (not rows). A line that is not UTF-8 or has the wrong number of
    values is an error item with its line number; the rest of the file goes on.
    """
    with path.open("rb") as fh:
        header_bytes = fh.readline()
        try:
            header_text = header_bytes.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApplicationError(f"{path.name}: the header line is not UTF-8 text.",
                                   code="bad_header") from None
        header = [h.strip().lower() for h in next(csv.reader([header_text]), [])]
        if not set(header) & set(fields):
            raise ApplicationError(
                f"{path.name}: the header has none of the {source} columns "
                f"(expected: {', '.join(fields)}).", code="bad_header")
        lines = _Lines(fh, start_line=1)
        reader = csv.reader(lines)
        keep = set(allowed)
        while True:
            lines.consumed.clear()
            try:
                values = next(reader)
                error = ""
            except StopIteration:
                values, error = None, ""
            except csv.Error as exc:
                values, error = [], f"the line cannot be read as CSV ({exc})"
            for number, raw in lines.bad:
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                yield Item(line=number, raw={"_line": text} if keep == set(fields) else {},
                           content_hash=_hash(source, raw.hex()),
                           error=f"line {number} is not UTF-8 text (re-send the file in UTF-8)")
            lines.bad.clear()
            if values is None:
                return
            first = lines.consumed[0] if lines.consumed else lines.number
            if not error and (not values or all(not v.strip() for v in values)):
                continue
            if not error and len(values) != len(header):
                error = (f"line {first} has {len(values)} values but the header has "
                         f"{len(header)} (quote a value that contains a comma)")
            if error:
                joined = ",".join(values)
                yield Item(line=first, raw={"_line": joined} if keep == set(fields) else {},
                           content_hash=_hash(source, joined), error=error)
                continue
            row = {h: v for h, v in zip(header, values) if h in keep}
            yield Item(line=first, raw=row, content_hash=row_hash(source, row))


# --- the chunk: dedupe, parse, link, store ----------------------------------------------------
def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass
class KnownLink:
    """The outcome of a record that names its own person (internal sources): no linkage."""

    person_id: int | None
    household_id: int | None
    status: str = "linked"
    probability: float = 1.0
    reason: str = "the agency's own record"
    candidates: tuple = ()


def _link(source: str, records: list[ParsedRecord],
          excluded: set[tuple[str, int]] | None = None) -> list[Any]:
    """Link parsed records; internal records already know their person and skip linkage.

    `excluded` holds (record_id, person_id) pairs a reviewer rejected: never proposed again.
    """
    from risk.linkage import link_records

    outcomes: list[Any] = [None] * len(records)
    to_link = [i for i, r in enumerate(records) if r.known_household_id is None]
    if to_link:
        by_record: dict[str, list[int]] = {}
        for pos, i in enumerate(to_link):
            by_record.setdefault(records[i].record_id, []).append(pos)
        exclude = [(pos, pid) for rid, pid in (excluded or ()) for pos in by_record.get(rid, ())]
        linked = link_records(source=source, people=[records[i].person for i in to_link],
                              exclude=exclude)
        for i, outcome in zip(to_link, linked):
            outcomes[i] = outcome
    for i, r in enumerate(records):
        if r.known_household_id is not None:
            outcomes[i] = KnownLink(person_id=r.known_person_id,
                                    household_id=r.known_household_id)
    return outcomes


def _rejected_pairs(source: str, record_ids: list[str]) -> set[tuple[str, int]]:
    """(record_id, person_id) pairs a reviewer rejected before: never proposed again."""
    ids = sorted({r for r in record_ids if r})
    if not ids or not LinkReview.objects.filter(decision=LinkReview.REJECTED).exists():
        return set()
    if connection.vendor != "postgresql":
        return set(LinkReview.objects.filter(
            decision=LinkReview.REJECTED, raw_record__source=source,
            raw_record__record_id__in=ids,
        ).values_list("raw_record__record_id", "person_id"))
    with connection.cursor() as cur:  # one array parameter: cheap to build for 5,000 ids
        cur.execute(f"SELECT r.record_id, l.person_id FROM {LinkReview._meta.db_table} l "  # noqa: S608  # nosec B608
                    f"JOIN {RawRecord._meta.db_table} r ON r.id = l.raw_record_id "
                    "WHERE l.decision = %s AND r.source = %s AND r.record_id = ANY(%s)",
                    [LinkReview.REJECTED, source, ids])
        return set(cur.fetchall())


ORIGINAL_COLUMNS = ("id", "content_hash", "person_id", "household_id", "match_probability",
                    "line", "batch_id", "record_id")


def _originals(source: str, hashes: set[str]) -> dict[str, dict[str, Any]]:
    """The earliest stored new row for each content hash (exact re-deliveries)."""
    out: dict[str, dict[str, Any]] = {}
    if not hashes:
        return out
    if connection.vendor != "postgresql":
        rows = (RawRecord.objects.filter(source=source, content_hash__in=hashes,
                                         status__in=NEW_STATUSES)
                .order_by("id").values_list(*ORIGINAL_COLUMNS))
    else:
        with connection.cursor() as cur:
            cur.execute(f"SELECT {', '.join(ORIGINAL_COLUMNS)} "  # noqa: S608  # nosec B608
                        f"FROM {RawRecord._meta.db_table} WHERE source = %s "
                        "AND content_hash = ANY(%s) AND status = ANY(%s) ORDER BY id",
                        [source, sorted(hashes), list(NEW_STATUSES)])
            rows = cur.fetchall()
    for row in rows:
        out.setdefault(row[1], dict(zip(ORIGINAL_COLUMNS, row)))
    return out


@dataclass
class _Prepared:
    """A chunk read, deduplicated and linked, ready to be written in one transaction."""

    raws: list[Any]
    link_info: list[tuple[int, ParsedRecord, Any]]
    counts: dict[str, int]
    results: list[dict[str, Any]]
    now: dt.datetime
    agreement_id: int
    # Filled by a child process (_prepare_in_child): the rows already in COPY format.
    payloads: list[CopyPayload] | None = None
    reviews: list[LinkReview] = field(default_factory=list)
    households: list[int] = field(default_factory=list)
    fill: list[int] = field(default_factory=list)  # duplicates of rows not written yet


def _prepare_chunk(*, batch_id: int, adapter: Adapter, items: list[Item],
                   agreement: DataSharingAgreement, pending: dict[str, Any] | None = None,
                   allocate_ids: bool = False, ids: list[int] | None = None) -> _Prepared:
    """Parse, deduplicate and link one chunk; nothing is written here.

    `pending` maps content hashes of the previous chunk's new rows that may not be committed
    yet (pipelined writes), so a re-delivery across the chunk boundary is still a duplicate.
    With `allocate_ids` the rows get their ids now (PostgreSQL sequence), so signals and
    reviews can refer to them before the write.
    """
    source = adapter.source
    now = timezone.now()
    parsed: list[ParsedRecord | Rejection] = []
    for item in items:
        if item.error:
            parsed.append(Rejection(record_id=f"line:{item.line}" if item.line else "",
                                    reason=item.error))
        else:
            parsed.append(adapter.parse(item.raw, line=item.line))

    # Exact re-deliveries: an earlier new record with the same content hash, or earlier in chunk.
    hashes = {it.content_hash for it, p in zip(items, parsed) if isinstance(p, ParsedRecord)}
    originals = _originals(source, hashes)
    for key, row in (pending or {}).items():
        if key in hashes and key not in originals:
            originals[key] = row if isinstance(row, dict) else {
                "id": row.id, "person_id": row.person_id, "household_id": row.household_id,
                "match_probability": row.match_probability, "line": row.line,
                "batch_id": row.batch_id}

    kinds: list[str] = []  # "new" | "duplicate" | "rejected" per item
    seen: dict[str, int] = {}
    new_records: list[ParsedRecord] = []
    for idx, (item, p) in enumerate(zip(items, parsed)):
        if isinstance(p, Rejection):
            kinds.append("rejected")
        elif item.content_hash in originals or item.content_hash in seen:
            kinds.append("duplicate")
        else:
            seen[item.content_hash] = idx
            kinds.append("new")
            new_records.append(p)

    excluded = _rejected_pairs(source, [r.record_id for r in new_records])
    outcomes = iter(_link(source, new_records, excluded)) if new_records else iter(())
    if ids is None and allocate_ids:
        ids = _allocate_ids(RawRecord, len(items))

    raws: list[_Row] = []
    link_info: list[tuple[int, ParsedRecord, Any]] = []
    results: list[dict[str, Any]] = []
    for idx, (item, p, kind) in enumerate(zip(items, parsed, kinds)):
        raw = _Row(id=ids[idx] if ids else None, batch_id=batch_id, source=source,
                   line=item.line,
                   record_id=p.record_id[:120], content_hash=item.content_hash, raw=item.raw,
                   parsed={}, status="", reason="", agreement_id=agreement.pk, received_at=now,
                   person_id=None, household_id=None, match_probability=None,
                   duplicate_of_id=None)
        if kind == "rejected":
            raw.status, raw.reason = RawRecord.REJECTED, p.reason
            results.append({"status": "rejected", "reason": p.reason, "record_id": p.record_id})
        elif kind == "duplicate":
            original = originals.get(item.content_hash)
            raw.parsed = p.fields  # adapters return JSON-safe fields (contract)
            raw.status = RawRecord.DUPLICATE
            if original:
                raw.duplicate_of_id = original["id"]
                raw.person_id, raw.household_id = original["person_id"], original["household_id"]
                raw.match_probability = original["match_probability"]
                raw.reason = (f"same content as line {original['line']} of batch "
                              f"{original['batch_id']}; not stored again")
            else:
                first = seen[item.content_hash]
                raw.duplicate_of_id = ids[first] if ids else None
                raw.reason = f"same content as line {items[first].line} " \
                             "of this delivery; not stored again"
            results.append({"status": "duplicate", "reason": raw.reason,
                            "record_id": p.record_id})
        else:
            outcome = next(outcomes)
            raw.parsed = p.fields
            status = outcome.status
            candidates = [c for c in (outcome.candidates or [])
                          if (p.record_id, c.get("person_id")) not in excluded]
            if status == "linked" and (p.record_id, outcome.person_id) in excluded:
                status, candidates = "unlinked", []
            if status == "review" and not candidates:
                status = "unlinked"
                outcome_reason = "the only candidates were rejected by a reviewer before"
            else:
                outcome_reason = outcome.reason or ""
            raw.status = status
            raw.reason = outcome_reason
            raw.match_probability = outcome.probability
            if status == "linked":
                raw.person_id, raw.household_id = outcome.person_id, outcome.household_id
            link_info.append((idx, p, candidates))
            results.append({"status": "accepted", "reason": None, "record_id": p.record_id})
        raws.append(raw)

    for raw, item in zip(raws, items):  # a re-delivery within the chunk: its original's link
        if raw.status == RawRecord.DUPLICATE and raw.person_id is None \
                and item.content_hash in seen:
            original = raws[seen[item.content_hash]]
            raw.person_id, raw.household_id = original.person_id, original.household_id
            raw.match_probability = original.match_probability
    counts = {"rows_read": len(items), "new": kinds.count("new"),
              "duplicate": kinds.count("duplicate"), "rejected": kinds.count("rejected"),
              "linked": sum(r.status == RawRecord.LINKED for r in raws),
              "review": sum(r.status == RawRecord.REVIEW for r in raws),
              "unlinked": sum(r.status == RawRecord.UNLINKED for r in raws)}
    # Signals and reviews refer to raw ids, so they are built at write time.
    return _Prepared(raws=raws, link_info=link_info, counts=counts, results=results, now=now,
                     agreement_id=agreement.pk)


def _chunk_rows(prepared: _Prepared) -> tuple[list[_Row], list[LinkReview], list[int]]:
    """The signals, review candidates and households of a chunk whose raw rows have ids."""
    raws, now = prepared.raws, prepared.now
    signals: list[_Row] = []
    reviews: list[LinkReview] = []
    households: set[int] = set()
    for idx, p, candidates in prepared.link_info:
        raw = raws[idx]
        if raw.status == RawRecord.LINKED and raw.household_id:
            signals.append(_Row(**signal_fields(raw=raw, record=p,
                                                agreement_id=prepared.agreement_id,
                                                known_at=now)))
            households.add(raw.household_id)
        elif raw.status == RawRecord.REVIEW:
            reviews.extend(
                LinkReview(raw_record_id=raw.id, person_id=c["person_id"],
                           match_probability=c.get("probability") or 0.0,
                           comparison=_json_safe(c.get("comparison") or {}), created_at=now)
                for c in candidates)
    return signals, reviews, sorted(households)


def _write_chunk(prepared: _Prepared, *, batch_id: int) -> None:
    """Write one prepared chunk in one transaction; rescoring is queued after commit."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A chunk lost to a crash right after commit is simply read again on the re-run
            # (its lines are not stored), so the commit need not wait for the disk flush.
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        if prepared.payloads is None:
            fast_insert(RawRecord, prepared.raws)  # gives the raw rows their ids
            signals, reviews, household_ids = _chunk_rows(prepared)
            fast_insert(Signal, signals)
        else:
            for payload in prepared.payloads:
                copy_rows(payload)
            reviews, household_ids = prepared.reviews, prepared.households
            if prepared.fill:  # their originals were written by an earlier chunk
                table = RawRecord._meta.db_table
                with connection.cursor() as cur:
                    cur.execute(f"UPDATE {table} r SET person_id = o.person_id, "  # noqa: S608  # nosec B608
                                "household_id = o.household_id, "
                                f"match_probability = o.match_probability FROM {table} o "
                                "WHERE r.id = ANY(%s) AND o.id = r.duplicate_of_id",
                                [prepared.fill])
        LinkReview.objects.bulk_create(reviews, batch_size=2000)
        FeedBatch.objects.filter(pk=batch_id).update(
            **{key: F(key) + value for key, value in prepared.counts.items()})
        if household_ids:
            ids = list(household_ids)
            transaction.on_commit(lambda: households_signals_changed(household_ids=ids))


def _process_chunk(*, batch: FeedBatch, adapter: Adapter, items: list[Item],
                   agreement: DataSharingAgreement) -> list[dict[str, Any]]:
    """Prepare and write one chunk (sequentially); returns the per-row results."""
    prepared = _prepare_chunk(batch_id=batch.pk, adapter=adapter, items=items,
                              agreement=agreement)
    _write_chunk(prepared, batch_id=batch.pk)
    for key, value in prepared.counts.items():
        setattr(batch, key, getattr(batch, key) + value)
    return prepared.results


def _new_rows(prepared: _Prepared) -> dict[str, Any]:
    return {r.content_hash: r for r in prepared.raws if r.status in NEW_STATUSES}


def _run_chunks(*, batch: FeedBatch, adapter: Adapter, chunks: Iterable[list[Item]],
                agreement: DataSharingAgreement, pipelined: bool) -> None:
    """Process chunks in order. Pipelined (PostgreSQL, outside a caller's transaction): a
    writer thread stores chunk N while this thread parses and links chunk N+1 — the database
    work and the Python work overlap. Chunks still commit one by one, in file order."""
    if not pipelined:  # each chunk is committed before the next is read: no pending rows
        for chunk in chunks:
            _process_chunk(batch=batch, adapter=adapter, items=chunk, agreement=agreement)
        return
    import queue
    import threading

    from django.db import connections

    work: queue.Queue = queue.Queue(maxsize=1)
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            while True:
                prepared = work.get()
                if prepared is None:
                    return
                if not failure:
                    _write_chunk(prepared, batch_id=batch.pk)
        except BaseException as exc:  # reported to the reading thread
            failure.append(exc)
            while work.get() is not None:  # drain so the reader never blocks
                pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer, name=f"ingest-{batch.pk}", daemon=True)
    thread.start()
    # Up to two chunks may be uncommitted while the next is prepared: one being written, one
    # waiting in the queue; their new rows are the `pending` originals for deduplication.
    recent: list[dict[str, Any]] = []
    try:
        for chunk in chunks:
            if failure:
                break
            pending: dict[str, Any] = {}
            for rows in recent:  # the earliest occurrence is the original
                for key, row in rows.items():
                    pending.setdefault(key, row)
            prepared = _prepare_chunk(batch_id=batch.pk, adapter=adapter, items=chunk,
                                      agreement=agreement, pending=pending,
                                      allocate_ids=True)
            recent = [*recent[-1:], _new_rows(prepared)]
            work.put(prepared)
    finally:
        work.put(None)
        thread.join()
    if failure:
        raise failure[0]
    batch.refresh_from_db()


# --- chunks prepared in parallel processes -------------------------------------------------------
_INHERITED: list[Any] = []  # a forked child's handles on the parent's database sockets


def _child_start() -> None:
    """In a forked child: let go of the parent's database connections without closing them
    (closing would end the parent's session on the shared socket) and open its own on demand,
    closed when the child exits. The child dies with its parent (a SIGKILLed Celery worker
    leaves no orphans) and does not inherit a worker's signal handlers."""
    import ctypes
    import signal
    from multiprocessing.util import Finalize

    from django.db import connections

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it ends the pool
    with suppress(OSError, AttributeError):  # Linux only: PR_SET_PDEATHSIG
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None
    Finalize(None, connections.close_all, exitpriority=10)


@contextmanager
def _children_allowed() -> Iterator[None]:
    """A Celery prefork worker runs tasks in a daemonic process, and multiprocessing refuses
    children there. Ours are joined before the task returns and die with it (_child_start),
    which is what the rule protects, so it is lifted while the pool starts its processes."""
    import multiprocessing

    config = multiprocessing.current_process()._config
    daemon = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon


def _prepare_in_child(kwargs: dict[str, Any]) -> _Prepared:
    """Prepare a chunk and turn its rows into COPY text here, where there is CPU to spare:
    the writing process then only streams them. Only the text goes back, not the rows."""
    prepared = _prepare_chunk(**kwargs)
    signals, prepared.reviews, prepared.households = _chunk_rows(prepared)
    if signals:
        for row, pk in zip(signals, _allocate_ids(Signal, len(signals))):
            row.id = pk
    prepared.fill = [r.id for r in prepared.raws if r.status == RawRecord.DUPLICATE
                     and r.person_id is None and r.duplicate_of_id is not None]
    prepared.payloads = [copy_payload(RawRecord, prepared.raws)]
    if signals:
        prepared.payloads.append(copy_payload(Signal, signals))
    prepared.raws, prepared.link_info, prepared.results = [], [], []
    return prepared


def _run_chunks_parallel(*, batch: FeedBatch, adapter: Adapter, chunks: Iterable[list[Item]],
                         agreement: DataSharingAgreement, processes: int) -> None:
    """Parse, deduplicate and link chunks in `processes` forked processes; write them here.

    Parsing and linkage are CPU work in Python, so one process cannot keep up with the
    database (docs/benchmarks.md); chunks are spread over processes as rescoring spreads
    households over workers. Writes stay in this process and in file order, so a crash leaves
    a prefix of the file stored and the re-run resumes after it. This process gives each chunk
    its row ids before sending it out, so a re-delivery of a row that is still on its way
    (in a chunk not yet written) points at its original all the same; the original's link is
    copied onto it when its chunk is written.
    """
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    window = processes + 1  # chunks sent out and not yet written
    inflight: deque[tuple[list[int], Any]] = deque()
    pending: dict[str, dict[str, Any]] = {}  # hash -> first row of this batch not yet written

    def write_next() -> None:
        ids, job = inflight.popleft()
        _write_chunk(job.result(), batch_id=batch.pk)  # a child's exception is raised here
        mine = set(ids)
        for key in [k for k, row in pending.items() if row["id"] in mine]:
            del pending[key]

    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                               initializer=_child_start)
    try:
        for chunk in chunks:
            ids = _allocate_ids(RawRecord, len(chunk))
            earlier = {it.content_hash: pending[it.content_hash] for it in chunk
                       if it.content_hash in pending}
            for item, pk in zip(chunk, ids):
                if not item.error:
                    pending.setdefault(item.content_hash, {
                        "id": pk, "line": item.line, "batch_id": batch.pk, "person_id": None,
                        "household_id": None, "match_probability": None})
            with _children_allowed():  # the first submit forks the processes
                job = pool.submit(_prepare_in_child, {
                    "batch_id": batch.pk, "adapter": adapter, "items": chunk,
                    "agreement": agreement, "pending": earlier, "ids": ids})
            inflight.append((ids, job))
            if len(inflight) >= window:
                write_next()
        while inflight:
            write_next()
    finally:  # on failure, chunks not yet written are dropped; the re-run resumes before them
        pool.shutdown(wait=True, cancel_futures=True)
    batch.refresh_from_db()


class _Row(SimpleNamespace):
    """A row to insert: column attnames as attributes, lighter than a model instance."""


def _allocate_ids(model: type, count: int) -> list[int]:
    """Primary keys for rows not yet written, from the table's sequence (PostgreSQL)."""
    meta = model._meta
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                    "FROM generate_series(1, %s)", [meta.db_table, meta.pk.column, count])
        return [r[0] for r in cur.fetchall()]


@dataclass
class CopyPayload:
    """Rows of one model in COPY text format, ready to stream."""

    model: type
    columns: list[str]
    text: str


def copy_payload(model: type, rows: list[_Row]) -> CopyPayload:
    """COPY text of rows that already have their ids; missing columns take the field default."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in vars(rows[0])}
    names = [f.attname for f in fields]
    buf = io.StringIO()
    for row in rows:
        values = vars(row)
        buf.write(str(row.id))
        for name in names:
            buf.write("\t")
            buf.write(copy_text(values[name] if name in values else defaults[name]))
        buf.write("\n")
    return CopyPayload(model=model, columns=[meta.pk.column, *(f.column for f in fields)],
                       text=buf.getvalue())


def copy_rows(payload: CopyPayload) -> None:
    """One COPY of a payload on this process's connection."""
    table = connection.ops.quote_name(payload.model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in payload.columns)
    with connection.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(payload.text))


def fast_insert(model: type, rows: list[_Row]) -> None:
    """Insert rows of a model and set each row's `id`.

    On PostgreSQL: ids drawn from the table's sequence in one query, then one COPY — several
    times faster than bulk_create's per-field preparation at 5,000 rows a chunk. Elsewhere
    (SQLite, the laptop mode) plain bulk_create. Missing columns take the field default.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objs = [model(**vars(r)) for r in rows]
        model.objects.bulk_create(objs, batch_size=500)
        for row, obj in zip(rows, objs):
            row.id = obj.pk
        return
    if getattr(rows[0], "id", None) is None:
        for row, pk in zip(rows, _allocate_ids(model, len(rows))):
            row.id = pk
    copy_rows(copy_payload(model, rows))


def signal_fields(*, raw: Any, record: ParsedRecord, agreement_id: int | None,
                  known_at: dt.datetime) -> dict[str, Any]:
    """The column values of the Signal a linked record carries."""
    sig = record.signal
    return {"household_id": raw.household_id, "person_id": raw.person_id, "source": raw.source,
            "kind": sig["kind"], "occurred_on": sig["occurred_on"],
            "deadline": sig.get("deadline"), "known_at": sig.get("known_at") or known_at,
            "amount": sig.get("amount"), "value": sig.get("value"),
            "details": sig.get("details") or {}, "raw_record_id": raw.id,
            "agreement_id": agreement_id}


def signal_from_record(*, raw: RawRecord, record: ParsedRecord,
                       agreement: DataSharingAgreement | None,
                       known_at: dt.datetime) -> Signal:
    """The Signal a linked record carries (unsaved)."""
    return Signal(**signal_fields(raw=raw, record=record,
                                  agreement_id=agreement.pk if agreement else None,
                                  known_at=known_at))


def households_signals_changed(*, household_ids: list[int]) -> None:
    """Queue rescoring and tell higher layers; called after commit, once per chunk."""
    from risk import signals as risk_signals
    from risk import tasks as risk_tasks

    if not household_ids:
        return
    task = getattr(risk_tasks, "rescore_households", None)
    if task is not None:
        try:
            task.delay(list(household_ids))
        except Exception:  # the signals are stored; a nightly rescore_all catches up
            logger.exception("could not queue rescoring of %d households", len(household_ids))
    risk_signals.household_signals_changed.send(sender=None, household_ids=list(household_ids))


# --- public entry points ----------------------------------------------------------------------
def _finish(batch: FeedBatch, response: dict | None = None) -> FeedBatch:
    batch.status = "done"
    batch.finished_at = timezone.now()
    fields = ["status", "finished_at"]
    if response is not None:
        batch.response = response
        fields.append("response")
    batch.save(update_fields=fields)
    return batch


def ingest_file(*, source: str, path: Path, partner: PartnerAgency | None = None,
                file_name: str | None = None, chunk_size: int | None = None,
                pipelined: bool = True) -> FeedBatch:
    """Read one feed file (command line and scheduled pulls); returns its batch with counts.

    A file already read completely is not read again: the earlier batch is returned with
    `already_read = True`. An interrupted read of the same file is resumed after its last
    finished chunk. Raises AgreementError (nothing stored) without a covering agreement.
    """
    path = Path(path)
    adapter = get_adapter(source)
    agreement = agreement_for(source=source, partner=partner)
    chunk_size = chunk_size or int(getattr(settings, "INGEST_CHUNK_SIZE", CHUNK_SIZE))
    sha = file_sha256(path)
    with _file_lock(f"{source}:{sha}"), _fewer_collections():
        return _ingest_file_locked(source=source, path=path, sha=sha, adapter=adapter,
                                   agreement=agreement, file_name=file_name,
                                   chunk_size=chunk_size, pipelined=pipelined)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A chunk allocates hundreds of thousands of short-lived objects; with the default
    thresholds the cyclic collector ran so often that it took a fifth of ingestion's CPU
    (docs/benchmarks.md). Reference counting frees these objects anyway."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _file_lock(key: str) -> Iterator[None]:
    """One reader per file at a time (a command and a scheduled pull may race) — a session
    advisory lock on PostgreSQL; SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        if not cur.fetchone()[0]:
            raise ApplicationError("This file is being read by another process right now; "
                                   "it will not be read twice.", code="in_progress",
                                   status=409)
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def _ingest_file_locked(*, source: str, path: Path, sha: str, adapter: Adapter,
                        agreement: DataSharingAgreement, file_name: str | None,
                        chunk_size: int, pipelined: bool) -> FeedBatch:
    done = (FeedBatch.objects.filter(source=source, file_sha256=sha, status="done")
            .order_by("id").first())
    if done:
        done.already_read = True
        return done
    batch = (FeedBatch.objects.filter(source=source, file_sha256=sha, status="processing")
             .order_by("id").first())
    resume_after = 0
    if batch is None:
        batch = FeedBatch.objects.create(source=source, origin=FeedBatch.FILE,
                                         file_name=file_name or str(path), file_sha256=sha,
                                         partner=agreement.partner, agreement=agreement)
    else:
        resume_after = batch.records.aggregate(m=Max("line"))["m"] or 0
        batch.agreement = agreement
        batch.save(update_fields=["agreement"])
    batch.already_read = False
    items = read_csv(source=source, path=path, fields=adapter.fields,
                     allowed=allowed_fields(adapter=adapter, agreement=agreement))
    items = (it for it in items if it.line is None or it.line > resume_after)
    chunks = chunked(items, chunk_size)
    pipelined = pipelined and _can_pipeline()
    processes = int(getattr(settings, "INGEST_PROCESSES", 1))
    if pipelined and processes > 1:
        head = list(itertools.islice(chunks, 2))
        chunks = itertools.chain(head, chunks)
        if len(head) > 1:  # more than one chunk: worth the processes
            _run_chunks_parallel(batch=batch, adapter=adapter, chunks=chunks,
                                 agreement=agreement, processes=processes)
            return _finish(batch)
    _run_chunks(batch=batch, adapter=adapter, chunks=chunks, agreement=agreement,
                pipelined=pipelined)
    return _finish(batch)


def _can_pipeline() -> bool:
    """A writer thread has its own connection: only on PostgreSQL and only when the caller
    holds no open transaction (whose rows that connection could not see)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def ingest_rows(*, source: str, rows: Iterable[dict[str, str]], file_name: str,
                partner: PartnerAgency | None = None, origin: str = FeedBatch.INTERNAL,
                chunk_size: int = CHUNK_SIZE) -> FeedBatch:
    """Ingest rows that are already dicts (internal sources such as benefit lapses)."""
    adapter = get_adapter(source)
    agreement = agreement_for(source=source, partner=partner)
    allowed = set(allowed_fields(adapter=adapter, agreement=agreement))
    batch = FeedBatch.objects.create(source=source, origin=origin, file_name=file_name,
                                     partner=agreement.partner, agreement=agreement)

    def items() -> Iterator[Item]:
        for n, row in enumerate(rows, start=1):
            kept = {k: ("" if v is None else str(v)) for k, v in row.items() if k in allowed}
            yield Item(line=n, raw=kept, content_hash=row_hash(source, kept))

    for chunk in chunked(items(), chunk_size):
        _process_chunk(batch=batch, adapter=adapter, items=chunk, agreement=agreement)
    return _finish(batch)


def ingest_records(*, source: str, records: list[dict], partner: PartnerAgency,
                   idempotency_key: str = "") -> tuple[FeedBatch, list[dict]]:
    """Records pushed by a partner through the API; one result per record, in order.

    Raises AgreementError (HTTP 403) when the partner's active agreements do not cover the
    source. A retried idempotency key returns the stored answer and stores nothing new.
    """
    adapter = get_adapter(source)
    if idempotency_key:
        previous = FeedBatch.objects.filter(partner=partner,
                                            idempotency_key=idempotency_key).first()
        if previous is not None and previous.status == "done":
            return previous, list(previous.response.get("results", []))
    agreement = agreement_for(source=source, partner=partner)
    allowed = set(allowed_fields(adapter=adapter, agreement=agreement))
    try:
        with transaction.atomic():
            batch = FeedBatch.objects.create(source=source, origin=FeedBatch.API,
                                             idempotency_key=idempotency_key[:200],
                                             partner=partner, agreement=agreement)
    except IntegrityError:
        # The same key is being processed (or was, unfinished): answer from the stored batch.
        previous = FeedBatch.objects.get(partner=partner, idempotency_key=idempotency_key[:200])
        if previous.status != "done":
            raise ApplicationError("A request with this Idempotency-Key is still being "
                                   "processed; retry later.", code="in_progress",
                                   status=409) from None
        return previous, list(previous.response.get("results", []))
    items: list[Item] = []
    for n, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            items.append(Item(line=n, raw={}, content_hash=_hash(source, repr(record)),
                              error=f"record {n} is not an object of {source} fields"))
            continue
        kept = {k: ("" if v is None else str(v)).replace("\x00", "")
                for k, v in record.items() if k in allowed}
        items.append(Item(line=n, raw=kept, content_hash=row_hash(source, kept)))
    results: list[dict] = []
    for chunk in chunked(items, CHUNK_SIZE):
        results.extend(_process_chunk(batch=batch, adapter=adapter, items=chunk,
                                      agreement=agreement))
    _finish(batch, response={"results": results})
    return batch, results


def ingest_benefit_lapses(*, as_of: dt.date | None = None) -> FeedBatch:
    """Nightly: enrollments whose recertification passed unrenewed since the last run."""
    from risk.sources.benefit_lapses import BenefitLapsesAdapter

    as_of = as_of or timezone.localdate()
    config = source_get_or_create(source="benefit_lapses")
    since = None
    if config.watermark:
        since = dt.date.fromisoformat(config.watermark)
    adapter = get_adapter("benefit_lapses")
    assert isinstance(adapter, BenefitLapsesAdapter)
    batch = ingest_rows(source="benefit_lapses", rows=adapter.rows(as_of=as_of, since=since),
                        file_name=f"enrollments due after {since or 'the start'} before {as_of}")
    config.watermark = (as_of - dt.timedelta(days=1)).isoformat()
    config.last_pulled_at = timezone.now()
    config.last_error = ""
    config.save(update_fields=["watermark", "last_pulled_at", "last_error"])
    return batch


def batch_summary(batch: FeedBatch) -> str:
    """The one-line summary of DESIGN.md."""
    return (f"rows read {batch.rows_read}, new {batch.new}, duplicate {batch.duplicate}, "
            f"linked {batch.linked}, needs-review {batch.review}, rejected {batch.rejected}")
