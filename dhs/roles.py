"""Roles are Django auth groups with permissions; this module keeps them in one place."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "caseworker": ["work_queue"],
    "supervisor": ["work_queue", "review_team", "review_links", "view_aggregates", "view_audit"],
    "analyst": ["view_aggregates", "view_all_offices_aggregates"],
    "admin": ["work_queue", "review_team", "review_links", "view_aggregates", "view_audit",
              "view_all_offices", "manage_models"],
}


def ensure_roles(**kwargs: Any) -> None:
    """Create or refresh the role groups after every migrate, so roles are data, not code paths."""
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="dhs")}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in codenames if c in perms])


def user_role(user: Any) -> str | None:
    """The user's role name (the first role group it belongs to), or None."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    cached = getattr(user, "_dhs_role", "unset")
    if cached != "unset":
        return cached
    names = {g.name for g in user.groups.all()}
    role = next((r for r in ("admin", "supervisor", "analyst", "caseworker") if r in names), None)
    if role is None and user.is_superuser:
        role = "admin"
    user._dhs_role = role
    return role


def user_office_id(user: Any) -> int | None:
    """The id of the user's office, or None (analysts and admins may have none)."""
    staff = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    return staff.office_id if staff else None
