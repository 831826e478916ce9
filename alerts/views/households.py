"""The household page and what a caseworker does there: act, refer, text, write a note."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts.forms import NoteForm, OutreachForm, ReferralForm, WorkItemActionForm
from alerts.selectors_portal import household_page_context
from alerts.services.notes import case_note_add
from cases.selectors import household_get_for_user
from dhs.audit import audit_record
from dhs.exceptions import ApplicationError

from .common import require_perm


def _error_text(exc: ApplicationError) -> str:
    return str(getattr(exc, "message", "") or exc)


@login_required
def household(request: HttpRequest, ref: str) -> HttpResponse:
    """Every open is audited; outside the user's office, and for analysts, it is a 404."""
    hh = household_get_for_user(user=request.user, ref=ref)
    audit_record(action="view_household", request=request, object_type="household",
                 object_id=hh.pk, household_ref=hh.ref, purpose="casework")
    context = household_page_context(household=hh, user=request.user)
    if request.user.has_perm("dhs.review_team") and context["item"] is not None \
            and not context["item"].needs_review:
        context["can_act"] = True
    context.update({"household": hh, "action_form": WorkItemActionForm(),
                    "note_form": NoteForm(), "outreach_form": OutreachForm()})
    return render(request, "portal/household.html", context)


def _back(ref: str, anchor: str) -> HttpResponse:
    response = redirect("portal:household", ref=ref)
    response["Location"] += f"#{anchor}"
    return response


@require_POST
@require_perm("dhs.work_queue")
def household_act(request: HttpRequest, ref: str) -> HttpResponse:
    """Record an action or outcome on the household's open work item."""
    from alerts.selectors import work_item_for_household
    from alerts.services.work_items import work_item_act

    hh = household_get_for_user(user=request.user, ref=ref)
    form = WorkItemActionForm(request.POST)
    item = work_item_for_household(household=hh)
    if item is None:
        messages.error(request, "This household has no open work item to record against.")
    elif not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        data = form.cleaned_data
        try:
            record = work_item_act(item_id=item.pk, user=request.user, action=data["action"],
                                   note=data.get("note", ""),
                                   intervention_code=data.get("intervention_code") or None)
        except ApplicationError as exc:
            messages.error(request, _error_text(exc))
        else:
            text = f"Recorded: {record.get_action_display().lower()}"
            if record.intervention_id:
                text += f" ({record.intervention.name})"
            if record.review_status == "pending":
                text += ". A supervisor will review this dismissal."
            messages.success(request, text + ".")
    return _back(ref, "work")


@require_POST
@require_perm("dhs.work_queue")
def household_refer(request: HttpRequest, ref: str) -> HttpResponse:
    """Refer the household to an intervention's provider (only the agreed fields travel)."""
    from alerts.selectors import work_item_for_household
    from alerts.services.referrals import referral_create

    hh = household_get_for_user(user=request.user, ref=ref)
    form = ReferralForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the intervention to refer to.")
        return _back(ref, "interventions")
    item = work_item_for_household(household=hh)
    try:
        referral = referral_create(household=hh, user=request.user, work_item=item,
                                   intervention_code=form.cleaned_data["intervention_code"])
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Referred to {referral.partner.name} "
                                  f"for {referral.intervention.name}.")
    return _back(ref, "interventions")


@require_POST
@require_perm("dhs.work_queue")
def household_outreach(request: HttpRequest, ref: str) -> HttpResponse:
    from alerts.services.outreach import outreach_send

    hh = household_get_for_user(user=request.user, ref=ref)
    form = OutreachForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the message first.")
        return _back(ref, "outreach")
    try:
        message = outreach_send(household=hh, user=request.user, body=form.cleaned_data["body"])
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Text message {message.status} to {message.to}.")
    return _back(ref, "outreach")


@require_POST
@require_perm("dhs.work_queue")
def household_note(request: HttpRequest, ref: str) -> HttpResponse:
    hh = household_get_for_user(user=request.user, ref=ref)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the note first.")
        return _back(ref, "notes")
    try:
        case_note_add(household=hh, user=request.user, body=form.cleaned_data["body"])
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Note added.")
    return _back(ref, "notes")
