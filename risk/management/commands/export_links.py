"""`export_links SOURCE FILE`: every row ever read for a source, with what became of it."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from dhs.audit import audit_record
from risk.selectors import EXPORT_COLUMNS, links_export_rows
from risk.sources import ADAPTERS


class Command(BaseCommand):
    help = ("Write CSV record_id, person_ref, household_ref, match_probability, status, reason "
            "for every row ever read of SOURCE ('-' writes to standard output).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=list(ADAPTERS))
        parser.add_argument("file")

    def handle(self, *args: object, **options: object) -> None:
        source, file = str(options["source"]), str(options["file"])
        count = 0
        if file == "-":
            writer = csv.writer(self.stdout)
            writer.writerow(EXPORT_COLUMNS)
            for row in links_export_rows(source=source):
                writer.writerow(row)
                count += 1
            self._audit(source, "-", count)
            return
        path = Path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_COLUMNS)
            for row in links_export_rows(source=source):
                writer.writerow(row)
                count += 1
        self._audit(source, str(path), count)
        self.stdout.write(f"{count} rows written to {path}")

    def _audit(self, source: str, file: str, rows: int) -> None:
        """Every export of linked personal data leaves an audit event (who: the operator)."""
        audit_record(action="export_links", object_type="export", object_id=source,
                     purpose="operator export",
                     details={"source": source, "file": file, "rows": rows})
