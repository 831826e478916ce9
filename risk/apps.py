from __future__ import annotations

from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = "Signals and risk"
