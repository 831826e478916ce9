"""Helpers for the risk-model tests: a generated world loaded once per module, then removed.

The world is committed (module scope, outside the per-test transactions) so training runs once;
`world_remove` deletes every household (cascading to everything that refers to one), the
offices and the model registry afterwards so other modules see an empty database again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import connection

WORLD_END = dt.date(2026, 6, 30)


def world_generate(out_dir: Path, *, households: int, seed: int,
                   truth_dates: list[dt.date] | None = None) -> Path:
    from cases.synthetic import generate_world

    generate_world(out_dir=out_dir, households=households, seed=seed, end=WORLD_END,
                   truth_dates=truth_dates)
    return out_dir


def world_load(world_dir: Path) -> dict[str, int]:
    """Offices, households, enrollments, outcomes (FOUNDATION's import) and signals (truth)."""
    from cases.services.imports import household_import, outcome_import, world_load_reference
    from risk.services.synthetic_load import world_signals_load

    world_load_reference(world_dir=world_dir, parts=("offices",))
    household_import(path=world_dir / "households.csv", progress=False)
    world_load_reference(world_dir=world_dir, parts=("offices", "enrollments"))
    outcome_import(path=world_dir / "outcomes.csv", progress=False)
    return {"signals": world_signals_load(world_dir=world_dir)}


def world_remove() -> None:
    """Delete what a module-scoped world committed (households cascade to their records)."""
    from cases.models import Household
    from dhs.models import Office
    from risk.models import CurrentScore, HouseholdScore, ModelVersion, ScoreRun

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cases_household, dhs_office, risk_modelversion, "
                           "risk_scorerun CASCADE")
        return
    CurrentScore.objects.all().delete()
    HouseholdScore.objects.all().delete()
    ScoreRun.objects.all().delete()
    ModelVersion.objects.all().delete()
    Household.objects.all().delete()
    Office.objects.all().delete()
