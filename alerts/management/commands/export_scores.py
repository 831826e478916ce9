"""`export_scores FILE`: every scored household with its band, factors, flags, interventions."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from alerts.services.export import scores_export
from dhs.audit import audit_record


class Command(BaseCommand):
    help = ("CSV household_ref, score, risk_band, top_factors, flags, interventions "
            "(lists joined with ';').")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with path.open("w", newline="") as fh:
            rows = scores_export(writer=csv.writer(fh))
        audit_record(action="export_scores", object_type="export", object_id=path.name,
                     purpose="operator export", details={"file": str(path), "rows": rows})
        self.stdout.write(f"exported {rows} households to {path} "
                          f"in {time.monotonic() - started:.1f}s")
