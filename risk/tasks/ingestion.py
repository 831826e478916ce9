"""Celery tasks: feed pulls, benefit lapses, retention."""

from __future__ import annotations

__all__: list[str] = []
