"""Celery tasks: rescoring (thin wrappers around risk.services.scoring)."""

from __future__ import annotations

from celery import shared_task

__all__ = ["rescore_all", "rescore_chunk", "rescore_households", "resume_stalled_runs"]


@shared_task(name="risk.tasks.rescore_households")
def rescore_households(household_ids: list[int]) -> int:
    """Rescore a few households right after a new linked signal (no promoted model: 0)."""
    from risk.services.scoring import households_rescore

    return households_rescore(household_ids=list(household_ids or []))


@shared_task(name="risk.tasks.rescore_chunk")
def rescore_chunk(run_id: int, household_ids: list[int] | None = None,
                  id_range: list[int] | None = None) -> int:
    """One chunk of a run: explicit household ids or an inclusive [first_id, last_id] range."""
    from risk.services.scoring import rescore_chunk as chunk

    return chunk(run_id=run_id, household_ids=household_ids,
                 id_range=tuple(id_range) if id_range else None)


@shared_task(name="risk.tasks.rescore_all")
def rescore_all(as_of: str | None = None) -> int | None:
    """Start a full run fanned out over the workers; returns the run id (None: no model)."""
    from django.utils.dateparse import parse_datetime

    from risk.services.scoring import rescore_all as start

    run = start(as_of=parse_datetime(as_of) if as_of else None, wait=False)
    return run.pk if run else None


@shared_task(name="risk.tasks.resume_stalled_runs")
def resume_stalled_runs(stall_seconds: int = 600) -> list[int]:
    """Watchdog: re-send the missing households of runs that stopped making progress."""
    from risk.services.scoring import runs_resume_stalled

    return runs_resume_stalled(stall_seconds=stall_seconds)
