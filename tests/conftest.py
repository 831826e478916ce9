"""Shared fixtures: personas (Alice, Bob, Charlie…), a real Celery worker for worker tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from dhs.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    full_mode = bool(os.environ.get("REDIS_URL")) and settings.IS_POSTGRES
    for item in items:
        if "worker" in item.keywords and not full_mode:
            item.add_marker(pytest.mark.skip(
                reason="needs full mode: DATABASE_URL=postgres://… and REDIS_URL (see .ci/run)"))
        if "postgres" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))


@pytest.fixture(autouse=True)
def _celery_mode(request: pytest.FixtureRequest, settings) -> None:  # noqa: ANN001
    """Eager tasks for ordinary tests; worker tests send tasks to the real worker."""
    eager = "worker" not in request.keywords
    celery_app.conf.task_always_eager = eager
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    settings.AXES_ENABLED = "axes" in request.keywords or settings.AXES_ENABLED
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _tmp_data_dirs(settings, tmp_path: Path) -> None:  # noqa: ANN001
    settings.MODEL_DIR = tmp_path / "models"
    settings.FEED_DIR = tmp_path / "feeds"
    settings.SMS_OUTBOX_DIR = tmp_path / "outbox"


# --- the real worker ------------------------------------------------------------------------
class WorkerProcess:
    def __init__(self, proc: subprocess.Popen, log: Path, env: dict[str, str]) -> None:
        self.proc, self.log, self.env = proc, log, env

    def stop(self, sig: int = 15) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_worker(*, concurrency: int = 1, beat: bool = False, extra_env: dict | None = None,
                 name: str = "w") -> WorkerProcess:
    """Start `celery worker` against the test database and Redis; returns when it is ready."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DATABASE_URL"] = (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}")
    env["DHS_MODEL_DIR"] = str(settings.MODEL_DIR)
    env["DHS_FEED_DIR"] = str(settings.FEED_DIR)
    env["SMS_OUTBOX_DIR"] = str(settings.SMS_OUTBOX_DIR)
    env.update(extra_env or {})
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"celery-{name}-{int(time.time() * 1000)}.log"
    cmd = [sys.executable, "-m", "celery", "-A", "dhs", "worker", "-l", "info",
           "-c", str(concurrency), "-n", f"{name}-{os.getpid()}@%h", "--without-gossip",
           "--without-mingle"]
    if beat:
        # `worker -B` has no --max-interval; beat sleeps until the next due entry anyway.
        cmd += ["-B", "-s", str(ARTIFACTS / f"beat-{os.getpid()}")]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"),  # noqa: S603
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: {log.read_text()[-3000:]}")
        if "ready." in log.read_text():
            return WorkerProcess(proc, log, env)
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"celery worker did not start: {log.read_text()[-3000:]}")


@pytest.fixture
def celery_worker(transactional_db) -> WorkerProcess:  # noqa: ANN001
    """A real worker process for one test (data must be committed: transactional_db)."""
    celery_app.control.purge()
    worker = start_worker()
    yield worker
    worker.stop()


# --- personas -------------------------------------------------------------------------------
@pytest.fixture
def office_a(db):  # noqa: ANN001, ANN201
    from tests.factories import OfficeFactory
    return OfficeFactory(code="NORTH", name="Northside Service Center")


@pytest.fixture
def office_b(db):  # noqa: ANN001, ANN201
    from tests.factories import OfficeFactory
    return OfficeFactory(code="SOUTH", name="Southside Service Center")


@pytest.fixture
def alice(office_a):  # noqa: ANN001, ANN201
    """Caseworker at office A."""
    from tests.factories import make_staff
    return make_staff("alice", role="caseworker", office=office_a, password=PASSWORD)


@pytest.fixture
def bob(office_a):  # noqa: ANN001, ANN201
    """Alice's colleague, caseworker at office A."""
    from tests.factories import make_staff
    return make_staff("bob", role="caseworker", office=office_a, password=PASSWORD)


@pytest.fixture
def charlie(office_b):  # noqa: ANN001, ANN201
    """Caseworker at office B: must never see office A's households."""
    from tests.factories import make_staff
    return make_staff("charlie", role="caseworker", office=office_b, password=PASSWORD)


@pytest.fixture
def sam(office_a):  # noqa: ANN001, ANN201
    """Supervisor at office A."""
    from tests.factories import make_staff
    return make_staff("sam", role="supervisor", office=office_a, password=PASSWORD)


@pytest.fixture
def ann(db):  # noqa: ANN001, ANN201
    """Analyst: aggregates only."""
    from tests.factories import make_staff
    return make_staff("ann", role="analyst", office=None, password=PASSWORD)


@pytest.fixture
def root_admin(db):  # noqa: ANN001, ANN201
    from tests.factories import make_staff
    return make_staff("root", role="admin", office=None, password=PASSWORD)


@pytest.fixture
def household_a(office_a):  # noqa: ANN001, ANN201
    from tests.factories import HouseholdFactory, PersonFactory
    household = HouseholdFactory(office=office_a)
    PersonFactory(household=household)
    return household


@pytest.fixture
def court_partner(db):  # noqa: ANN001, ANN201
    """A court with an active agreement for eviction filings; returns (partner, token)."""
    from dhs.models import PartnerToken
    from tests.factories import AgreementFactory, PartnerFactory
    partner = PartnerFactory(code="court", name="County District Court", kind="court")
    AgreementFactory(partner=partner, sources=["eviction_filings"])
    _, raw = PartnerToken.issue(partner=partner, days=30)
    return partner, raw


@pytest.fixture
def utility_partner(db):  # noqa: ANN001, ANN201
    """A utility with an agreement for shut-offs only; returns (partner, token)."""
    from dhs.models import PartnerToken
    from tests.factories import AgreementFactory, PartnerFactory
    partner = PartnerFactory(code="utility", name="City Power & Water", kind="utility")
    AgreementFactory(partner=partner, sources=["utility_shutoffs"])
    _, raw = PartnerToken.issue(partner=partner, days=30)
    return partner, raw
