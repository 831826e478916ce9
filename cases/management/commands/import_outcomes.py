"""`manage.py import_outcomes FILE`: past crisis events (household_ref, event_type, event_date)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.services.imports import outcome_import
from dhs.exceptions import ApplicationError

from ._report import write_report


class Command(BaseCommand):
    help = ("Import past crisis events (CSV or .jsonl); idempotent on household, event type and "
            "date. Unknown households are reported and skipped. See docs/import-formats.md.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")
        parser.add_argument("--fail-on-reject", action="store_true",
                            help="Exit with status 3 when any row was rejected.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = outcome_import(path=options["file"], progress=not options["no_progress"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        write_report(self, report, fail_on_reject=options["fail_on_reject"])
