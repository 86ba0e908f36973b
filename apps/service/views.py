"""Service workspace: customers and renewals, account health, churn reasons, voice of the
customer, and hand to sales.

Service and RevOps edit; Sales and Sales managers read renewals and health; every role reads
churn reasons and voice notes. POST actions answer htmx with the swapped region and everyone
else with post/redirect/get; a refused action shows its error on the field it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from apps.core.forms import call_service
from apps.core.quarters import calendar_quarter, pick_quarter
from apps.service import forms, selectors, services
from apps.service.models import Renewal
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import has_role, role_required

EDITORS = (Role.SERVICE, Role.REVOPS)
READERS = tuple(selectors.RENEWAL_READERS)  # the service pages show renewals
EVERYONE = tuple(Role.values)


def _workspace(request: HtmxHttpRequest) -> dict[str, Any]:
    """What the service tabs and action buttons may show this user."""
    return {
        "can_edit": has_role(request.user, *EDITORS),
        "can_read_renewals": has_role(request.user, *READERS),
    }


def _next_url(request: HtmxHttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- /service/ ------------------------------------------------------------------------

HOME_REGIONS = {"renewal-totals", "customers"}


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@role_required(*READERS)
def home(request: HtmxHttpRequest) -> HttpResponse:
    workspace = _workspace(request)
    quarter = selectors.current_or_calendar_quarter(today=timezone.localdate())
    region = request.htmx.target if request.htmx and request.htmx.target in HOME_REGIONS else None
    context: dict[str, Any] = {**workspace, "quarter": quarter, "limit": selectors.LIST_LIMIT}
    if region in (None, "customers"):
        context["customers"] = selectors.customer_accounts()
    if region in (None, "renewal-totals"):
        context["totals"] = selectors.quarter_renewal_totals(quarter=quarter)
    if region is None:
        context["renewals"] = selectors.quarter_renewals(quarter=quarter)
        context["reasons"] = selectors.active_churn_reasons() if workspace["can_edit"] else []
    template = f"service/home.html#{region}" if region else "service/home.html"
    return render(request, template, context)


# --- Renewals -------------------------------------------------------------------------


def _renewal_response(
    request: HtmxHttpRequest,
    renewal: Renewal,
    *,
    done: str | None,
    renew_form: forms.RenewForm | None = None,
    churn_form: forms.ChurnForm | None = None,
) -> HttpResponse:
    """The renewal's row for htmx; otherwise back where the user was (or the row with errors)."""
    if done and not request.htmx:
        messages.success(request, done)
        return redirect(_next_url(request, reverse("service:home")))
    context = {
        **_workspace(request),
        "renewal": renewal,
        "reasons": selectors.active_churn_reasons(),
        "renew_form": renew_form,
        "churn_form": churn_form,
        "done": done,
        "next": request.POST.get("next", ""),
    }
    if request.htmx:
        response = render(request, "service/home.html#renewal-row", context)
        return trigger_client_event(response, "renewals-changed") if done else response
    return render(request, "service/renewal.html", context, status=422)


@require_POST
@role_required(*EDITORS)
def renew_renewal(request: HtmxHttpRequest, renewal_id: int) -> HttpResponse:
    renewal = selectors.renewal_for(renewal_id=renewal_id)
    form = forms.RenewForm(request.POST)
    if form.is_valid():
        call_service(
            form,
            services.renew,
            renewal_id=renewal.pk,
            actor=request.user,
            renewed_amount=form.cleaned_data["renewed_amount"],
        )
    if form.errors:
        return _renewal_response(request, renewal, done=None, renew_form=form)
    renewal = selectors.renewal_for(renewal_id=renewal.pk)
    return _renewal_response(
        request, renewal, done=f"{renewal.account.name}'s renewal is marked renewed."
    )


@require_POST
@role_required(*EDITORS)
def churn_renewal(request: HtmxHttpRequest, renewal_id: int) -> HttpResponse:
    renewal = selectors.renewal_for(renewal_id=renewal_id)
    form = forms.ChurnForm(request.POST)
    if form.is_valid():
        call_service(
            form,
            services.churn,
            renewal_id=renewal.pk,
            actor=request.user,
            reason_id=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    if form.errors:
        return _renewal_response(request, renewal, done=None, churn_form=form)
    renewal = selectors.renewal_for(renewal_id=renewal.pk)
    return _renewal_response(
        request, renewal, done=f"{renewal.account.name}'s renewal is marked churned."
    )


# --- One account: health, renewals, voice notes, hand to sales --------------------------


def _account_context(
    request: HtmxHttpRequest, account_id: int, **forms_in_play: Any
) -> dict[str, Any]:
    workspace = _workspace(request)
    return {
        **workspace,
        "account": selectors.service_account(account_id=account_id),
        "history": selectors.health_history(account_id=account_id),
        "renewals": selectors.account_renewals(account_id=account_id),
        "notes": selectors.account_voice_notes(account_id=account_id),
        "reasons": selectors.active_churn_reasons() if workspace["can_edit"] else [],
        "health_form": forms_in_play.get("health_form") or forms.HealthForm(),
        "handoff_form": forms_in_play.get("handoff_form") or forms.HandToSalesForm(),
        "handoff": forms_in_play.get("handoff"),
    }


@require_GET
@role_required(*READERS)
def account_detail(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    return render(request, "service/account.html", _account_context(request, account_id))


@require_POST
@role_required(*EDITORS)
def set_health(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    account = selectors.service_account(account_id=account_id)
    form = forms.HealthForm(request.POST)
    if form.is_valid():
        call_service(
            form,
            services.set_account_health,
            account_id=account.pk,
            actor=request.user,
            health=form.cleaned_data["health"],
            note=form.cleaned_data["note"],
        )
    if not form.errors and not request.htmx:
        messages.success(request, f"{account.name}'s health is updated.")
        return redirect("service:account", account_id=account.pk)
    context = _account_context(
        request, account.pk, health_form=form if form.errors else forms.HealthForm()
    )
    if request.htmx:
        return render(request, "service/account.html#health-panel", context)
    return render(request, "service/account.html", context, status=422)


@require_POST
@role_required(*EDITORS)
def hand_to_sales(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    account = selectors.service_account(account_id=account_id)
    form = forms.HandToSalesForm(request.POST)
    handoff = None
    if form.is_valid():
        handoff = call_service(
            form,
            services.hand_to_sales,
            account_id=account.pk,
            actor=request.user,
            **form.cleaned_data,
        ).result
    if handoff is not None and not request.htmx:
        messages.success(request, f"{handoff.lead.display_name} is handed to sales.")
        return redirect("service:account", account_id=account.pk)
    lead = selectors.handed_lead(lead_id=handoff.lead.pk) if handoff else None
    context = _account_context(
        request,
        account.pk,
        handoff_form=form if form.errors else forms.HandToSalesForm(),
        handoff=lead,
    )
    if request.htmx:
        return render(request, "service/account.html#handoff-panel", context)
    return render(request, "service/account.html", context, status=422)


# --- Churn reasons --------------------------------------------------------------------


@require_GET
@role_required(*EVERYONE)
def churn(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    options = selectors.quarter_options(today=today)
    # options are newest first; pick_quarter reads them in calendar order
    quarter = pick_quarter(
        list(reversed(options)), name=request.GET.get("quarter"), today=today
    ) or calendar_quarter(today)
    context = {
        **_workspace(request),
        "options": options,
        "quarter": quarter,
        "report": selectors.churn_report(quarter=quarter),
    }
    return render(request, "service/churn.html", context)


# --- Voice of the customer ------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@role_required(*EVERYONE)
def voice(request: HtmxHttpRequest) -> HttpResponse:
    search = forms.VoiceSearchForm(request.GET)
    query = search.cleaned_data if search.is_valid() else {"q": "", "tag": ""}
    context: dict[str, Any] = {
        **_workspace(request),
        "search": search,
        "q": query["q"],
        "tag": query["tag"],
        "notes": selectors.voice_notes(search=query["q"], tag=query["tag"]),
        "limit": selectors.LIST_LIMIT,
    }
    if request.htmx and request.htmx.target == "voice-results":
        return render(request, "service/voice.html#voice-results", context)
    context["common_tags"] = selectors.common_tags()
    if context["can_edit"]:
        context["note_form"] = forms.VoiceNoteForm(
            initial={"account": request.GET.get("account", "")}
        )
        context["customers"] = selectors.customer_choices()
    return render(request, "service/voice.html", context)


@require_POST
@role_required(*EDITORS)
def add_voice_note(request: HtmxHttpRequest) -> HttpResponse | HttpResponseRedirect:
    form = forms.VoiceNoteForm(request.POST)
    note = None
    if form.is_valid():
        note = call_service(
            form,
            services.add_voice_note,
            account_id=form.cleaned_data["account"],
            actor=request.user,
            quote=form.cleaned_data["quote"],
            tags=form.cleaned_data["tags"],
            context=form.cleaned_data["context"],
        ).result
    if note is not None and not request.htmx:
        messages.success(request, "The voice note is saved and marketing can find it now.")
        return redirect(_next_url(request, reverse("service:voice")))
    context = {
        **_workspace(request),
        "note_form": forms.VoiceNoteForm(initial={"account": note.account_id}) if note else form,
        "customers": selectors.customer_choices(),
        "saved": note,
    }
    if request.htmx:
        response = render(request, "service/voice.html#voice-add", context)
        return trigger_client_event(response, "voice-changed") if note else response
    context.update(
        search=forms.VoiceSearchForm(),
        q="",
        tag="",
        notes=selectors.voice_notes(),
        common_tags=selectors.common_tags(),
        limit=selectors.LIST_LIMIT,
    )
    return render(request, "service/voice.html", context, status=422)
