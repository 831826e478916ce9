"""Session expiry after inactivity: a shared office PC must not stay signed in."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse


class SessionIdleTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_TIMEOUT seconds without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif last is None or now - int(last) > 60:
                # Write at most once a minute so every page view is not a session write.
                request.session["last_seen"] = now
        return self.get_response(request)
