"""The public transparency page: no sign-in, aggregates only, small cells suppressed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_page

from alerts.services.transparency import transparency_sources, transparency_tables


@cache_page(300)
def transparency(request: HttpRequest) -> HttpResponse:
    """What sources the agency uses, why, under which agreements, and what it did, by area."""
    return render(request, "portal/transparency.html", {
        "agreements": transparency_sources(),
        "tables": transparency_tables(),
        "threshold": settings.SMALL_CELL_THRESHOLD,
    })
