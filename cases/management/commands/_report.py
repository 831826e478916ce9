"""Shared output of the import commands: the first errors, then the one summary line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.services.imports import ImportReport
from dhs.exceptions import ApplicationError

SHOWN_ERRORS = 20
EXIT_REJECTED = 3


def write_report(command: BaseCommand, report: ImportReport, *, fail_on_reject: bool) -> None:
    """Print up to 20 rejected rows ("line N: reason") and the summary line last."""
    for line, reason in report.errors[:SHOWN_ERRORS]:
        command.stderr.write(f"line {line}: {reason}")
    if report.rejected > SHOWN_ERRORS:
        command.stderr.write(f"… and {report.rejected - SHOWN_ERRORS} more rejected rows")
    command.stdout.write(report.summary)
    if fail_on_reject and report.rejected:
        raise CommandError(f"{report.rejected} rows rejected", returncode=EXIT_REJECTED)


class ImportCommand(BaseCommand):
    """One file argument, the shared flags and output; subclasses name the import service."""

    def import_file(self, *, path: Path, progress: bool) -> ImportReport:
        raise NotImplementedError

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")
        parser.add_argument("--fail-on-reject", action="store_true",
                            help="Exit with status 3 when any row was rejected.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = self.import_file(path=options["file"], progress=not options["no_progress"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        write_report(self, report, fail_on_reject=options["fail_on_reject"])

