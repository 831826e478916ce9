"""A small synthetic world for the portal tests, built with factories and the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tests.factories import HouseholdFactory, PersonFactory


def _model_version() -> Any:
    from risk.models import ModelVersion, ScoreRun

    now = timezone.now()
    version = ModelVersion.objects.create(
        version="20261101-logistic-test01", algorithm="LogisticRegression + isotonic",
        file_path="/nonexistent/model.skops", sha256="0" * 64, as_of=dt.date(2026, 11, 1),
        train_start=dt.date(2025, 1, 1), train_end=dt.date(2026, 8, 1),
        validation_start=dt.date(2026, 8, 1), validation_end=dt.date(2026, 11, 1),
        features=["eviction_recent", "utility_notice"],
        metrics={"auc": 0.81, "precision_topk": 0.34, "recall_topk": 0.41, "k": 100,
                 "ece": 0.012, "brier": 0.05},
        calibration=[{"bin": i + 1, "count": 100, "predicted": round(0.02 + i * 0.08, 4),
                      "observed": round(0.025 + i * 0.078, 4)} for i in range(10)],
        band_cutoffs={"elevated": 0.1, "high": 0.3, "critical": 0.6},
        fairness={"passed": True, "bounds": [0.8, 1.25], "k": 100, "violations": [],
                  "reference": {"race_ethnicity": "White"},
                  "dimensions": {"race_ethnicity": [
                      {"group": g, "members": n, "gated": True, "selection_rate": sr,
                       "false_negative_rate": fnr, "precision": pr,
                       "ratios": {"selection_rate": round(sr / 0.09, 3),
                                  "false_negative_rate": round(fnr / 0.45, 3),
                                  "precision": round(pr / 0.33, 3)}}
                      for g, n, sr, fnr, pr in [("White", 420, 0.09, 0.45, 0.33),
                                                ("Black", 300, 0.11, 0.42, 0.35),
                                                ("Hispanic", 280, 0.10, 0.44, 0.34)]]}},
        status=ModelVersion.PROMOTED, promoted_at=now, promoted_by="sam")
    runs = []
    for i, psi in enumerate([None, 0.03, 0.05, 0.04]):
        runs.append(ScoreRun.objects.create(
            model_version=version, as_of=now - dt.timedelta(days=3 - i),
            started_at=now - dt.timedelta(days=3 - i), finished_at=now - dt.timedelta(days=3 - i),
            status="done", households=3, psi=psi))
    return version, runs


def _scores(household: Any, version: Any, runs: list[Any], final: float, band: str) -> None:
    from risk.models import CurrentScore, HouseholdScore

    factors = [
        {"feature": "eviction_recent", "label": "eviction case filed 6 days ago",
         "contribution": 1.2},
        {"feature": "income", "label": "monthly income under half the area median",
         "contribution": 0.4},
        {"feature": "enrolled_snap", "label": "enrolled in SNAP", "contribution": -0.2},
    ]
    for i, run in enumerate(runs):
        score = max(0.01, final - 0.1 * (len(runs) - 1 - i))
        HouseholdScore.objects.create(household=household, run=run, model_version=version,
                                      as_of=run.as_of, score=score, band=band,
                                      factors=factors)
    CurrentScore.objects.create(household=household, model_version=version,
                                as_of=runs[-1].as_of, score=final, band=band, factors=factors)


def build_portal_world(*, office: Any, other_office: Any | None = None,
                       households: int = 3) -> dict[str, Any]:
    """Households with eviction hearings (flags, work items, scores), visits and a model."""
    from alerts.services.catalogue import catalogue_load
    from alerts.services.flags import flags_evaluate
    from alerts.services.work_items import work_items_refresh
    from cases.models import OfficeVisit, ProgramEnrollment
    from risk.models import Signal
    from tests.factories import AgreementFactory, PartnerFactory

    catalogue_load()
    court = PartnerFactory(code="county-court", name="County District Court", kind="court")
    AgreementFactory(partner=court, reference="DSA-COURT-1", sources=["eviction_filings"],
                     purpose="early warning of household crisis")
    version, runs = _model_version()
    today = timezone.localdate()
    made = []
    for i in range(households):
        hh = HouseholdFactory(office=office, zip=f"6270{i % 2 + 1}", monthly_income=900,
                              housing="rent", sms_consent=i == 0,
                              sms_consent_source="application form" if i == 0 else "")
        head = PersonFactory(household=hh, first_name=["Maria", "James", "Aisha"][i % 3])
        PersonFactory(household=hh, first_name="Sam", relationship="child",
                      date_of_birth=dt.date(2015, 3, 2))
        if i:  # the first household has no SNAP/TANF: recertification help is not for it
            ProgramEnrollment.objects.create(household=hh, person=head, program="snap",
                                             start_date=today - dt.timedelta(days=200),
                                             recert_due_date=today + dt.timedelta(days=60))
        Signal.objects.create(
            household=hh, person=head, source="eviction_filings", kind="eviction_filing",
            occurred_on=today - dt.timedelta(days=6), deadline=today + dt.timedelta(days=4 + i * 5),
            amount=Decimal("2450.00"),
            details={"court": "County District Court", "case_number": f"EV-26-{1000 + i}",
                     "plaintiff": "Riverside Apartments LLC"})
        _scores(hh, version, runs, final=[0.72, 0.45, 0.33][i % 3],
                band=["critical", "high", "high"][i % 3])
        made.append(hh)
    ids = [h.pk for h in made]
    flags_evaluate(household_ids=ids)
    work_items_refresh(household_ids=ids)

    # Today: a few visitors in the last two hours (two still waiting); the same clock times on
    # the same weekday of the last eight weeks make the "typical day".
    now = timezone.localtime()
    visits = []
    services = ["application", "recertification", "general_inquiry", "emergency_assistance"]
    for week in range(0, 9):
        for k in range(6):
            arrived = now - dt.timedelta(weeks=week, minutes=20 * (k + 1))
            if arrived.date() != (now - dt.timedelta(weeks=week)).date():
                continue
            served = arrived + dt.timedelta(minutes=12 + 3 * k) if (week or k > 1) else None
            visits.append(OfficeVisit(office=office, arrived_at=arrived, served_at=served,
                                      service_type=services[(k + week) % len(services)]))
    OfficeVisit.objects.bulk_create(visits)
    other = None
    if other_office is not None:
        other = HouseholdFactory(office=other_office, zip="62703")
        PersonFactory(household=other)
    return {"households": made, "other_household": other, "version": version}
