"""The public transparency page: no sign-in, aggregates only, small cells suppressed."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alerts.services.transparency import transparency_sources, transparency_tables

CACHE_SECONDS = 300  # the figures are yearly aggregates; five minutes old is fine


def transparency(request: HttpRequest) -> HttpResponse:
    """What sources the agency uses, why, under which agreements, and what it did, by area.

    The figures are cached, never the page: the header differs for a signed-in visitor.
    """
    figures = cache.get("portal:transparency")
    if figures is None:
        figures = {"agreements": transparency_sources(), "tables": transparency_tables()}
        cache.set("portal:transparency", figures, CACHE_SECONDS)
    return render(request, "portal/transparency.html",
                  {**figures, "threshold": settings.SMALL_CELL_THRESHOLD})
