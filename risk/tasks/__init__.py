"""Celery tasks of the risk layer; names are explicit so the beat schedule can refer to them."""

from __future__ import annotations

from .ingestion import *  # noqa: F403
from .scoring import *  # noqa: F403
