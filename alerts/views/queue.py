"""The caseworker queue: my items and my office's unclaimed items, by priority; claim in place."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts.forms import QueueFilterForm
from alerts.models import WorkItem
from alerts.selectors_portal import flag_rule_choices, queue_items
from dhs.exceptions import ApplicationError
from dhs.roles import user_office_id

from .common import is_htmx, require_perm

PAGE_SIZE = 50


@require_perm("dhs.work_queue")
def queue(request: HttpRequest) -> HttpResponse:
    """Filters re-render only the table (htmx, hx-push-url keeps the URL bookmarkable)."""
    form = QueueFilterForm(request.GET or None, flag_choices=flag_rule_choices())
    filters = form.filters() if request.GET else {}
    paginator = Paginator(queue_items(user=request.user, filters=filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "items": list(page.object_list),
               "query": query.urlencode(), "filters": filters}
    if is_htmx(request) and request.headers.get("HX-Target") == "queue-results":
        return render(request, "portal/partials/_queue_results.html", context)
    return render(request, "portal/queue.html", context)


@require_POST
@require_perm("dhs.work_queue")
def queue_claim(request: HttpRequest, item_id: int) -> HttpResponse:
    """Claims one item and answers with its new row (htmx swaps the row in place)."""
    from alerts.services.work_items import work_item_claim

    error = ""
    try:
        item = work_item_claim(item_id=item_id, user=request.user)
    except ApplicationError as exc:
        error = str(getattr(exc, "message", "") or exc)
        item = queue_item_for_row(request, item_id)
    if not is_htmx(request):  # without JavaScript the claim is a plain form post
        return redirect("portal:queue")
    # 200 even on a conflict: htmx swaps only successful answers, and the row says what happened.
    return render(request, "portal/partials/_queue_row.html",
                  {"item": item, "error": error, "just_claimed": not error})


def queue_item_for_row(request: HttpRequest, item_id: int) -> WorkItem:
    """The item as a row, within the user's office (404 outside it)."""
    item = (WorkItem.objects.select_related("household", "assigned_to")
            .filter(pk=item_id, office_id=user_office_id(request.user)).first())
    if item is None:
        raise Http404("No such item in your office.")
    return item
