"""Who is signed in and where, for every page's header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .roles import user_role


def staff_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_role": None, "staff_office": None}
    staff = getattr(user, "staff", None)
    return {"staff_role": user_role(user), "staff_office": staff.office if staff else None}
