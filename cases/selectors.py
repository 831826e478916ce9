"""Reads of case records. Access to households is decided here and nowhere else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dhs.models import Office
from dhs.roles import user_office_id, user_role

from .models import Household, OfficeVisit

OFFICE_TRAFFIC_TTL = 60  # seconds; the beat task refreshes today's figures every minute
TYPICAL_WEEKS = 8


def households_for_user(*, user: Any) -> QuerySet[Household]:
    """Households the user may open: own office; every office with dhs.view_all_offices.

    Analysts (and anyone without a role) get an empty queryset: they see aggregates only.
    """
    qs = Household.objects.select_related("office")
    role = user_role(user)
    if role is None or role == "analyst":
        return qs.none()
    if user.has_perm("dhs.view_all_offices"):
        return qs
    office_id = user_office_id(user)
    if office_id is None:
        return qs.none()
    return qs.filter(office_id=office_id)


def household_get_for_user(*, user: Any, ref: str) -> Household:
    """One household by ref, or Http404 when it does not exist or the user may not see it."""
    try:
        return households_for_user(user=user).get(ref=ref)
    except Household.DoesNotExist:
        raise Http404("No such household.") from None


# --- office traffic ------------------------------------------------------------------------
def _cache_key(office_id: int, day: dt.date) -> str:
    return f"cases:office_traffic:{office_id}:{day.isoformat()}"


def _local_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def _visits(office_id: int, day: dt.date) -> list[tuple[dt.datetime, dt.datetime | None, str]]:
    start, end = _local_bounds(day)
    return list(OfficeVisit.objects.filter(office_id=office_id, arrived_at__gte=start,
                                           arrived_at__lt=end)
                .values_list("arrived_at", "served_at", "service_type"))


def office_traffic_compute(*, office: Office, day: dt.date,
                           now: dt.datetime | None = None) -> dict[str, Any]:
    """Visitors of one day by hour and service type against the typical same weekday.

    "Typical" is the mean over the same weekday of the previous eight weeks, so a busy
    Monday is compared with other Mondays, not with a quiet Friday. "waiting_now" is
    arrived-but-not-served for today; on a past day those visitors count as "left_unserved".
    """
    tz = timezone.get_current_timezone()
    now = now or timezone.now()
    today = _visits(office.pk, day)
    hours = range(24)
    by_hour = dict.fromkeys(hours, 0)
    by_service: dict[str, int] = {}
    waits: list[float] = []
    unserved = 0
    served = 0
    for arrived, served_at, service in today:
        by_hour[timezone.localtime(arrived, tz).hour] += 1
        by_service[service] = by_service.get(service, 0) + 1
        if served_at is not None and served_at <= now:
            served += 1
            waits.append((served_at - arrived).total_seconds() / 60)
        elif arrived <= now:
            unserved += 1
    is_today = day == timezone.localdate(now, tz)

    typical_hour = dict.fromkeys(hours, 0.0)
    typical_service: dict[str, float] = {}
    past_days = [day - dt.timedelta(weeks=w) for w in range(1, TYPICAL_WEEKS + 1)]
    start, _ = _local_bounds(past_days[-1])
    _, end = _local_bounds(past_days[0])
    wanted = set(past_days)
    for arrived, service in OfficeVisit.objects.filter(
            office_id=office.pk, arrived_at__gte=start, arrived_at__lt=end,
    ).values_list("arrived_at", "service_type"):
        local = timezone.localtime(arrived, tz)
        if local.date() not in wanted:
            continue
        typical_hour[local.hour] += 1 / TYPICAL_WEEKS
        typical_service[service] = typical_service.get(service, 0.0) + 1 / TYPICAL_WEEKS

    services = sorted(set(by_service) | set(typical_service))
    return {
        "office": office.code,
        "day": day.isoformat(),
        "computed_at": now.isoformat(),
        "total": len(today),
        "typical_total": round(sum(typical_hour.values()), 1),
        "by_hour": [{"hour": h, "visitors": by_hour[h], "typical": round(typical_hour[h], 1)}
                    for h in hours],
        "by_service": [{"service_type": s, "visitors": by_service.get(s, 0),
                        "typical": round(typical_service.get(s, 0.0), 1)} for s in services],
        "waiting_now": unserved if is_today else 0,
        "left_unserved": 0 if is_today else unserved,
        "served": served,
        "avg_wait_minutes": round(sum(waits) / len(waits), 1) if waits else None,
    }


def office_traffic(*, office: Office, day: dt.date) -> dict[str, Any]:
    """Cached office traffic (60 s); the dashboard reads this, the beat task refreshes it."""
    key = _cache_key(office.pk, day)
    data = cache.get(key)
    if data is None:
        data = office_traffic_compute(office=office, day=day)
        cache.set(key, data, OFFICE_TRAFFIC_TTL)
    return data


def office_traffic_refresh(*, office: Office, day: dt.date) -> dict[str, Any]:
    """Recompute and store, whatever is cached (called by the beat task)."""
    data = office_traffic_compute(office=office, day=day)
    cache.set(_cache_key(office.pk, day), data, OFFICE_TRAFFIC_TTL)
    return data
