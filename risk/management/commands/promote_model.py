"""`manage.py promote_model VERSION [--override-reason TEXT]`: the fairness gate, then promote."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dhs.exceptions import ApplicationError
from risk.services.fairness import model_promote


class Command(BaseCommand):
    help = ("Run the fairness audit (race/ethnicity and office; ratios must stay within "
            "0.8-1.25) and promote VERSION; a failed gate needs --override-reason (audited).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("version")
        parser.add_argument("--override-reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mv = model_promote(version=options["version"],
                               override_reason=options["override_reason"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        report = mv.fairness
        for dimension, rows in report.get("dimensions", {}).items():
            self.stdout.write(f"{dimension} (reference {report['reference'][dimension]}):")
            for r in rows:
                ratios = ", ".join(f"{k} {v}" for k, v in r["ratios"].items())
                self.stdout.write(f"  {r['group']}: members {r['members']}, positives "
                                  f"{r['positives']}, {ratios}"
                                  f"{'' if r['gated'] else ' (not gated: small group)'}")
        note = f" (override: {mv.override_reason})" if mv.override_reason else ""
        self.stdout.write(f"promoted {mv.version}{note}")
