"""The lead page and the rep's actions on it: attempts, play steps, convert, disqualify,
recycle, switch play, buying role. Each action is one plain view calling one service of the
app that owns what it changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from apps.core import pulse
from apps.core.forms import call_service, refused_status
from apps.core.htmx import refused
from apps.feedback import services as feedback_services
from apps.leads import services as lead_services
from apps.opportunities import services as opportunity_services
from apps.plays import services as play_services
from apps.sales import forms, selectors
from apps.sales.views import LEAD_CHANGED
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

NOT_YOURS = "You can only work your own leads: claim it first, or ask a sales manager."

# Each action's form: the key in the template's `forms`, the partial (and element id) it lives
# in, and how it is built from the page's choice lists.
_FORMS: dict[str, tuple[str, Callable[..., django_forms.Form]]] = {
    "attempt": ("attempt-form", lambda page, **kw: forms.AttemptForm(**kw)),
    "convert": ("convert-form", lambda page, **kw: forms.ConvertForm(**kw)),
    "disqualify": (
        "disqualify-form",
        lambda page, **kw: forms.DisqualifyForm(reasons=page.reasons, **kw),
    ),
    "recycle": (
        "recycle-form",
        lambda page, **kw: forms.RecycleForm(reasons=page.recycle_reasons, **kw),
    ),
    "switch_play": (
        "switch-play-form",
        lambda page, **kw: forms.SwitchPlayForm(plays=page.plays, **kw),
    ),
    "buying_role": (
        "buying-role-form",
        lambda page, **kw: forms.BuyingRoleForm(initial={"role": page.lead.buying_role}, **kw),
    ),
    "step": ("play-steps", lambda page, **kw: forms.StepForm(**kw)),
    "email": ("play-steps", lambda page, **kw: forms.EmailForm(**kw)),
}


def _lead_forms(
    page: selectors.LeadPage, bound: Mapping[str, django_forms.Form] | None = None
) -> dict[str, django_forms.Form]:
    bound = bound or {}
    return {
        key: bound.get(key) or build(page, auto_id=f"{key}_%s", label_suffix="")
        for key, (_, build) in _FORMS.items()
    }


def _lead_context(
    page: selectors.LeadPage, *, bound: Mapping[str, django_forms.Form] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "page": page,
        "lead": page.lead,
        "counts": page.counts,
        "forms": _lead_forms(page, bound),
        "outcomes": forms.ATTEMPT_OUTCOMES,
        "now": timezone.now(),
        # the navigation's badge, from the counts the page read anyway (one index read)
        **({"today_count": page.counts["today"]} if page.counts else {}),
        **extra,
    }


def workspace_response(request: HtmxHttpRequest, lead_id: int, flash: str) -> HttpResponse:
    """The lead page's working region, read again after a change (htmx success answer)."""
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    return render(request, "sales/lead.html#lead-workspace", _lead_context(page, flash=flash))


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)  # which leads each role reads is visible_to()'s job
@pulse.read_first
def lead(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    template = "sales/lead.html#lead-workspace" if request.htmx else "sales/lead.html"
    return render(request, template, _lead_context(page))


# --- Actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadAction:
    """A POSTed action on the lead page: the page as the user reads it, and the bound form."""

    page: selectors.LeadPage
    key: str
    form: django_forms.Form
    ready: bool  # the form is valid and the user may work the lead: call the service


def _bind(request: HtmxHttpRequest, lead_id: int, key: str) -> LeadAction:
    """Read the lead through lead_page() (a lead the user may not see is a 404 before anything
    runs) and bind the action's form. A readable lead the user may not work (another rep's, or
    a pool lead not yet claimed) is refused as forbidden before a form that offers no choices
    is validated."""
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    _, build = _FORMS[key]
    form = build(page, data=request.POST, auto_id=f"{key}_%s", label_suffix="")
    if page.lead.is_open and not page.may_work:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, NOT_YOURS)
        form.refused_status = 403  # type: ignore[attr-defined]
        return LeadAction(page=page, key=key, form=form, ready=False)
    return LeadAction(page=page, key=key, form=form, ready=form.is_valid())


def _done(
    request: HtmxHttpRequest, action: LeadAction, message: str, *, leaves_reach: bool = False
) -> HttpResponse:
    lead = action.page.lead
    if leaves_reach:
        # The lead is no longer the rep's to read (recycled to marketing): the page says so in
        # place, or a plain post goes back to the queue.
        if request.htmx:
            context = {"lead": lead, "flash": message}
            response = render(request, "sales/lead.html#lead-released", context)
            return trigger_client_event(response, LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:queue")
    if request.htmx:
        return trigger_client_event(workspace_response(request, lead.pk, message), LEAD_CHANGED)
    messages.success(request, message)
    return redirect("sales:lead", lead.pk)


def _refused(
    request: HtmxHttpRequest, action: LeadAction, *, step_id: int | None = None
) -> HttpResponse:
    """The action's form again with its errors and what the user typed. The step forms are
    drawn per step, so the refused step (`step_id`) is the one whose bound form shows the
    typed values."""
    status = refused_status(action.form)
    part, _ = _FORMS[action.key]
    bound = {action.key: action.form}
    if request.htmx:
        context = _lead_context(action.page, bound=bound, refused_step=step_id)
        response = render(request, f"sales/lead.html#{part}", context, status=status)
        return refused(response, target=part)
    # A plain post shows the page with the form and its errors; when the lead can no longer be
    # worked the forms are gone, so the message also goes on top of the page.
    refusal = [error for errors in action.form.errors.values() for error in errors]
    context = _lead_context(action.page, bound=bound, refusal=refusal, refused_step=step_id)
    return render(request, "sales/lead.html", context, status=status)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def log_attempt(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "attempt")
    if action.ready:
        data = action.form.cleaned_data
        outcome = call_service(
            action.form,
            play_services.log_attempt,
            lead_id=lead_id,
            rep=request.user,
            channel=data["channel"],
            **_how_it_went(data),
        )
        if outcome and outcome.result is not None:
            return _done(request, action, _attempt_message(outcome.result))
    return _refused(request, action)


def _how_it_went(data: dict[str, Any]) -> dict[str, Any]:
    """What the attempt and step forms both ask: the outcome, a note, a callback time."""
    return {key: data[key] for key in ("outcome", "note", "callback_at")}


def _attempt_message(attempt: play_services.Attempt) -> str:
    parts = ["Attempt logged"]
    if attempt.step is not None:
        parts.append(f"“{attempt.step.title}” is done")
    if attempt.callback is not None:
        parts.append(
            f"callback set for {timezone.localtime(attempt.callback.due_at):%a %d %b, %H:%M %Z}"
        )
    return "; ".join(parts) + "."


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def complete_step(request: HtmxHttpRequest, lead_id: int, step_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "step")
    if action.ready:
        # the service refuses a step that is not on this lead's play (field "step")
        outcome = call_service(
            action.form,
            play_services.complete_play_step,
            step_id=step_id,
            lead_id=lead_id,
            actor=request.user,
            **_how_it_went(action.form.cleaned_data),
        )
        if outcome and outcome.result is not None:
            return _done(request, action, _attempt_message(outcome.result))
    return _refused(request, action, step_id=step_id)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def send_step_email(request: HtmxHttpRequest, lead_id: int, step_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "email")
    if action.ready:
        data = action.form.cleaned_data
        if call_service(
            action.form,
            play_services.send_step_email,
            step_id=step_id,
            lead_id=lead_id,
            actor=request.user,
            subject=data["subject"],
            body=data["body"],
        ):
            return _done(request, action, f"Email sent to {action.page.lead.email} and logged.")
    return _refused(request, action, step_id=step_id)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def convert(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "convert")
    if action.ready:
        data = action.form.cleaned_data
        if call_service(
            action.form,
            opportunity_services.convert_lead,
            lead_id=lead_id,
            actor=request.user,
            name=data["name"],
            amount=data["amount"],
            expected_close=data["expected_close"],
            term_months=data["term_months"],
        ):
            message = f"Converted: opportunity “{data['name'].strip()}” opened."
            return _done(request, action, message)
    return _refused(request, action)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def disqualify(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "disqualify")
    if action.ready:
        data = action.form.cleaned_data
        if call_service(
            action.form,
            feedback_services.disqualify_lead,
            lead_id=lead_id,
            actor=request.user,
            reason_id=data["reason"],
            note=data["note"],
        ):
            return _done(request, action, "Disqualified. Marketing will review the reason.")
    return _refused(request, action)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def recycle(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "recycle")
    if action.ready and call_service(
        action.form,
        feedback_services.recycle_lead,
        lead_id=lead_id,
        actor=request.user,
        reason_id=action.form.cleaned_data["reason"],
        note=action.form.cleaned_data["note"],
    ):
        message = "Recycled to nurture: marketing owns the lead again."
        return _done(request, action, message, leaves_reach=True)
    return _refused(request, action)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def switch_play(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "switch_play")
    if action.ready:
        data = action.form.cleaned_data
        if call_service(
            action.form,
            play_services.switch_play,
            lead_id=lead_id,
            play_id=data["play"],
            actor=request.user,
            reason=data["reason"],
        ):
            return _done(request, action, "Play switched: its steps are due from now.")
    return _refused(request, action)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def set_buying_role(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    action = _bind(request, lead_id, "buying_role")
    if action.ready and call_service(
        action.form,
        lead_services.set_buying_role,
        lead_id=lead_id,
        actor=request.user,
        role=action.form.cleaned_data["role"],
    ):
        return _done(request, action, "Buying role saved.")
    return _refused(request, action)
