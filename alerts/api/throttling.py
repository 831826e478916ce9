"""Rate limits keyed by who calls: one bucket per partner agency, one per staff member."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .permissions import request_partner


class PartnerRateThrottle(SimpleRateThrottle):
    """All tokens of one partner share one bucket (rate: DEFAULT_THROTTLE_RATES["partner"])."""

    scope = "partner"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        partner = request_partner(request)
        if partner is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": partner.pk}


class StaffRateThrottle(SimpleRateThrottle):
    """One bucket per staff user (rate: DEFAULT_THROTTLE_RATES["staff"])."""

    scope = "staff"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = request.user
        if request_partner(request) is not None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class AnonymousRateThrottle(SimpleRateThrottle):
    """Public catalogue reads, by client address (rate "anon", default 120/min)."""

    scope = "anon"

    def get_rate(self) -> str:
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope) or "120/min"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


DEFAULT_THROTTLES = [PartnerRateThrottle, StaffRateThrottle, AnonymousRateThrottle]
