"""`load_catalogue`: default flag rules, interventions, providers and templates (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from alerts.models import FlagRule, Intervention, OutreachTemplate
from alerts.services.catalogue import catalogue_load


class Command(BaseCommand):
    help = "Load alerts/data/catalogue.json; rows edited in the admin are kept."

    def handle(self, *args: Any, **options: Any) -> None:
        catalogue_load()
        self.stdout.write(f"catalogue: {FlagRule.objects.count()} flag rules, "
                          f"{Intervention.objects.count()} interventions, "
                          f"{OutreachTemplate.objects.count()} templates")
