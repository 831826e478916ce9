"""Reactions to the risk layer's signals (flags and work items follow new evidence)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from risk.signals import household_rescored, household_signals_changed


def _enqueue(household_ids: list[int] | None) -> None:
    ids = sorted({int(i) for i in household_ids or []})
    if not ids:
        return
    from alerts.tasks import refresh_households

    # After commit, so the task sees the new signals and scores; a chunk of ids per task.
    transaction.on_commit(lambda: refresh_households.delay(ids))


@receiver(household_signals_changed, dispatch_uid="alerts.signals_changed")
def on_signals_changed(sender: Any, household_ids: list[int] | None = None,
                       **kwargs: Any) -> None:
    _enqueue(household_ids)


@receiver(household_rescored, dispatch_uid="alerts.rescored")
def on_rescored(sender: Any, household_ids: list[int] | None = None, **kwargs: Any) -> None:
    _enqueue(household_ids)
