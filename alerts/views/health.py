"""Constant health views: a liveness probe and the floor cost of a signed-in page (bench)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the full middleware stack answers; touches no table (load balancers, bench)."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def healthz_session(request: HttpRequest) -> HttpResponse:
    """A signed-in constant: the floor under every portal page (session + user lookup)."""
    return HttpResponse("ok", content_type="text/plain")


# Mounted by one line in alerts/urls.py (TRUST owns this file).
urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("healthz/session/", healthz_session, name="healthz_session"),
]
