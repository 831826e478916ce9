from __future__ import annotations

from django.apps import AppConfig


class DhsConfig(AppConfig):
    name = "dhs"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import receivers  # noqa: F401  (sign-in auditing)
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
