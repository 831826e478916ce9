"""`manage.py outcome_report [--start DATE] [--end DATE]`: observational outcome comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from risk.services.outcomes import outcome_report


class Command(BaseCommand):
    help = ("90-day crisis rates of households that accepted or were referred to an "
            "intervention vs. same-band households that were not. OBSERVATIONAL, not causal.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--end", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        report = outcome_report(start=options["start"], end=options["end"])
        self.stdout.write(f"OBSERVATIONAL — {report['label']}")
        self.stdout.write(f"window {report['window'][0]}..{report['window'][1]}, crisis within "
                          f"{report['horizon_days']} days of the intervention (or last score)")
        self.stdout.write("band, intervention households, intervention crisis rate, "
                          "comparison households, comparison crisis rate")
        for r in report["bands"]:
            self.stdout.write(f"{r['band']}, {r['intervention_households']}, "
                              f"{r['intervention_crisis_rate']}, {r['comparison_households']}, "
                              f"{r['comparison_crisis_rate']}")
        if not report["bands"]:
            self.stdout.write("no scored households in the window")
