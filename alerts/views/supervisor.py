"""Supervisor screens: team overview, reassign, dismissal review, audit trail; link review."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts.forms import AssignForm, AuditSearchForm
from alerts.models import WorkItem, WorkItemAction
from alerts.selectors_portal import (
    audit_trail,
    dismissals_pending,
    supervisor_items,
    team_overview,
)
from cases.selectors import household_get_for_user
from dhs.audit import audit_record
from dhs.exceptions import ApplicationError
from dhs.models import Office
from dhs.roles import user_office_id

from .common import is_htmx, require_perm


def _office(request: HttpRequest) -> Office:
    office_id = user_office_id(request.user)
    code = request.GET.get("office")
    if code and request.user.has_perm("dhs.view_all_offices"):
        office = Office.objects.filter(code=code).first()
    else:
        office = Office.objects.filter(pk=office_id).first() if office_id else None
    if office is None:
        office = Office.objects.first() if request.user.has_perm("dhs.view_all_offices") \
            else None
    if office is None:
        raise Http404("No office.")
    return office


@require_perm("dhs.review_team")
def supervisor(request: HttpRequest) -> HttpResponse:
    office = _office(request)
    form = AuditSearchForm(request.GET or None)
    trail, trail_household = None, None
    if form.is_valid() and form.cleaned_data.get("ref"):
        trail_household = household_get_for_user(user=request.user,
                                                 ref=form.cleaned_data["ref"].strip())
        audit_record(action="view_audit", request=request, object_type="household",
                     object_id=trail_household.pk, household_ref=trail_household.ref,
                     purpose="supervision")
        trail = audit_trail(household_ref=trail_household.ref)
    from alerts.services.work_items import office_caseworkers

    return render(request, "portal/supervisor.html", {
        "office": office,
        "team": team_overview(office=office),
        "items": supervisor_items(office=office),
        "caseworkers": office_caseworkers(office=office),
        "dismissals": dismissals_pending(office=office),
        "audit_form": form, "trail": trail, "trail_household": trail_household,
    })


@require_POST
@require_perm("dhs.review_team")
def supervisor_assign(request: HttpRequest, item_id: int) -> HttpResponse:
    from alerts.services.work_items import office_caseworkers, work_item_assign

    form = AssignForm(request.POST)
    error, done = "", False
    item = WorkItem.objects.select_related("household", "assigned_to", "office").filter(
        pk=item_id).first()
    if item is None or (item.office_id != user_office_id(request.user)
                        and not request.user.has_perm("dhs.view_all_offices")):
        raise Http404("No such item.")
    if not form.is_valid():
        error = "Choose a caseworker."
    else:
        assignee = get_user_model().objects.filter(pk=form.cleaned_data["assignee"]).first()
        try:
            if assignee is None:
                raise ApplicationError("No such caseworker.", code="invalid_assignee")
            item = work_item_assign(item_id=item_id, assignee=assignee, by=request.user)
            done = True
        except ApplicationError as exc:
            error = str(getattr(exc, "message", "") or exc)
    if not is_htmx(request):
        return redirect("portal:supervisor")
    return render(request, "portal/partials/_supervisor_item.html", {
        "item": item, "caseworkers": office_caseworkers(office=item.office),
        "error": error, "assigned": done})


@require_POST
@require_perm("dhs.review_team")
def supervisor_review(request: HttpRequest, action_id: int) -> HttpResponse:
    from alerts.services.work_items import dismissal_review

    uphold = request.POST.get("decision") == "uphold"
    dismissal = WorkItemAction.objects.select_related("item", "item__household", "by").filter(
        pk=action_id, action="dismissed").first()
    if dismissal is None or (dismissal.item.office_id != user_office_id(request.user)
                             and not request.user.has_perm("dhs.view_all_offices")):
        raise Http404("No such dismissal.")
    error = ""
    try:
        dismissal_review(action_id=action_id, reviewer=request.user, uphold=uphold)
        dismissal.refresh_from_db()
    except ApplicationError as exc:
        error = str(getattr(exc, "message", "") or exc)
    if not is_htmx(request):
        return redirect("portal:supervisor")
    return render(request, "portal/partials/_dismissal_row.html",
                  {"d": dismissal, "error": error, "decided": not error})


@require_perm("dhs.review_links")
def review_links(request: HttpRequest) -> HttpResponse:
    from risk.selectors import link_reviews_pending

    reviews = list(link_reviews_pending(user=request.user)[:50])
    return render(request, "portal/review_links.html", {"reviews": reviews})


@require_POST
@require_perm("dhs.review_links")
def review_link_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    """Accept or reject one candidate link; the service audits and rescores."""
    from risk.selectors import link_reviews_pending
    from risk.services.review import link_review_decide

    review = link_reviews_pending(user=request.user).filter(pk=review_id).first()
    if review is None:
        raise Http404("No such pending review.")
    accept = request.POST.get("decision") == "accept"
    error = ""
    try:
        review = link_review_decide(review_id=review_id, accept=accept, user=request.user)
    except ApplicationError as exc:
        error = str(getattr(exc, "message", "") or exc)
    if not is_htmx(request):
        return redirect("portal:review_links")
    return render(request, "portal/partials/_link_review.html",
                  {"r": review, "error": error, "decided": not error})
