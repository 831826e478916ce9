"""seed_demo: a coherent synthetic world, loaded through the product's own import paths."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alerts.demo import demo_world_seed


class Command(BaseCommand):
    help = ("Generate a synthetic world (households, people, enrollments, visits, feed history, "
            "outcomes), load it through the import and ingestion services, create demo logins, "
            "and optionally train, promote and score a model.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--households", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--end", type=dt.date.fromisoformat, default=None,
                            help="Last day of the synthetic history (default: today).")
        parser.add_argument("--out", type=Path, default=None,
                            help="Where the generated files go (default: var/world-<seed>-<n>).")
        parser.add_argument("--train", action="store_true",
                            help="Train, promote and score a model after loading.")
        parser.add_argument("--password", default=os.environ.get("DHS_DEMO_PASSWORD", ""),
                            help="Password of the demo logins (default: a fixed demo one).")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["households"] < 10:
            raise CommandError("--households must be at least 10")
        end = opts["end"] or timezone.localdate()
        out = opts["out"] or Path(settings.DATA_DIR) / f"world-{opts['seed']}-{opts['households']}"
        report = demo_world_seed(households=opts["households"], seed=opts["seed"], end=end,
                                 out_dir=out, train=opts["train"],
                                 password=opts["password"] or "demo-pass-2026",
                                 log=lambda msg: self.stdout.write(msg))
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if settings.DEMO_MODE and report.logins:
            self.stdout.write("\nDemo logins (demo mode only; synthetic data):")
            for username, role, office, password in report.logins:
                self.stdout.write(f"  {username:<14} {role:<11} {office or '-':<8} {password}")
