"""`manage.py import_households FILE`: the legacy caseload, CSV or JSON Lines, one row a person."""

from __future__ import annotations

from pathlib import Path

from cases.services.imports import ImportReport, household_import

from ._report import ImportCommand


class Command(ImportCommand):
    help = ("Import households and people (CSV or .jsonl, one row a person); idempotent on "
            "household_ref/person_ref. Bad rows are reported and skipped. See "
            "docs/import-formats.md.")

    def import_file(self, *, path: Path, progress: bool) -> ImportReport:
        return household_import(path=path, progress=progress)
