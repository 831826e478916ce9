"""Sign-ins and failed sign-ins are audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .audit import audit_record


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="login", request=request, user=user, object_type="user",
                 object_id=user.pk)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                        **kwargs: Any) -> None:
    audit_record(action="login_failed", request=request, object_type="user",
                 details={"username": str(credentials.get("username", ""))[:150]})
