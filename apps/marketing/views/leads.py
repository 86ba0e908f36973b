"""The marketer's lead list (/marketing/leads/): every lead, filtered by what marketing plans
by, newest first one keyset page at a time, with held leads' places in their queue; an export
of exactly the filtered rows (Excel-friendly on request); and each user's saved views."""

from __future__ import annotations

from itertools import chain

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.csv_safe import stream_rows
from apps.core.forms import call_service, refused_status
from apps.leads.exports import EXPORT_COLUMNS, export_rows
from apps.marketing import selectors
from apps.marketing.forms.leads import SaveViewForm
from apps.users import services as user_services
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role, SavedView
from apps.users.roles import role_required

PAGE = "marketing/leads.html"
LEAD_LIST_ROLES = (Role.MARKETING, Role.REVOPS)
EXCEL_BOM = "\ufeff"  # Excel reads a UTF-8 file as UTF-8 (accents intact) only after this mark


def _export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """Exactly the filtered rows, every cell formula-safe; `excel=1` adds the byte-order mark."""
    leads = selectors.marketing_leads(request.user, request)
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
    context = {"listing": listing, "save_form": SaveViewForm(initial={"query": listing.query})}
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
    listing = selectors.lead_list(user=request.user, request=request)
    context = {"listing": listing, "save_form": form}
    return render(request, PAGE, context, status=refused_status(form))


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
