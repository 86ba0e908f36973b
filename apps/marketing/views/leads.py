"""The marketer's lead list (/marketing/leads/): every lead, filtered by what marketing plans
by, newest first one keyset page at a time, with held leads' places in their queue; an export
of exactly the filtered rows (Excel-friendly on request); each user's saved views; and bulk
actions on the ticked or the matching leads (add to a campaign, recycle to nurture)."""

from __future__ import annotations

from itertools import chain

from django.contrib import messages
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.csv_safe import stream_rows
from apps.core.forms import Outcome, call_service, refused_status
from apps.feedback import services as feedback_services
from apps.leads import services as lead_services
from apps.leads.exports import EXPORT_COLUMNS, export_rows
from apps.leads.services import BULK_LIMIT, BulkOutcome
from apps.marketing import selectors
from apps.marketing.forms.leads import BulkLeadsForm, SaveViewForm
from apps.users import services as user_services
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role, SavedView
from apps.users.roles import role_required

PAGE = "marketing/leads.html"
LEAD_LIST_ROLES = (Role.MARKETING, Role.REVOPS)
EXCEL_BOM = "\ufeff"  # Excel reads a UTF-8 file as UTF-8 (accents intact) only after this mark


def _export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """Exactly the filtered rows, every cell formula-safe; `excel=1` adds the byte-order mark."""
    leads = selectors.marketing_leads(request.user, request.GET)
    lines = stream_rows(EXPORT_COLUMNS, export_rows(leads))
    if request.GET.get("excel") == "1":
        lines = chain([EXCEL_BOM], lines)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
    return response


@require_GET
@vary_on_headers("HX-Request")
@role_required(*LEAD_LIST_ROLES)
def lead_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.GET.get("format") == "csv":
        return _export(request)
    listing = selectors.lead_list(user=request.user, request=request)
    template = f"{PAGE}#lead-rows" if request.htmx and request.htmx.target == "lead-list" else PAGE
    status = 200 if listing.filter.is_valid() else 400
    context = {
        "listing": listing,
        "save_form": SaveViewForm(initial={"query": listing.query}),
        "bulk_form": BulkLeadsForm(initial={"query": listing.query}),
        "bulk_limit": BULK_LIMIT,
    }
    return render(request, template, context, status=status)


@require_POST
@role_required(*LEAD_LIST_ROLES)
def save_view(request: HtmxHttpRequest) -> HttpResponse:
    """Save the current filters under a name (the same name overwrites); back to the list."""
    form = SaveViewForm(request.POST)
    outcome = form.is_valid() and call_service(
        form,
        user_services.save_view,
        user=request.user,
        page=SavedView.Page.MARKETING_LEADS,
        name=form.cleaned_data["name"],
        query=form.cleaned_data["query"],
    )
    query = form.cleaned_data.get("query", "") if form.is_valid() else ""
    if outcome:
        messages.success(request, f"Saved the view “{outcome.result.name}”.")
        return redirect(
            f"{reverse('marketing:leads')}?{query}" if query else reverse("marketing:leads")
        )
    return _list_page(request, query=query, save_form=form, status=refused_status(form))


def _list_page(
    request: HtmxHttpRequest,
    *,
    query: str,
    status: int,
    save_form: SaveViewForm | None = None,
    bulk_form: BulkLeadsForm | None = None,
) -> HttpResponse:
    """The list for the filters in `query`, answering a refused form (its errors shown)."""
    listing = selectors.lead_list(user=request.user, request=request, params=QueryDict(query))
    context = {
        "listing": listing,
        "save_form": save_form or SaveViewForm(initial={"query": listing.query}),
        "bulk_form": bulk_form or BulkLeadsForm(initial={"query": listing.query}),
        "bulk_limit": BULK_LIMIT,
    }
    return render(request, PAGE, context, status=status)


@require_POST
@role_required(*LEAD_LIST_ROLES)
def delete_view(request: HtmxHttpRequest) -> HttpResponse:
    """Delete one of the user's saved views (`view` in the form); another user's is not found."""
    view_id = request.POST.get("view", "")
    if not (view_id.isascii() and view_id.isdigit()):
        return HttpResponseBadRequest("Choose a saved view to delete (field: view).")
    if not user_services.delete_view(user=request.user, view_id=int(view_id)):
        raise Http404("No such saved view.")
    messages.success(request, "Deleted the saved view.")
    return redirect("marketing:leads")


def _run_bulk(request: HtmxHttpRequest, form: BulkLeadsForm) -> Outcome[BulkOutcome]:
    data = form.cleaned_data
    if data["scope"] == "matching":
        ids = selectors.matching_lead_ids(request.user, data["query"], limit=BULK_LIMIT)
    else:
        ids = data["ids"]
    if data["action"] == "campaign":
        return call_service(
            form,
            lead_services.add_to_campaign,
            lead_ids=ids,
            campaign_id=data["campaign"].pk,
            actor=request.user,
        )
    return call_service(
        form,
        feedback_services.recycle_many,
        lead_ids=ids,
        actor=request.user,
        reengage_on=data["reengage_on"],
    )


def _bulk_message(form: BulkLeadsForm, outcome: BulkOutcome) -> str:
    done, skipped = outcome.done, outcome.skipped
    if form.cleaned_data["action"] == "campaign":
        name = form.cleaned_data["campaign"].name
        text = f"Added {done} lead{'s' if done != 1 else ''} to “{name}”."
        if skipped:
            text += f" {skipped} were already in it or archived and were left as they were."
        return text
    text = f"Recycled {done} disqualified lead{'s' if done != 1 else ''} to nurture."
    wakes = form.cleaned_data["reengage_on"]
    if done and wakes:
        text += f" They wake on {wakes:%d %b %Y}."
    if skipped:
        text += (
            f" {skipped} {'were' if skipped != 1 else 'was'} not disqualified (or already "
            "reviewed otherwise) and left as they were."
        )
    return text


@require_POST
@role_required(*LEAD_LIST_ROLES)
def bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Add the ticked (or every matching) lead to a campaign, or recycle the disqualified ones
    to nurture; back to the list as filtered, or the list with the refusal beside the form."""
    form = BulkLeadsForm(request.POST)
    outcome = form.is_valid() and _run_bulk(request, form)
    query = form.cleaned_data.get("query", "") if form.is_valid() else ""
    if outcome and outcome.result is not None:
        messages.success(request, _bulk_message(form, outcome.result))
        return redirect(
            f"{reverse('marketing:leads')}?{query}" if query else reverse("marketing:leads")
        )
    back = query or request.POST.get("query", "")[:1000]
    return _list_page(request, query=back, bulk_form=form, status=refused_status(form))
