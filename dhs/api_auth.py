"""Partner API authentication: `Authorization: Token <token>` against hashed tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import PartnerAgency, PartnerToken


class PartnerUser(AnonymousUser):
    """The request.user of a partner call: authenticated, but never a staff member."""

    def __init__(self, partner: PartnerAgency) -> None:
        super().__init__()
        self.partner = partner

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    @property
    def is_anonymous(self) -> bool:  # type: ignore[override]
        return False

    def __str__(self) -> str:
        return f"partner:{self.partner.code}"


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[PartnerUser, PartnerToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Malformed token.") from exc
        token = (PartnerToken.objects.select_related("partner")
                 .filter(key_hash=PartnerToken.hash(raw)).first())
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Token revoked.")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token expired.")
        if not token.partner.active:
            raise exceptions.AuthenticationFailed("Partner is not active.")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request._request.partner = token.partner
        return PartnerUser(token.partner), token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
