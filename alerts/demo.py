"""The demo world: generate synthetic files, then load them through the real services.

seed_demo lives in the top layer because it drives every layer: the caseload import (cases),
feed ingestion and linkage, training and scoring (risk), and the catalogue and queue (alerts).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from dhs.exceptions import ApplicationError
from dhs.models import DataSharingAgreement, Office, PartnerAgency, StaffProfile

FEED_PARTNERS = {
    "eviction_filings": ("county-court", "County District Court", "court"),
    "jail_bookings": ("county-sheriff", "County Sheriff's Office", "sheriff"),
    "school_attendance": ("unified-schools", "Unified School District", "school_district"),
    "utility_shutoffs": ("city-utilities", "City Power, Gas & Water", "utility"),
}
FEED_PURPOSE = "early warning of household crisis"


@dataclass
class DemoReport:
    households: int = 0
    people: int = 0
    feed_rows: dict[str, str] = field(default_factory=dict)
    model_version: str = ""
    scored: int = 0
    work_items: int = 0
    seconds: float = 0.0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        feeds = "; ".join(f"{k}: {v}" for k, v in self.feed_rows.items())
        model = f", model {self.model_version} scored {self.scored}" if self.model_version else ""
        return (f"demo world: {self.households} households, {self.people} people{model}, "
                f"{self.work_items} open work items, {self.seconds:.0f} s. Feeds — {feeds}")


def feed_partners_ensure(*, today: dt.date | None = None) -> dict[str, PartnerAgency]:
    """Partners and agreements for the four outside feeds (demo and benchmark worlds)."""
    today = today or timezone.localdate()
    partners = {}
    for source, (code, name, kind) in FEED_PARTNERS.items():
        partner, _ = PartnerAgency.objects.get_or_create(code=code,
                                                         defaults={"name": name, "kind": kind})
        DataSharingAgreement.objects.get_or_create(
            reference=f"DSA-{code.upper()}-{source.upper()}",
            defaults={
                "partner": partner, "sources": [source], "purpose": FEED_PURPOSE,
                "legal_basis": "Synthetic demo agreement under the state's human-services "
                               "data-sharing statute.",
                "effective_date": today - dt.timedelta(days=4 * 365),
                "expiry_date": today + dt.timedelta(days=365),
                "retention_days": 4 * 365, "status": DataSharingAgreement.ACTIVE,
            })
        partners[source] = partner
    return partners


def demo_logins_create(*, offices: list[Office], password: str) -> list[tuple[str, str, str, str]]:
    """Two caseworkers and a supervisor in each of two offices, an analyst and an admin."""
    user_model = get_user_model()
    plan = []
    for office in offices[:2]:
        low = office.code.lower()
        plan += [(f"{low}-cw1", "caseworker", office), (f"{low}-cw2", "caseworker", office),
                 (f"{low}-sup", "supervisor", office)]
    plan += [("analyst", "analyst", None), ("admin", "admin", None)]
    logins = []
    for username, role, office in plan:
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        StaffProfile.objects.update_or_create(user=user, defaults={"office": office})
        logins.append((username, role, office.code if office else "", password))
    return logins


def demo_world_seed(*, households: int, seed: int, end: dt.date, out_dir: Path, train: bool,
                    password: str, log: Callable[[str], None] = print) -> DemoReport:
    """Generate and load a demo world end to end; safe to run twice (imports are idempotent)."""
    from alerts.models import WorkItem
    from alerts.services.catalogue import catalogue_load
    from cases.models import Household, Person
    from cases.services.imports import household_import, outcome_import, world_load_reference
    from cases.synthetic import generate_world
    from risk.services.ingestion import ingest_file

    started = time.monotonic()
    report = DemoReport()
    log(f"generating {households} households (seed {seed}, history to {end}) into {out_dir}")
    generate_world(out_dir=out_dir, households=households, seed=seed, end=end)
    log("loading offices, caseload, enrollments, visits and outcomes")
    world_load_reference(world_dir=out_dir, parts=("offices",))
    household_import(path=out_dir / "households.csv", progress=False)
    world_load_reference(world_dir=out_dir, parts=("enrollments", "visits"))
    outcome_import(path=out_dir / "outcomes.csv")
    catalogue_load()
    partners = feed_partners_ensure(today=end)
    for source, partner in partners.items():
        path = out_dir / "feeds" / f"{source}.csv"
        log(f"ingesting {path.name}")
        batch = ingest_file(source=source, path=path, partner=partner)
        report.feed_rows[source] = (f"{batch.rows_read} read, {batch.linked} linked, "
                                    f"{batch.review} to review, {batch.rejected} rejected")
    if train:
        from risk.services.scoring import rescore_all
        from risk.services.training import model_promote, model_train

        log("training the model (temporal validation) and promoting it")
        version = model_train(as_of=end)
        try:
            model_promote(version=version.version)
        except ApplicationError as exc:  # the demo promotes with an audited override
            log(f"fairness gate: {exc}; promoting with a recorded demo override")
            model_promote(version=version.version,
                          override_reason="Demo world: synthetic data, promoted for demonstration.")
        log("scoring every household")
        run = rescore_all(as_of=timezone.make_aware(dt.datetime.combine(end, dt.time(23, 0))))
        report.model_version, report.scored = version.version, run.households
    with transaction.atomic():
        offices = list(Office.objects.order_by("id")[:2])
        report.logins = demo_logins_create(offices=offices, password=password)
    report.households = Household.objects.count()
    report.people = Person.objects.count()
    report.work_items = WorkItem.objects.exclude(status=WorkItem.CLOSED).count()
    report.seconds = time.monotonic() - started
    return report
