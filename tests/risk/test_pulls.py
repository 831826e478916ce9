"""Scheduled pulls: drop folders, HTTPS endpoints, and a real worker + beat end to end."""

from __future__ import annotations

import http.server
import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from risk.models import FeedBatch, RawRecord, Signal, SignalSource
from tests.factories import AgreementFactory, HouseholdFactory, PartnerFactory, PersonFactory
from tests.risk.test_ingestion import exact_linkage  # noqa: F401  (autouse stand-in)

UTILITY_HEADER = ("account_id,notice_date,utility,customer_name,service_address,"
                  "amount_past_due,scheduled_shutoff_date\n")


@pytest.fixture
def people(office_a):
    return [PersonFactory(household=HouseholdFactory(office=office_a), first_name="Maria",
                          last_name=f"Pullperson{i}") for i in range(5)]


@pytest.fixture
def utility(db):
    partner = PartnerFactory(code="utility", kind="utility")
    AgreementFactory(partner=partner, sources=["utility_shutoffs"])
    return partner


def utility_csv(people, start: int = 0) -> str:
    lines = [f"A-{start + i},2025-01-10,electric,\"{p.last_name.upper()}, MARIA\","
             f"\"4 Pine Ave, Springfield, IL 62703\",310.00,2025-02-10\n"
             for i, p in enumerate(people)]
    return UTILITY_HEADER + "".join(lines)


def age(path: Path, seconds: int = 30) -> None:
    """Files are read once they have settled; make a test file look written a while ago."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_default_sources_and_schedules(db):
    from risk.tasks import pull_due_sources

    pull_due_sources.delay()
    sources = {s.name: s for s in SignalSource.objects.all()}
    assert {n: s.schedule_minutes for n, s in sources.items()} == {
        "eviction_filings": 60, "jail_bookings": 60, "utility_shutoffs": 240,
        "school_attendance": 1440, "benefit_lapses": 1440}
    folder = Path(sources["eviction_filings"].location)
    assert folder == Path(settings.FEED_DIR) / "eviction_filings" / "incoming"
    assert folder.is_dir()
    assert sources["benefit_lapses"].location_kind == SignalSource.INTERNAL


def test_folder_pull_reads_new_files_only(people, utility):
    from risk.services.ingestion import source_get_or_create
    from risk.tasks import pull_due_sources, pull_source

    config = source_get_or_create(source="utility_shutoffs")
    folder = Path(config.location)
    first = folder / "notices-1.csv"
    first.write_text(utility_csv(people[:3]))
    age(first, 60)
    assert "utility_shutoffs" in pull_due_sources.delay().get()
    assert RawRecord.objects.count() == 3 and Signal.objects.count() == 3
    config.refresh_from_db()
    assert config.watermark.endswith("|notices-1.csv") and config.last_error == ""
    # not due again within its schedule
    assert "utility_shutoffs" not in pull_due_sources.delay().get()
    # a second file arrives; the first is not read again; the folder is left as it was
    second = folder / "notices-2.csv"
    second.write_text(utility_csv(people[3:], start=3))
    age(second, 30)
    pull_source.delay("utility_shutoffs")
    assert RawRecord.objects.count() == 5 and FeedBatch.objects.count() == 2
    pull_source.delay("utility_shutoffs")
    assert FeedBatch.objects.count() == 2
    assert sorted(p.name for p in folder.iterdir()) == ["notices-1.csv", "notices-2.csv"]
    # the same content under a new name: sha256 remembered, nothing read twice
    copy = folder / "notices-3.csv"
    copy.write_bytes(second.read_bytes())
    age(copy, 10)
    pull_source.delay("utility_shutoffs")
    assert RawRecord.objects.count() == 5


def test_pull_without_agreement_records_the_error(people):
    from risk.services.ingestion import source_get_or_create
    from risk.tasks import pull_source

    config = source_get_or_create(source="utility_shutoffs")
    path = Path(config.location) / "n.csv"
    path.write_text(utility_csv(people))
    age(path)
    pull_source.delay("utility_shutoffs")
    config.refresh_from_db()
    assert "No active data-sharing agreement" in config.last_error
    assert RawRecord.objects.count() == 0 and FeedBatch.objects.count() == 0
    assert config.watermark == ""  # read again once an agreement exists


class FeedHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        FeedHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("X-Next-Since", "2025-02-01T00:00:00Z")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FeedHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/shutoffs.csv"
    server.shutdown()
    server.server_close()


def test_https_pull_passes_watermark_and_ingests(people, utility, feed_server):
    from risk.tasks import pull_source

    SignalSource.objects.create(name="utility_shutoffs", location_kind=SignalSource.HTTPS,
                                location=feed_server, partner=utility,
                                watermark="2025-01-01T00:00:00Z", schedule_minutes=240)
    FeedHandler.body = utility_csv(people).encode()
    pull_source.delay("utility_shutoffs")
    assert FeedHandler.requests == ["/shutoffs.csv?since=2025-01-01T00%3A00%3A00Z"]
    assert RawRecord.objects.filter(status="linked").count() == 5
    batch = FeedBatch.objects.get()
    assert batch.file_name.startswith(feed_server)
    source = SignalSource.objects.get(name="utility_shutoffs")
    assert source.watermark == "2025-02-01T00:00:00Z" and source.last_pulled_at is not None
    pull_source.delay("utility_shutoffs")  # the same answer again adds nothing
    assert FeedBatch.objects.count() == 1 and RawRecord.objects.count() == 5
    assert FeedHandler.requests[-1].endswith("since=2025-02-01T00%3A00%3A00Z")


@pytest.mark.worker
def test_worker_and_beat_pull_a_dropped_file(transactional_db, office_a):
    """A real worker with embedded beat picks up a file dropped in the folder, no manual step."""
    from dhs.celery import app as celery_app
    from tests.conftest import start_worker

    people = [PersonFactory(household=HouseholdFactory(office=office_a), first_name="Maria",
                            last_name=f"Beatperson{i}") for i in range(3)]
    partner = PartnerFactory(code="utility", kind="utility")
    AgreementFactory(partner=partner, sources=["utility_shutoffs"])
    for name in ("eviction_filings", "jail_bookings", "school_attendance"):
        SignalSource.objects.create(name=name, location_kind=SignalSource.PUSH)
    folder = Path(settings.FEED_DIR) / "utility_shutoffs" / "incoming"
    folder.mkdir(parents=True)
    SignalSource.objects.create(name="utility_shutoffs", location=str(folder),
                                schedule_minutes=0, partner=partner)
    celery_app.control.purge()
    worker = start_worker(beat=True, extra_env={"DHS_FEED_TICK_SECONDS": "1"}, name="beat")
    try:
        path = folder / "drop.csv"
        path.write_text(utility_csv(people))
        deadline = time.time() + 90
        while time.time() < deadline and RawRecord.objects.count() < 3:
            time.sleep(0.5)
        assert RawRecord.objects.count() == 3, worker.log.read_text()[-3000:]
        assert FeedBatch.objects.get().status in {"done", "processing"}
    finally:
        worker.stop()
    assert SignalSource.objects.get(name="utility_shutoffs").watermark.endswith("|drop.csv")


def test_https_pull_failure_is_recorded_and_retried(people, utility):
    from risk.services.pulls import source_pull

    SignalSource.objects.create(name="utility_shutoffs", location_kind=SignalSource.HTTPS,
                                location="http://127.0.0.1:9/nothing.csv", partner=utility)
    with pytest.raises(ConnectionError):
        source_pull(source="utility_shutoffs")
    assert "failed" in SignalSource.objects.get(name="utility_shutoffs").last_error
    assert FeedBatch.objects.count() == 0


@pytest.mark.worker
def test_worker_reads_a_large_file_with_processes(transactional_db, office_a):
    """Inside a Celery worker, a file of several chunks is parsed and linked in forked
    processes and written in order; the worker goes on serving the next pull."""
    from dhs.celery import app as celery_app
    from risk.tasks import pull_source
    from tests.conftest import start_worker

    people = [PersonFactory(household=HouseholdFactory(office=office_a), first_name="Maria",
                            last_name=f"Chunkperson{i}") for i in range(7)]
    partner = PartnerFactory(code="utility", kind="utility")
    AgreementFactory(partner=partner, sources=["utility_shutoffs"])
    folder = Path(settings.FEED_DIR) / "utility_shutoffs" / "incoming"
    folder.mkdir(parents=True)
    SignalSource.objects.create(name="utility_shutoffs", location=str(folder),
                                schedule_minutes=0, partner=partner)
    text = utility_csv(people)
    lines = text.splitlines(keepends=True)
    (folder / "a.csv").write_text("".join([*lines, lines[2]]))  # line 9 repeats line 3
    age(folder / "a.csv", 60)
    celery_app.control.purge()
    worker = start_worker(extra_env={"INGEST_CHUNK_SIZE": "2", "INGEST_PROCESSES": "2"},
                          name="chunks")
    try:
        pull_source.delay("utility_shutoffs").get(timeout=90)
        batch = FeedBatch.objects.get()
        assert (batch.status, batch.rows_read, batch.new, batch.duplicate) == ("done", 8, 7, 1)
        stored = dict(RawRecord.objects.values_list("line", "status"))
        assert sorted(stored) == list(range(2, 10)) and stored[9] == "duplicate"
        assert RawRecord.objects.get(line=9).duplicate_of.line == 3
        (folder / "b.csv").write_text(utility_csv(people[:2], start=100))
        age(folder / "b.csv", 30)
        pull_source.delay("utility_shutoffs").get(timeout=90)
        assert FeedBatch.objects.count() == 2 and RawRecord.objects.count() == 10
        assert "Traceback" not in worker.log.read_text()
    finally:
        worker.stop()
