"""`manage.py rescore [--as-of DATE]`: score every household with the promoted model."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dhs.exceptions import ApplicationError
from risk.services.scoring import rescore_all


class Command(BaseCommand):
    help = ("Score every household with the promoted model from what was known on DATE "
            "(default now), in chunks fanned out over the Celery workers; waits for the run.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--no-wait", action="store_true", help="start the run and return")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        moment = (timezone.make_aware(dt.datetime.combine(as_of, dt.time(23, 59, 59)))
                  if as_of else None)
        started = time.monotonic()
        try:
            run = rescore_all(as_of=moment, wait=not options["no_wait"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if run is None:
            raise CommandError("no promoted model: run train_model and promote_model first")
        self.stdout.write(
            f"run {run.pk} {run.status}: {run.households} households in {run.chunks_total} "
            f"chunks, {time.monotonic() - started:.1f} s; bands {run.band_counts}; "
            f"PSI {run.psi}{' (drift flagged)' if run.drift_flagged else ''}")
