"""Writing to the audit log: the one way the application records who read or changed what."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AuditEvent, PartnerAgency


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(*, action: str, request: HttpRequest | None = None, user: Any = None,
                 partner: PartnerAgency | None = None, object_type: str = "",
                 object_id: Any = "", household_ref: str = "", person_ref: str = "",
                 purpose: str = "", details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one audit event; the actor comes from the request when not given."""
    if request is not None:
        if user is None and getattr(request, "user", None) is not None \
                and request.user.is_authenticated:
            user = request.user
        if partner is None:
            partner = getattr(request, "partner", None)
    return AuditEvent.objects.create(
        action=action,
        user=user if user is not None and getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        partner=partner,
        object_type=object_type,
        object_id=str(object_id or ""),
        household_ref=household_ref or "",
        person_ref=person_ref or "",
        purpose=purpose,
        ip_address=_client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:200] if request else ""),
        details=details or {},
    )


def audit_bulk(events: list[dict[str, Any]]) -> None:
    """Append many events at once (an API list read touches many households)."""
    AuditEvent.objects.bulk_create([AuditEvent(**e) for e in events], batch_size=1000)
