"""The fairness gate: a deliberately biased scorer is refused; an override is audited.

The version's validation scores are replaced by an injected scorer (the audit's only input
besides the households' race/ethnicity and office), so the test controls the bias exactly.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

SNAPSHOTS = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
N = 900


@pytest.fixture
def audit_world(db):
    """900 households in two offices, heads of three race/ethnicity groups, one version."""
    from cases.models import Household, Person
    from dhs.models import Office
    from risk.models import ModelVersion

    offices = [Office.objects.create(code=c, name=c, weekly_capacity=45)
               for c in ("NORTH", "SOUTH")]
    races = ["White", "White", "Black", "Hispanic"]  # White is the reference (largest) group
    households = Household.objects.bulk_create(
        [Household(ref=f"HF{i:05d}", office=offices[i % 2]) for i in range(N)])
    Person.objects.bulk_create(
        [Person(ref=f"PF{i:05d}", household=h, first_name="A", last_name="B",
                relationship="head", race_ethnicity=races[i % 4])
         for i, h in enumerate(households)])
    version = ModelVersion.objects.create(version="v-audit", algorithm="test", file_path="-",
                                          sha256="-", as_of=timezone.localdate(),
                                          metrics={"k": 90})
    rng = np.random.default_rng(5)
    rows = []
    for day in SNAPSHOTS:
        for i, h in enumerate(households):
            rows.append({"household_id": h.pk, "snapshot": day, "office": h.office.code,
                         "label": int(rng.random() < 0.15), "race": races[i % 4],
                         "noise": rng.random()})
    return version, pd.DataFrame(rows)


def honest(frame: pd.DataFrame):
    def scorer(version):
        out = frame.copy()
        out["score"] = 0.6 * out["label"] + 0.4 * out["noise"]
        return out[["household_id", "snapshot", "office", "label", "score"]]
    return scorer


def biased(frame: pd.DataFrame):
    """Scores that push one race/ethnicity group up regardless of need."""
    def scorer(version):
        out = frame.copy()
        out["score"] = 0.6 * out["label"] + 0.4 * out["noise"] + \
            np.where(out["race"] == "Black", 0.7, 0.0)
        return out[["household_id", "snapshot", "office", "label", "score"]]
    return scorer


def test_honest_scorer_passes_and_is_promoted(audit_world):
    from risk.services.fairness import model_promote

    version, frame = audit_world
    promoted = model_promote(version=version.version, scorer=honest(frame))
    assert promoted.status == "promoted" and promoted.fairness["passed"]
    groups = {r["group"]: r for r in promoted.fairness["dimensions"]["race_ethnicity"]}
    assert set(groups) == {"White", "Black", "Hispanic"}
    for row in groups.values():
        assert set(row["ratios"]) == {"selection_rate", "false_negative_rate", "precision"}
    assert promoted.fairness["reference"]["office"] in {"NORTH", "SOUTH"}


def test_biased_model_is_refused_then_promoted_only_with_an_audited_override(
        audit_world, monkeypatch):
    from dhs.models import AuditEvent
    from risk.models import ModelVersion
    from risk.services import fairness

    version, frame = audit_world
    monkeypatch.setattr(fairness, "validation_scores", biased(frame))
    with pytest.raises(CommandError, match="fairness gate failed"):
        call_command("promote_model", version.version, stdout=io.StringIO())
    version.refresh_from_db()
    assert version.status == ModelVersion.TRAINED
    assert version.fairness["passed"] is False
    bad = {(v["dimension"], v["group"], v["metric"]) for v in version.fairness["violations"]}
    assert ("race_ethnicity", "Black", "selection_rate") in bad
    assert not AuditEvent.objects.filter(action="model_promote").exists()

    out = io.StringIO()
    call_command("promote_model", version.version, "--override-reason",
                 "pilot in one office with weekly supervisor review", stdout=out)
    version.refresh_from_db()
    assert version.status == ModelVersion.PROMOTED
    assert version.override_reason.startswith("pilot in one office")
    event = AuditEvent.objects.get(action="model_promote")
    assert event.details["override_reason"].startswith("pilot")
    assert event.details["passed"] is False


def test_small_groups_are_reported_not_gated(audit_world):
    from cases.models import Person
    from risk.services.fairness import model_promote

    version, frame = audit_world
    Person.objects.filter(household__ref__in=["HF00000", "HF00004"]).update(
        race_ethnicity="Pacific Islander")
    promoted = model_promote(version=version.version, scorer=honest(frame))
    small = [r for r in promoted.fairness["dimensions"]["race_ethnicity"]
             if r["group"] == "Pacific Islander"][0]
    assert small["members"] == 2 and small["gated"] is False and not small["gated_metrics"]
