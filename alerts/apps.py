from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Flags, interventions and the queue"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (react to risk.signals)
