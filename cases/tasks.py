"""Celery tasks of cases: thin wrappers around selectors and services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from dhs.models import Office

from .selectors import office_traffic_refresh


@shared_task(name="cases.tasks.refresh_dashboard_aggregates")
def refresh_dashboard_aggregates() -> int:
    """Precompute today's traffic of every office so the dashboards read a warm cache."""
    day = timezone.localdate()
    count = 0
    for office in Office.objects.all():
        office_traffic_refresh(office=office, day=day)
        count += 1
    return count
