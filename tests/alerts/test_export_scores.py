from __future__ import annotations

import csv

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services.catalogue import catalogue_load
from alerts.services.flags import flags_evaluate
from tests.alerts.helpers import eviction, household, score

pytestmark = pytest.mark.django_db


def test_export_has_flags_and_eligible_interventions(office_a, tmp_path, capsys):
    catalogue_load()
    poor = household(office=office_a, size=3, children=1, income=900)
    rich = household(office=office_a, size=1, income=12000, housing="own")
    unscored = household(office=office_a)
    eviction(poor)
    score(poor, 0.8123, "critical", factors=[
        {"feature": "eviction", "label": "eviction filed 11 days ago", "contribution": 1.2},
        {"feature": "income", "label": "income below the poverty line", "contribution": 0.4}])
    score(rich, 0.05, "low")
    flags_evaluate(household_ids=[poor.id, rich.id, unscored.id])
    out = tmp_path / "scores.csv"
    call_command("export_scores", str(out))
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["household_ref", "score", "risk_band", "top_factors", "flags",
                             "interventions"]
    by_ref = {r["household_ref"]: r for r in rows}
    assert set(by_ref) == {poor.ref, rich.ref}
    assert by_ref[poor.ref]["score"] == "0.8123"
    assert by_ref[poor.ref]["top_factors"] == ("eviction filed 11 days ago;"
                                               "income below the poverty line")
    assert by_ref[poor.ref]["flags"] == "eviction_hearing"
    assert by_ref[poor.ref]["interventions"].split(";") == [
        "child_care_assistance", "employment_services", "eviction_legal_aid",
        "rental_assistance", "school_liaison", "utility_assistance"]
    assert by_ref[rich.ref]["flags"] == "" and by_ref[rich.ref]["interventions"] == ""
    assert "exported 2 households" in capsys.readouterr().out


def test_export_queries_do_not_grow_with_households(office_a, tmp_path):
    catalogue_load()

    def run(n):
        for _ in range(n):
            h = household(office=office_a)
            eviction(h)
            score(h, 0.5, "high")
        with CaptureQueriesContext(connection) as ctx:
            call_command("export_scores", str(tmp_path / "x.csv"))
        return len(ctx.captured_queries)

    assert run(2) == run(25)
