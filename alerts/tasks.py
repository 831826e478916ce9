"""Celery tasks of the alerts layer: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from alerts.services.flags import flags_evaluate, flags_expire
from alerts.services.work_items import work_items_refresh, work_items_sla_sweep


@shared_task(name="alerts.tasks.refresh_households", acks_late=True)
def refresh_households(household_ids: list[int]) -> dict[str, int]:
    """Re-evaluate flags, then the work items, of these households (safe to run twice)."""
    stats = flags_evaluate(household_ids=household_ids)
    work_items_refresh(household_ids=household_ids)
    return stats


@shared_task(name="alerts.tasks.expire_flags", acks_late=True)
def expire_flags() -> int:
    """Hourly: close flags past expiry or deadline, then refresh those households' items."""
    households = flags_expire()
    if households:
        work_items_refresh(household_ids=households)
    return len(households)


@shared_task(name="alerts.tasks.sla_sweep", acks_late=True)
def sla_sweep() -> int:
    """Every 15 minutes: mark items past their SLA so supervisors see them."""
    return work_items_sla_sweep()


@shared_task(name="alerts.tasks.assign_by_capacity", acks_late=True)
def assign_by_capacity(office_id: int) -> int:
    from alerts.services.work_items import work_items_assign_by_capacity
    from dhs.models import Office

    return work_items_assign_by_capacity(office=Office.objects.get(pk=office_id))


@shared_task(name="alerts.tasks.refresh_all", acks_late=True)
def refresh_all(chunk_size: int = 20000) -> int:
    """Nightly: re-evaluate every household, fanned out in chunks over the workers.

    Catches deadlines that enter a rule's window with no new signal and no rescore (e.g. a
    hearing 40 days out becomes 21 days out), and keeps urgency current.
    """
    from cases.models import Household
    from dhs.iterables import chunked

    ids = Household.objects.order_by("id").values_list("id", flat=True).iterator(
        chunk_size=chunk_size)
    sent = 0
    for chunk in chunked(ids, chunk_size):
        refresh_households.delay(chunk)
        sent += 1
    return sent
