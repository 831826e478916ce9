"""Shared output of the import commands: the first errors, then the one summary line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cases.services.imports import ImportReport

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
