"""Office dashboard (foot traffic today vs the typical same weekday) and the models page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alerts.selectors_portal import (
    dashboard_context,
    fairness_tables,
    models_overview,
    office_get_for_dashboard,
)
from cases.selectors import office_traffic

from .common import is_htmx, require_perm


@login_required
def office_dashboard(request: HttpRequest, office_code: str) -> HttpResponse:
    """Refreshes itself every 30 s through htmx (the partial only)."""
    office = office_get_for_dashboard(user=request.user, code=office_code)
    traffic = office_traffic(office=office, day=timezone.localdate())
    context = {"office": office, **dashboard_context(traffic=traffic)}
    template = ("portal/partials/_dashboard_body.html" if is_htmx(request)
                else "portal/office_dashboard.html")
    return render(request, template, context)


@require_perm("dhs.view_aggregates", "dhs.manage_models")
def models_page(request: HttpRequest) -> HttpResponse:
    overview = models_overview()
    return render(request, "portal/models.html", {
        **overview, "fairness": fairness_tables(overview["promoted"])})
