"""End to end with a real worker on PostgreSQL: an eviction filing arrives through the partner
service, is linked, rescored by the promoted model, flagged critical, and its work item tops its
office's queue with the interventions it is (and is not) eligible for."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
WORLD_HOUSEHOLDS = 600


def _world_with_promoted_model(out_dir):
    """A small generated world with a trained, promoted model (skip if a layer is missing)."""
    try:
        from cases.services.imports import household_import, outcome_import, world_load_reference
        from cases.synthetic import generate_world
        from risk.services.synthetic_load import world_signals_load
        from risk.services.training import model_promote, model_train
    except ImportError as exc:  # pragma: no cover - only while a layer is being written
        pytest.skip(f"dependency not ready: {exc}")
    from dhs.exceptions import ApplicationError

    end = timezone.localdate()
    generate_world(out_dir=out_dir, households=WORLD_HOUSEHOLDS, seed=5, end=end)
    world_load_reference(world_dir=out_dir, parts=("offices",))
    household_import(path=out_dir / "households.csv", progress=False)
    world_load_reference(world_dir=out_dir, parts=("enrollments", "visits"))
    outcome_import(path=out_dir / "outcomes.csv", progress=False)
    world_signals_load(world_dir=out_dir)
    try:
        version = model_train(as_of=end)
    except ApplicationError as exc:
        pytest.skip(f"MODEL's training could not fit the small world: {exc}")
    try:
        return model_promote(version=version.version)
    except ApplicationError:
        return model_promote(version=version.version,
                             override_reason="e2e test: synthetic world, promoted to test")


def _household(office, *, ref, first, last, street, income, size):
    from cases.addresses import normalize_address
    from cases.models import Household, Person

    h = Household.objects.create(ref=ref, office=office, street=street, city="Springfield",
                                 state="IL", zip="62704", housing="rent",
                                 address_key=normalize_address(street, "", "62704"),
                                 monthly_income=Decimal(income), phone="+12175550188")
    Person.objects.create(ref=f"{ref}-P1", household=h, first_name=first, last_name=last,
                          date_of_birth=dt.date(1986, 3, 14), sex="F", relationship="head")
    for n in range(size - 1):
        Person.objects.create(ref=f"{ref}-C{n}", household=h, first_name="Child",
                              last_name=last, date_of_birth=dt.date(2016 + n, 5, 1),
                              relationship="child")
    return h


def _filing(case, name, street, hearing):
    filed = timezone.localdate() - dt.timedelta(days=6)
    return {"case_number": case, "filing_date": filed.isoformat(),
            "court": "Riverside County District Court", "plaintiff": "Oak Apartments LLC",
            "defendant_name": name, "defendant_address": f"{street}, Springfield, IL 62704",
            "hearing_date": hearing.isoformat(), "amount_claimed": "2450.00"}


def _wait_for(predicate, *, timeout=120, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_eviction_filing_reaches_the_top_of_the_queue(celery_worker, court_partner, tmp_path):
    from alerts.models import Flag, WorkItem
    from alerts.selectors import queue_for_user
    from alerts.services.catalogue import catalogue_load
    from alerts.services.eligibility import interventions_for_household
    from alerts.services.work_items import work_items_refresh
    from dhs.models import Office
    from risk.models import CurrentScore, RawRecord
    from risk.services.ingestion import ingest_records
    from tests.factories import make_staff

    version = _world_with_promoted_model(tmp_path / "world")
    catalogue_load()
    north, south = list(Office.objects.order_by("id")[:2])
    poor = _household(north, ref="E2E-POOR", first="Marisol", last="Quintavalle",
                      street="4821 Juniper Hollow Rd", income="1100.00", size=3)
    rich = _household(south, ref="E2E-RICH", first="Beatrix", last="Vandermolen",
                      street="77 Larkspur Terrace", income="9000.00", size=2)
    # A competitor in the same office: higher score, no deadline.
    rival = _household(north, ref="E2E-RIVAL", first="Odessa", last="Kirkwright",
                       street="12 Birchwood Ct", income="1500.00", size=1)
    CurrentScore.objects.create(household=rival, model_version=version, as_of=timezone.now(),
                                score=0.95, band="critical", factors=[])
    work_items_refresh(household_ids=[rival.id])
    caseworker_n = make_staff("e2e-north", role="caseworker", office=north)
    caseworker_s = make_staff("e2e-south", role="caseworker", office=south)

    hearing = timezone.localdate() + dt.timedelta(days=5)
    partner, _ = court_partner
    _, results = ingest_records(source="eviction_filings", partner=partner, records=[
        _filing("2026-EV-70001", "QUINTAVALLE, MARISOL", "4821 Juniper Hollow Rd", hearing),
        _filing("2026-EV-70002", "VANDERMOLEN, BEATRIX", "77 Larkspur Terrace", hearing)])
    assert [r["status"] for r in results] == ["accepted", "accepted"], results
    assert set(RawRecord.objects.filter(source="eviction_filings", record_id__startswith="2026-EV")
               .values_list("status", flat=True)) == {"linked"}

    def ready(h):
        item = WorkItem.objects.filter(household=h).exclude(status="closed").first()
        return (item is not None and item.severity == "critical"
                and CurrentScore.objects.filter(household=h, model_version=version).exists()
                and item.priority_explanation.get("risk", {}).get("score") is not None)

    _wait_for(lambda: ready(poor) and ready(rich), what="rescoring, flags and work items")

    flag = Flag.objects.get(household=poor, resolved_at__isnull=True)
    assert (flag.rule.code, flag.severity) == ("eviction_hearing", "critical")
    assert flag.reason.startswith(f"Eviction hearing on {hearing:%Y-%m-%d}, 5 days away")
    north_queue = list(queue_for_user(user=caseworker_n))
    assert north_queue[0].household_id == poor.id
    assert north_queue[1].household_id == rival.id
    eligible = {r.intervention.code: r for r in interventions_for_household(household=poor)}
    assert eligible["rental_assistance"].eligible and eligible["eviction_legal_aid"].eligible

    assert list(queue_for_user(user=caseworker_s))[0].household_id == rich.id
    rich_rental = next(r for r in interventions_for_household(household=rich)
                       if r.intervention.code == "rental_assistance")
    assert not rich_rental.eligible
    assert rich_rental.failed_rule == "income_below_ami_share"
    assert rich_rental.failed_reason.startswith("Over the income limit")
