"""Template helpers of the portal: navigation by role, bands, durations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dhs.roles import user_role

register = template.Library()

# (label, url name, roles that see it)
_NAV = [
    ("My queue", "portal:queue", ("caseworker", "supervisor", "admin")),
    ("Supervisor", "portal:supervisor", ("supervisor", "admin")),
    ("Link review", "portal:review_links", ("supervisor", "admin")),
    ("Office dashboard", "portal:office_dashboard", ("caseworker", "supervisor", "admin")),
    ("Models and fairness", "portal:models", ("supervisor", "analyst", "admin")),
    ("Public figures", "portal:transparency", ("analyst",)),
]


@register.simple_tag(takes_context=True)
def portal_nav(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The primary navigation for the signed-in user's role (empty when signed out)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    role = user_role(user) if user is not None else None
    if role is None:
        if user is not None and user.is_authenticated:
            return []
        login = reverse("portal:login")
        return [{"label": "Staff sign in", "url": login, "current": request.path == login}]
    staff = getattr(user, "staff", None)
    path = request.path
    items = []
    for label, name, roles in _NAV:
        if role not in roles:
            continue
        if name == "portal:office_dashboard":
            if staff is None or staff.office_id is None:
                continue
            url = reverse(name, kwargs={"office_code": staff.office.code})
        else:
            url = reverse(name)
        items.append({"label": label, "url": url, "current": path.startswith(url)})
    return items


@register.simple_tag
def demo_mode() -> bool:
    return bool(getattr(settings, "DEMO_MODE", False))


@register.filter
def band_class(band: str | None) -> str:
    """USWDS tag modifier for a risk band or severity."""
    return {
        "critical": "portal-band--critical", "high": "portal-band--high",
        "elevated": "portal-band--elevated", "medium": "portal-band--elevated",
        "low": "portal-band--low",
    }.get(band or "", "portal-band--low")


@register.filter
def since(value: dt.datetime | None) -> str:
    """Compact time since: '3 d 4 h', '45 min' (time in queue)."""
    if value is None:
        return "—"
    seconds = max(0, int((timezone.now() - value).total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {rem // 60} min"
    return f"{rem // 60} min"


@register.filter
def days_until(value: dt.date | None) -> int | None:
    if value is None:
        return None
    return (value - timezone.localdate()).days


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    if value is None or isinstance(value, str):  # a metric the version does not record
        return "—"
    return f"{value * 100:.{digits}f}%"


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def words(value: Any) -> str:
    """'no_longer_flagged' -> 'No longer flagged' (codes shown to people)."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def is_past(value: dt.datetime | None) -> bool:
    return value is not None and value < timezone.now()
