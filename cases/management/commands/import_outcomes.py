"""`manage.py import_outcomes FILE`: past crisis events (household_ref, event_type, event_date)."""

from __future__ import annotations

from pathlib import Path

from cases.services.imports import ImportReport, outcome_import

from ._report import ImportCommand


class Command(ImportCommand):
    help = ("Import past crisis events (CSV or .jsonl); idempotent on household, event type and "
            "date. Unknown households are reported and skipped. See docs/import-formats.md.")

    def import_file(self, *, path: Path, progress: bool) -> ImportReport:
        return outcome_import(path=path, progress=progress)
