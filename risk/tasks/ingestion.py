"""Celery tasks: feed pulls, benefit lapses, retention. Thin: ids in, one service call."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from risk.services import ingestion as svc
from risk.services import pulls

__all__ = ["apply_retention", "ingest_benefit_lapses", "pull_due_sources", "pull_source"]

logger = logging.getLogger(__name__)
# Redis down (cache lock, broker) is retried like a dropped database connection (TRUST).
RETRY = {"autoretry_for": (OperationalError, ConnectionError, RedisConnectionError, BrokerError),
         "retry_backoff": True,
         "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 5, "acks_late": True}
LOCK_SECONDS = 3600


@shared_task(name="risk.tasks.pull_due_sources", **RETRY)
def pull_due_sources() -> list[str]:
    """Beat, every minute: queue a pull for each source whose schedule is due."""
    due = pulls.sources_due()
    for source in due:
        pull_source.delay(source)
    return due


@shared_task(name="risk.tasks.pull_source", **RETRY)
def pull_source(source: str) -> list[int]:
    """Pull one source; a lock per source keeps two workers off the same folder."""
    key = f"risk:pull:{settings.DATABASES['default']['NAME']}:{source}"
    if not cache.add(key, "1", LOCK_SECONDS):
        logger.info("pull of %s already running; skipped", source)
        return []
    try:
        return [b.pk for b in pulls.source_pull(source=source)]
    finally:
        cache.delete(key)


@shared_task(name="risk.tasks.ingest_benefit_lapses", **RETRY)
def ingest_benefit_lapses() -> int:
    """Nightly: the agency's own lapsed enrollments become signals."""
    return svc.ingest_benefit_lapses().pk


@shared_task(name="risk.tasks.apply_retention", **RETRY)
def apply_retention() -> dict:
    """Nightly: delete what agreements no longer allow us to keep."""
    from risk.services.retention import retention_apply

    return retention_apply()
