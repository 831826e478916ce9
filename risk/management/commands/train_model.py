"""`manage.py train_model [--as-of DATE]`: train, validate on the later window, register."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dhs.exceptions import ApplicationError
from risk.services.training import model_train


class Command(BaseCommand):
    help = ("Train on monthly snapshots before DATE (default today), validate on the later "
            "window, save the version (skops file + registry row) and print its metrics.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="YYYY-MM-DD; nothing known after this day is used")
        parser.add_argument("--sample", type=int, default=None,
                            help="train on about N evenly spread households (large caseloads)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mv = model_train(as_of=options["as_of"], sample=options["sample"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"version {mv.version}")
        m = mv.metrics
        self.stdout.write(
            f"algorithm {mv.algorithm}; validation {mv.validation_start}..{mv.validation_end}; "
            f"AUC {m.get('auc')}; precision top1% {m.get('precision_top1')}, "
            f"top5% {m.get('precision_top5')}, top-k(k={m.get('k')}) {m.get('precision_topk')}; "
            f"recall top1% {m.get('recall_top1')}, top5% {m.get('recall_top5')}, "
            f"top-k {m.get('recall_topk')}; Brier {m.get('brier')}; ECE {m.get('ece')}")
        other = {k: v.get("auc") for k, v in mv.comparison.items() if isinstance(v, dict)}
        self.stdout.write(f"compared (validation AUC): {json.dumps(other)}; "
                          f"chosen {mv.comparison.get('chosen')}")
        self.stdout.write(f"counts {json.dumps(mv.counts.get('train_rows'))} training rows, "
                          f"{mv.counts.get('validation_rows')} validation rows; "
                          f"band cut-offs {json.dumps(mv.band_cutoffs)}")
