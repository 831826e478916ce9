"""`ingest_signals SOURCE FILE`: read one feed file and print the one-line summary."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dhs.exceptions import ApplicationError
from risk.models import RawRecord
from risk.services.ingestion import batch_summary, ingest_benefit_lapses, ingest_file
from risk.sources import ADAPTERS

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = ("Ingest one feed file (CSV with a header row). SOURCE is one of: "
            + ", ".join(ADAPTERS) + ". For benefit_lapses, FILE may be '-' (agency records).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=list(ADAPTERS))
        parser.add_argument("file")
        parser.add_argument("--partner", default="", help="Partner code (default: the "
                            "source's configured partner, else any covering agreement).")

    def handle(self, *args: object, **options: object) -> None:
        source, file = str(options["source"]), str(options["file"])
        partner = None
        if options["partner"]:
            from dhs.models import PartnerAgency

            partner = PartnerAgency.objects.filter(code=options["partner"]).first()
            if partner is None:
                raise CommandError(f"no partner with code '{options['partner']}'")
        try:
            if source == "benefit_lapses" and file == "-":
                batch = ingest_benefit_lapses()
            else:
                path = Path(file)
                if not path.is_file():
                    raise CommandError(f"{file}: no such file")
                batch = ingest_file(source=source, path=path, partner=partner)
        except ApplicationError as exc:  # AgreementError included: nothing was stored
            raise CommandError(exc.message) from exc
        if getattr(batch, "already_read", False):
            self.stderr.write(f"{file} was already read (batch {batch.pk}, "
                              f"{batch.finished_at:%Y-%m-%d %H:%M}); nothing added")
            self.stdout.write("rows read 0, new 0, duplicate 0, linked 0, needs-review 0, "
                              "rejected 0")
            return
        rejected = (RawRecord.objects.filter(batch=batch, status=RawRecord.REJECTED)
                    .order_by("line").values_list("line", "reason")[:SHOWN_REJECTIONS])
        for line, reason in rejected:
            self.stderr.write(f"line {line}: {reason}")
        if batch.rejected > SHOWN_REJECTIONS:
            self.stderr.write(f"… and {batch.rejected - SHOWN_REJECTIONS} more rejected rows "
                              "(see export_links or the admin)")
        self.stdout.write(batch_summary(batch))
