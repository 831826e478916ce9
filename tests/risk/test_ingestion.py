"""Ingestion through its public surface: the command, the service the API calls, review,
retention and export. Linkage is replaced by a tiny exact-match stand-in so these tests pin
ingestion's behaviour, not the linkage model (tests/risk/test_linkage*.py cover that)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dhs.exceptions import AgreementError
from dhs.models import AuditEvent, DataSharingAgreement
from risk.models import FeedBatch, KnownIdentifier, LinkReview, RawRecord, Signal
from tests.factories import AgreementFactory, HouseholdFactory, PartnerFactory, PersonFactory

EVICTION_HEADER = ["case_number", "filing_date", "court", "plaintiff", "defendant_name",
                   "defendant_address", "hearing_date", "amount_claimed"]


# --- the linkage stand-in ---------------------------------------------------------------------
@dataclass
class Outcome:
    status: str
    person_id: int | None
    household_id: int | None
    probability: float | None
    reason: str
    candidates: list = field(default_factory=list)


def exact_link_records(*, source: str, people: list, **_: object) -> list[Outcome]:
    """Same last and first name (and birth date when given) links; same last name only is
    a review candidate; else unlinked. One query for the whole chunk, like the real one."""
    from cases.models import Person

    lasts = {p.last_name.lower() for p in people}
    by_last: dict[str, list] = {}
    for person in Person.objects.filter(last_name__in=[x.title() for x in lasts]):
        by_last.setdefault(person.last_name.lower(), []).append(person)
    out = []
    for key in people:
        known = KnownIdentifier.objects.filter(source=source, external_id=key.external_id).first() \
            if key.external_id else None
        if known:
            out.append(Outcome("linked", known.person_id, known.person.household_id, 1.0,
                               "known identifier"))
            continue
        same = by_last.get(key.last_name.lower(), [])
        exact = [p for p in same if p.first_name.lower() == key.first_name.lower()
                 and (key.date_of_birth is None or p.date_of_birth == key.date_of_birth)]
        if exact:
            out.append(Outcome("linked", exact[0].id, exact[0].household_id, 0.99,
                               "exact name match"))
        elif same:
            out.append(Outcome("review", None, None, 0.7, "same last name only",
                               [{"person_id": p.id, "probability": 0.7,
                                 "comparison": {"last_name": "exact"}} for p in same]))
        else:
            out.append(Outcome("unlinked", None, None, 0.01, "no candidate"))
    return out


def remember(*, source: str, external_id: str, person_id: int, user=None) -> None:
    KnownIdentifier.objects.get_or_create(source=source, external_id=external_id,
                                          defaults={"person_id": person_id})


@pytest.fixture(autouse=True)
def exact_linkage(monkeypatch):
    import risk.linkage

    monkeypatch.setattr(risk.linkage, "link_records", exact_link_records, raising=False)
    monkeypatch.setattr(risk.linkage, "remember_identifier", remember, raising=False)


# --- a small world and feed files -------------------------------------------------------------
@pytest.fixture
def world(office_a):
    """Ten households of one person each, Testperson0..9, in office NORTH."""
    people = []
    for i in range(10):
        household = HouseholdFactory(office=office_a, street=f"{10 + i} Oak Street")
        people.append(PersonFactory(household=household, first_name="Maria",
                                    last_name=f"Testperson{i}"))
    return people


@pytest.fixture
def court(db):
    partner = PartnerFactory(code="court", kind="court")
    agreement = AgreementFactory(partner=partner, sources=["eviction_filings"])
    return partner, agreement


def eviction_row(i: int, person=None, **changes) -> list[str]:
    last = person.last_name.upper() if person else f"NOBODY{i}"
    row = {"case_number": f"EV-{i:05d}", "filing_date": "2025-03-01", "court": "District",
           "plaintiff": "Oak LLC", "defendant_name": f"{last}, MARIA",
           "defendant_address": "10 Oak St, Springfield, IL 62701",
           "hearing_date": "2025-03-20", "amount_claimed": "1200"}
    row.update(changes)
    return [row[h] for h in EVICTION_HEADER]


def write_csv(path: Path, rows: list[list[str]], *, raw_lines: dict[int, bytes] | None = None
              ) -> Path:
    """Header + rows; raw_lines inserts undecodable/odd byte lines before the given row index."""
    out = io.BytesIO()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(EVICTION_HEADER)
    out.write(buf.getvalue().encode())
    for i, row in enumerate(rows):
        if raw_lines and i in raw_lines:
            out.write(raw_lines[i])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        out.write(buf.getvalue().encode())
    path.write_bytes(out.getvalue())
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_malformed_feed_loses_no_good_row(world, court, tmp_path):
    good = [eviction_row(i, world[i % 10]) for i in range(45)]
    bad = [
        eviction_row(100, world[0], filing_date="2024-13-45"),
        eviction_row(101, world[1], defendant_name=""),
        eviction_row(102, world[2], amount_claimed="-300"),
        eviction_row(103, world[3])[:5],  # wrong column count
    ]
    rows = good[:20] + bad + good[20:] + [[""] * 0]  # a trailing blank line is not a row
    path = write_csv(tmp_path / "evictions.csv", rows,
                     raw_lines={10: b"EV-99999,2025-03-01,Court,P,M\xfcLLER, HANS,x,,1\n"})
    out, err = run("ingest_signals", "eviction_filings", str(path))
    batch = FeedBatch.objects.get()
    assert batch.rows_read == 50
    assert batch.rows_read == batch.new + batch.duplicate + batch.rejected
    assert (batch.new, batch.duplicate, batch.rejected) == (45, 0, 5)
    assert out.strip().splitlines()[-1] == (
        "rows read 50, new 45, duplicate 0, linked 45, needs-review 0, rejected 5")
    assert RawRecord.objects.count() == 50
    assert set(RawRecord.objects.filter(status="linked").values_list("record_id", flat=True)) \
        == {f"EV-{i:05d}" for i in range(45)}
    assert Signal.objects.count() == 45
    reasons = dict(RawRecord.objects.filter(status="rejected").values_list("line", "reason"))
    assert "filing_date '2024-13-45' is not a date (expected YYYY-MM-DD)" in reasons.values()
    assert any("not UTF-8" in r for r in reasons.values())
    assert any("5 values but the header has 8" in r for r in reasons.values())
    assert any("is negative" in r for r in reasons.values())
    assert any("defendant_name is empty" in r for r in reasons.values())
    assert "line 12: line 12 is not UTF-8 text" in err  # line numbers of the file
    signal = Signal.objects.get(raw_record__record_id="EV-00000")
    assert signal.household_id == world[0].household_id
    assert (signal.kind, signal.occurred_on, signal.deadline, str(signal.amount)) == \
        ("eviction_filing", dt.date(2025, 3, 1), dt.date(2025, 3, 20), "1200.00")


def test_same_file_twice_adds_nothing_and_redeliveries_are_duplicates(world, court, tmp_path):
    path = write_csv(tmp_path / "a.csv", [eviction_row(i, world[i]) for i in range(5)])
    run("ingest_signals", "eviction_filings", str(path))
    out, err = run("ingest_signals", "eviction_filings", str(path))
    assert "already read" in err and "nothing added" in err
    assert out.strip() == "rows read 0, new 0, duplicate 0, linked 0, needs-review 0, rejected 0"
    assert (FeedBatch.objects.count(), RawRecord.objects.count(), Signal.objects.count()) == \
        (1, 5, 5)
    # a new file repeating two rows (and one twice inside itself) plus one new row
    rows = [eviction_row(0, world[0]), eviction_row(1, world[1]), eviction_row(1, world[1]),
            eviction_row(7, world[7])]
    out, _ = run("ingest_signals", "eviction_filings", str(write_csv(tmp_path / "b.csv", rows)))
    assert out.strip() == "rows read 4, new 1, duplicate 3, linked 1, needs-review 0, rejected 0"
    assert Signal.objects.count() == 6
    dup = RawRecord.objects.filter(status="duplicate", record_id="EV-00000").get()
    assert dup.duplicate_of.record_id == "EV-00000" and dup.duplicate_of.status == "linked"
    # export: one row per row ever read
    out, _ = run("export_links", "eviction_filings", str(tmp_path / "links.csv"))
    exported = list(csv.DictReader((tmp_path / "links.csv").open()))
    assert len(exported) == RawRecord.objects.count() == 9
    assert list(exported[0]) == ["record_id", "person_ref", "household_ref",
                                 "match_probability", "status", "reason"]
    assert exported[0]["person_ref"] == world[0].ref
    assert exported[0]["household_ref"] == world[0].household.ref
    assert {r["status"] for r in exported} == {"linked", "duplicate"}


def test_expired_agreement_stops_ingestion_and_stores_nothing(world, court, tmp_path):
    _, agreement = court
    agreement.expiry_date = timezone.localdate() - dt.timedelta(days=1)
    agreement.save()
    path = write_csv(tmp_path / "a.csv", [eviction_row(0, world[0])])
    with pytest.raises(CommandError, match="No active data-sharing agreement"):
        run("ingest_signals", "eviction_filings", str(path))
    assert (FeedBatch.objects.count(), RawRecord.objects.count(), Signal.objects.count()) == \
        (0, 0, 0)


def test_agreement_must_cover_source_and_purpose(world, court, utility_partner):
    partner, agreement = court
    with pytest.raises(AgreementError, match="covers utility_shutoffs"):
        from risk.services.ingestion import ingest_records
        ingest_records(source="utility_shutoffs", records=[{}], partner=partner)
    agreement.purpose = "research"
    agreement.save()
    with pytest.raises(AgreementError, match="does not cover the purpose"):
        ingest_records(source="eviction_filings", records=[{}], partner=partner)
    assert RawRecord.objects.count() == 0 and FeedBatch.objects.count() == 0


def test_fields_not_allowed_are_not_stored(world, court, tmp_path):
    _, agreement = court
    agreement.fields_allowed = ["case_number", "filing_date", "defendant_name",
                                "defendant_address", "hearing_date"]
    agreement.save()
    path = write_csv(tmp_path / "a.csv", [eviction_row(0, world[0])])
    run("ingest_signals", "eviction_filings", str(path))
    raw = RawRecord.objects.get()
    assert raw.status == "linked"
    for dropped in ("plaintiff", "amount_claimed", "court"):
        assert dropped not in raw.raw
        assert not raw.parsed.get(dropped)
    signal = Signal.objects.get()
    assert signal.amount is None and "Oak LLC" not in str(signal.details)


def test_partner_api_records_idempotent(world, court):
    from risk.services.ingestion import ingest_records

    partner, _ = court
    records = [dict(zip(EVICTION_HEADER, eviction_row(0, world[0]))),
               dict(zip(EVICTION_HEADER, eviction_row(1, world[1], filing_date="never")))]
    batch, results = ingest_records(source="eviction_filings", records=records,
                                    partner=partner, idempotency_key="k1")
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["reason"] == "filing_date 'never' is not a date (expected YYYY-MM-DD)"
    again, replay = ingest_records(source="eviction_filings", records=records,
                                   partner=partner, idempotency_key="k1")
    assert again.pk == batch.pk and replay == results
    assert RawRecord.objects.count() == 2
    _, third = ingest_records(source="eviction_filings", records=records[:1], partner=partner)
    assert third[0]["status"] == "duplicate"
    assert Signal.objects.count() == 1


def test_linked_records_trigger_rescoring_hook_after_commit(world, court, tmp_path,
                                                            django_capture_on_commit_callbacks):
    from risk.signals import household_signals_changed

    seen: list[list[int]] = []

    def receiver(sender, household_ids, **kwargs):
        seen.append(household_ids)

    household_signals_changed.connect(receiver)
    try:
        path = write_csv(tmp_path / "a.csv", [eviction_row(i, world[i]) for i in range(3)])
        with django_capture_on_commit_callbacks(execute=True):
            run("ingest_signals", "eviction_filings", str(path))
    finally:
        household_signals_changed.disconnect(receiver)
    assert seen == [sorted(p.household_id for p in world[:3])]


def test_review_accept_and_reject(world, court, sam, tmp_path, office_a):
    from risk.selectors import link_reviews_pending
    from risk.services.review import link_review_decide

    twin = PersonFactory(household=HouseholdFactory(office=office_a), first_name="Rosa",
                         last_name=world[0].last_name)
    rows = [eviction_row(0, world[0], defendant_name=f"{world[0].last_name}, MARIE"),
            eviction_row(1, world[1], defendant_name=f"{world[1].last_name}, MARIE")]
    out, _ = run("ingest_signals", "eviction_filings", str(write_csv(tmp_path / "a.csv", rows)))
    assert "needs-review 2" in out
    pending = list(link_reviews_pending(user=sam))
    assert len(pending) == 3  # two candidates for record 0, one for record 1
    first = next(r for r in pending if r.raw_record.record_id == "EV-00000"
                 and r.person_id == world[0].id)
    link_review_decide(review_id=first.pk, accept=True, user=sam)
    raw = RawRecord.objects.get(record_id="EV-00000")
    assert (raw.status, raw.person_id) == ("linked", world[0].id)
    assert Signal.objects.filter(raw_record=raw, household=world[0].household).exists()
    assert LinkReview.objects.get(raw_record=raw, person=twin).decision == "rejected"
    event = AuditEvent.objects.get(action="link_review")
    assert event.username == "sam" and event.person_ref == world[0].ref
    with pytest.raises(Exception, match="already"):
        link_review_decide(review_id=first.pk, accept=False, user=sam)

    second = LinkReview.objects.get(raw_record__record_id="EV-00001")
    link_review_decide(review_id=second.pk, accept=False, user=sam)
    assert RawRecord.objects.get(record_id="EV-00001").status == "unlinked"
    # the same record re-sent with a change: the rejected pair is not proposed again
    changed = [eviction_row(1, world[1], defendant_name=f"{world[1].last_name}, MARIE",
                            amount_claimed="999")]
    out, _ = run("ingest_signals", "eviction_filings",
                 str(write_csv(tmp_path / "b.csv", changed)))
    assert "needs-review 0" in out
    assert LinkReview.objects.filter(decision="pending").count() == 0


def test_review_queue_is_office_scoped(world, court, charlie, sam, tmp_path):
    from risk.selectors import link_reviews_pending

    rows = [eviction_row(0, world[0], defendant_name=f"{world[0].last_name}, MARIE")]
    run("ingest_signals", "eviction_filings", str(write_csv(tmp_path / "a.csv", rows)))
    assert link_reviews_pending(user=sam).count() == 1
    assert link_reviews_pending(user=charlie).count() == 0  # no review right, other office


def test_interrupted_file_is_resumed_without_duplicates(world, court, tmp_path, monkeypatch):
    from risk.services import ingestion

    path = write_csv(tmp_path / "a.csv", [eviction_row(i, world[i % 10]) for i in range(25)])
    real = ingestion._process_chunk
    calls = {"n": 0}

    def crash_on_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(ingestion, "_process_chunk", crash_on_third)
    with pytest.raises(RuntimeError):
        ingestion.ingest_file(source="eviction_filings", path=path, chunk_size=10)
    assert RawRecord.objects.count() == 20
    monkeypatch.setattr(ingestion, "_process_chunk", real)
    batch = ingestion.ingest_file(source="eviction_filings", path=path, chunk_size=10)
    assert (batch.rows_read, batch.new, batch.duplicate, batch.status) == (25, 25, 0, "done")
    assert RawRecord.objects.count() == 25 and Signal.objects.count() == 25
    assert FeedBatch.objects.count() == 1


def test_retention_deletes_old_rows_and_audits(world, court, tmp_path):
    from risk.tasks import apply_retention

    _, agreement = court
    run("ingest_signals", "eviction_filings",
        str(write_csv(tmp_path / "a.csv", [eviction_row(i, world[i]) for i in range(4)])))
    old = timezone.now() - dt.timedelta(days=agreement.retention_days + 1)
    RawRecord.objects.filter(record_id__in=["EV-00000", "EV-00001"]).update(received_at=old)
    Signal.objects.filter(raw_record__record_id__in=["EV-00000", "EV-00001"]).update(known_at=old)
    apply_retention.delay()
    assert set(RawRecord.objects.values_list("record_id", flat=True)) == {"EV-00002", "EV-00003"}
    assert Signal.objects.count() == 2
    event = AuditEvent.objects.get(action="retention_delete", object_id=str(agreement.pk))
    assert event.details["raw_records_deleted"] == 2 and event.details["signals_deleted"] == 2


def test_benefit_lapses_task_uses_the_agency_agreement(world):
    from cases.models import ProgramEnrollment
    from risk.tasks import ingest_benefit_lapses

    person = world[0]
    ProgramEnrollment.objects.create(household=person.household, person=person, program="snap",
                                     start_date=dt.date(2024, 1, 1),
                                     recert_due_date=timezone.localdate() - dt.timedelta(days=3))
    ingest_benefit_lapses.delay()
    agreement = DataSharingAgreement.objects.get(partner__code="dhs")
    assert agreement.covers("benefit_lapses") and agreement.partner.kind == "agency"
    signal = Signal.objects.get()
    assert (signal.kind, signal.household_id, signal.agreement_id) == \
        ("benefit_lapse", person.household_id, agreement.pk)
    ingest_benefit_lapses.delay()  # the watermark: nothing new the second night
    assert Signal.objects.count() == 1 and RawRecord.objects.count() == 1


def test_odd_characters_survive_storage(world, court, tmp_path):
    """Backslashes, tabs, quoted newlines and accents are stored exactly (PostgreSQL COPY)."""
    plaintiff = 'Smith\\Jones\tLLC "North"\nBranch — Müller'
    path = write_csv(tmp_path / "a.csv", [eviction_row(0, world[0], plaintiff=plaintiff),
                                          eviction_row(1, world[1])])
    out, _ = run("ingest_signals", "eviction_filings", str(path))
    assert out.strip() == "rows read 2, new 2, duplicate 0, linked 2, needs-review 0, rejected 0"
    raw = RawRecord.objects.get(record_id="EV-00000")
    assert raw.raw["plaintiff"] == plaintiff
    assert raw.line == 2 and RawRecord.objects.get(record_id="EV-00001").line == 4
    assert Signal.objects.get(raw_record=raw).details["plaintiff"] == \
        'Smith\\Jones LLC "North" Branch — Müller'


def test_admin_lists_every_risk_model_read_only(world, court, tmp_path, client):
    from django.contrib.auth import get_user_model

    run("ingest_signals", "eviction_filings",
        str(write_csv(tmp_path / "a.csv", [eviction_row(0, world[0])])))
    admin = get_user_model().objects.create_superuser("risk-admin", "a@example.org", "pw-123456")
    client.force_login(admin)
    for name in ("signalsource", "feedbatch", "rawrecord", "signal", "linkreview",
                 "knownidentifier", "modelversion", "scorerun", "householdscore",
                 "currentscore"):
        assert client.get(f"/admin/risk/{name}/").status_code == 200, name
    raw = RawRecord.objects.get()
    assert client.get(f"/admin/risk/rawrecord/{raw.pk}/change/").status_code == 200
    assert client.get("/admin/risk/rawrecord/add/").status_code == 403


def test_generated_feeds_with_malformed_rows_lose_no_good_row(db, tmp_path):
    """The world generator's four feeds at 10% malformed rows, against its ground truth."""
    from cases.services.imports import household_import, world_load_reference
    from cases.synthetic import generate_world

    world = tmp_path / "world"
    generate_world(out_dir=world, households=40, seed=5, end=dt.date(2026, 11, 30),
                   malformed_rate=0.1)
    world_load_reference(world_dir=world, parts=("offices",))
    household_import(path=world / "households.csv", progress=False)
    sources = ["eviction_filings", "jail_bookings", "school_attendance", "utility_shutoffs"]
    partner = PartnerFactory(code="feeds", kind="court")
    AgreementFactory(partner=partner, sources=sources)
    truth = list(csv.DictReader((world / "truth" / "links.csv").open()))
    for source in sources:
        run("ingest_signals", source, str(world / "feeds" / f"{source}.csv"))
        batch = FeedBatch.objects.get(source=source)
        assert batch.rows_read == batch.new + batch.duplicate + batch.rejected, source
        stored = {r.line: r for r in RawRecord.objects.filter(source=source)}
        expected = [t for t in truth if t["source"] == source]
        assert batch.rows_read == len(expected) == len(stored), source
        for row in expected:
            raw = stored[int(row["line"])]
            if row["malformed"] == "0":
                assert raw.status != "rejected", (source, row, raw.reason)
                if not row["duplicate_of_line"]:
                    assert raw.record_id == row["record_id"], (source, row)
            else:
                assert raw.status == "rejected", (source, row, raw.raw)
                assert raw.reason


@pytest.mark.parametrize("processes", [1, 2])
def test_pipelined_chunks_dedupe_across_uncommitted_chunks(transactional_db, world, court,
                                                           tmp_path, monkeypatch, settings,
                                                           processes):
    """On PostgreSQL outside a transaction, chunks are prepared ahead of the write — by a
    writer thread (1 process) or by forked processes (2) — and re-deliveries across chunk
    boundaries are still duplicates of rows not yet committed (SQLite: sequential)."""
    from risk.services import ingestion

    settings.INGEST_PROCESSES = processes
    used: list[bool] = []
    real = ingestion._can_pipeline
    monkeypatch.setattr(ingestion, "_can_pipeline", lambda: used.append(real()) or used[-1])
    parallel: list[int] = []
    real_parallel = ingestion._run_chunks_parallel
    monkeypatch.setattr(ingestion, "_run_chunks_parallel",
                        lambda **kw: parallel.append(kw["processes"]) or real_parallel(**kw))
    rows = [eviction_row(i, world[i % 10]) for i in range(30)]
    rows[12] = rows[3]   # next chunk repeats a row of the chunk being written
    rows[25] = rows[4]   # two chunks later
    rows[26] = rows[15]
    batch = ingestion.ingest_file(source="eviction_filings",
                                  path=write_csv(tmp_path / "a.csv", rows), chunk_size=10)
    assert (batch.rows_read, batch.new, batch.duplicate, batch.rejected) == (30, 27, 3, 0)
    assert batch.linked == 27 and batch.status == "done"
    assert Signal.objects.count() == 27 and RawRecord.objects.count() == 30
    dups = RawRecord.objects.filter(status="duplicate").select_related("duplicate_of")
    assert sorted((d.line, d.duplicate_of.line) for d in dups) == [(14, 5), (27, 6), (28, 17)]
    assert all(d.household_id == d.duplicate_of.household_id for d in dups)
    assert used == [settings.IS_POSTGRES]
    assert parallel == ([2] if settings.IS_POSTGRES and processes == 2 else [])


def test_parallel_chunk_failure_keeps_written_chunks_and_resumes(transactional_db, world, court,
                                                                 tmp_path, monkeypatch, settings):
    """A chunk that fails in a child process stops the file after the chunks before it were
    written; the next read of the file resumes after them and stores every row once."""
    if not settings.IS_POSTGRES:
        pytest.skip("processes are used on PostgreSQL only")
    from risk.services import ingestion

    settings.INGEST_PROCESSES = 2
    path = write_csv(tmp_path / "a.csv", [eviction_row(i, world[i % 10]) for i in range(50)])
    real = ingestion._prepare_chunk

    def fail_on_line_31(**kwargs):
        if any(item.line == 32 for item in kwargs["items"]):  # line 1 is the header
            raise RuntimeError("linkage lost its database")
        return real(**kwargs)

    monkeypatch.setattr(ingestion, "_prepare_chunk", fail_on_line_31)
    with pytest.raises(RuntimeError, match="linkage lost"):
        ingestion.ingest_file(source="eviction_filings", path=path, chunk_size=10)
    assert sorted(RawRecord.objects.values_list("line", flat=True)) == list(range(2, 32))
    monkeypatch.setattr(ingestion, "_prepare_chunk", real)
    batch = ingestion.ingest_file(source="eviction_filings", path=path, chunk_size=10)
    assert (batch.rows_read, batch.new, batch.duplicate, batch.status) == (50, 50, 0, "done")
    assert RawRecord.objects.count() == 50 and Signal.objects.count() == 50
