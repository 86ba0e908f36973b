"""Sales workspace pages: the rep's queue, the lead page with its actions, the manager's team.

Every action is a plain form POST that redirects (post/redirect/get) and, under htmx, answers
with the region it changed plus an HX-Trigger "lead-changed" so the counts refresh themselves.
A service's refusal (DomainError) is caught in one place, `call_service`, and shown next to
the field it names: htmx gets the form partial back with status 422/409/403, a plain post the
whole page with the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from apps.core.errors import DomainError
from apps.core.views import HtmxHttpRequest
from apps.leads import forms, selectors
from apps.leads.models import OPEN_STATUSES
from apps.leads.services import details as detail_services
from apps.leads.services import work as work_services
from apps.routing import services as routing_services
from apps.users.models import Role, User
from apps.users.roles import role_required

LEAD_CHANGED = "lead-changed"
REFUSED_HEADER = "X-Refused"  # static/js/sales.js lets htmx swap refusals (4xx) in place

QUEUE_PARTS = {"queue-list", "pool-list"}
COUNT_PARTS = {"queue-counts", "counts-strip"}
TEAM_PARTS = {"team-counts", "team-reps", "team-leads", "team-breached", "team-disputes"}


# --- Shared helpers ----------------------------------------------------------------------


def call_service(form: django_forms.Form, service: Callable[..., object], **kwargs: Any) -> bool:
    """Run one service call; a refusal becomes an error on the field it names. True when done.

    The one place a view catches DomainError. The status a refused form is answered with is
    kept on the form (`refused_status`); a form that failed its own validation answers 422.
    """
    try:
        service(**kwargs)
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        form.refused_status = exc.status_code  # type: ignore[attr-defined]
        return False
    return True


def refused_status(form: django_forms.Form) -> int:
    return int(getattr(form, "refused_status", 422))


def refused(response: HttpResponse, *, target: str | None = None) -> HttpResponse:
    """Mark an htmx answer as a refusal to swap in place (into `target`, if given)."""
    response[REFUSED_HEADER] = "1"
    if target:
        retarget(response, f"#{target}")
        reswap(response, "outerHTML")
    return response


def partial_for(request: HtmxHttpRequest, template: str, parts: set[str], default: str) -> str:
    """The whole page, or under htmx the partial named by the region asking (HX-Target)."""
    if not request.htmx:
        return template
    target = request.htmx.target
    return f"{template}#{target if target in parts else default}"


def query_without(request: HtmxHttpRequest, *names: str) -> str:
    """The current query string minus `names` (pagination links keep the filters)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- The rep's queue ---------------------------------------------------------------------


def _queue_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    screen = selectors.queue_page(rep=request.user, request=request)
    return {
        "counts": screen.counts,
        "filters": screen.filters,
        "queue": screen.page,
        "pool": screen.pool,
        "limit": selectors.LIST_LIMIT,
        "filter_query": query_without(request, "after"),
        "now": timezone.now(),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@role_required(Role.SALES, Role.SALES_MANAGER)
def queue(request: HtmxHttpRequest) -> HttpResponse:
    template = partial_for(request, "sales/queue.html", QUEUE_PARTS, "queue-region")
    return render(request, template, _queue_context(request))


@require_GET
@vary_on_headers("HX-Target")
@role_required(Role.SALES, Role.SALES_MANAGER)
def counts(request: HtmxHttpRequest) -> HttpResponse:
    """The counts regions of the queue and lead pages refresh themselves from here."""
    part = request.htmx.target if request.htmx.target in COUNT_PARTS else "queue-counts"
    context = {"counts": selectors.queue_counts(rep=request.user)}
    return render(request, f"sales/queue.html#{part}", context)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def claim(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    """Take a lead from the team pool. The loser of a race is told politely, in place."""
    lead = selectors.claimable_lead(lead_id=lead_id)
    form = django_forms.Form(request.POST)
    done = call_service(form, routing_services.claim_lead, lead_id=lead.pk, rep=request.user)
    row = f"pool-lead-{lead.pk}"
    in_pool_row = bool(request.htmx) and request.htmx.target == row
    if done:
        if in_pool_row:
            context = {"lead": selectors.claimable_lead(lead_id=lead.pk), "claimed": True}
            response = render(request, "sales/queue.html#pool-row", context)
            return trigger_client_event(response, LEAD_CHANGED)
        message = "Claimed: the lead is yours, and its SLA clock is running."
        if request.htmx:
            return trigger_client_event(_workspace(request, lead.pk, message), LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:lead", lead.pk)
    status = refused_status(form)
    if in_pool_row:
        context = {"lead": lead, "claim_form": form}
        return refused(render(request, "sales/queue.html#pool-row", context, status=status))
    if request.htmx:
        context = {"lead": lead, "claim_form": form}
        response = render(request, "sales/lead.html#claim-form", context, status=status)
        return refused(response, target="claim-form")
    context = _queue_context(request, claim_form=form)
    return render(request, "sales/queue.html", context, status=status)


# --- The lead page and its actions ---------------------------------------------------------

# Each action's form: the key in the template's `forms`, the partial (and element id) it
# lives in, and how it is built from the page's choice lists.
_FORMS: dict[str, tuple[str, Callable[..., django_forms.Form]]] = {
    "attempt": ("attempt-form", lambda page, **kw: forms.AttemptForm(**kw)),
    "convert": ("convert-form", lambda page, **kw: forms.ConvertForm(**kw)),
    "disqualify": (
        "disqualify-form",
        lambda page, **kw: forms.DisqualifyForm(reasons=page.reasons, **kw),
    ),
    "recycle": ("recycle-form", lambda page, **kw: forms.RecycleForm(**kw)),
    "switch_play": (
        "switch-play-form",
        lambda page, **kw: forms.SwitchPlayForm(plays=page.plays, **kw),
    ),
    "buying_role": (
        "buying-role-form",
        lambda page, **kw: forms.BuyingRoleForm(initial={"role": page.lead.buying_role}, **kw),
    ),
    "step": ("play-steps", lambda page, **kw: django_forms.Form(**kw)),
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
        "now": timezone.now(),
        **extra,
    }


def _workspace(request: HtmxHttpRequest, lead_id: int, flash: str) -> HttpResponse:
    """The lead page's working region, read again after a change (htmx success answer)."""
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    context = _lead_context(page, flash=flash)
    return render(request, "sales/lead.html#lead-workspace", context)


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)  # which leads each role reads is visible_to()'s job
def lead(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    template = "sales/lead.html#lead-workspace" if request.htmx else "sales/lead.html"
    return render(request, template, _lead_context(page))


def _lead_action(
    request: HtmxHttpRequest,
    lead_id: int,
    *,
    key: str,
    perform: Callable[[django_forms.Form, dict[str, Any], selectors.LeadPage], str | None],
    leaves_reach: bool = False,
) -> HttpResponse:
    """Bind the action's form, let `perform` call the service, answer for htmx or plain post.

    `perform` returns the success message, or None when the service refused (the refusal is
    then already on the form). The lead is read through lead_page(), so a lead the user may
    not see is a 404 before anything runs.
    """
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    lead = page.lead
    part, build = _FORMS[key]
    form = build(page, data=request.POST, auto_id=f"{key}_%s", label_suffix="")
    if lead.status in OPEN_STATUSES and not lead.is_archived and not page.may_work:
        # Readable but not theirs to work (another rep's lead, or a pool lead not yet
        # claimed): refuse as forbidden before validating a form that offers no choices.
        form.is_valid()
        form.errors.clear()
        form.add_error(
            None, "You can only work your own leads: claim it first, or ask a sales manager."
        )
        form.refused_status = 403  # type: ignore[attr-defined]
        message = None
    else:
        message = perform(form, form.cleaned_data, page) if form.is_valid() else None
    if message is not None:
        if leaves_reach:
            # The lead is no longer the rep's to read (recycled to marketing): the page says
            # so in place, or a plain post goes back to the queue.
            if request.htmx:
                context = {"lead": page.lead, "flash": message}
                response = render(request, "sales/lead.html#lead-released", context)
                return trigger_client_event(response, LEAD_CHANGED)
            messages.success(request, message)
            return redirect("sales:queue")
        if request.htmx:
            return trigger_client_event(_workspace(request, lead_id, message), LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:lead", lead_id)
    status = refused_status(form)
    if request.htmx:
        context = _lead_context(page, bound={key: form})
        response = render(request, f"sales/lead.html#{part}", context, status=status)
        return refused(response, target=part)
    # A plain post shows the page with the form and its errors; when the lead can no longer
    # be worked the forms are gone, so the message also goes on top of the page.
    refusal = [error for errors in form.errors.values() for error in errors]
    context = _lead_context(page, bound={key: form}, refusal=refusal)
    return render(request, "sales/lead.html", context, status=status)


def _done(done: bool, message: str) -> str | None:
    return message if done else None


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def log_attempt(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        done = call_service(
            form,
            work_services.log_attempt,
            lead_id=lead_id,
            rep=request.user,
            channel=data["channel"],
            outcome=data["outcome"],
            note=data["note"],
        )
        return _done(done, "Attempt logged.")

    return _lead_action(request, lead_id, key="attempt", perform=perform)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def complete_step(request: HtmxHttpRequest, lead_id: int, step_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        step = next((s for s in page.play_steps if s.pk == step_id), None)
        if step is None:
            form.add_error(None, "This step is not part of the lead's play any more.")
            return None
        done = call_service(
            form, work_services.complete_play_step, step_id=step.pk, actor=request.user
        )
        return _done(done, f"Step done: {step.title}.")

    return _lead_action(request, lead_id, key="step", perform=perform)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def convert(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        done = call_service(
            form,
            work_services.convert_lead,
            lead_id=lead_id,
            actor=request.user,
            name=data["name"],
            amount=data["amount"],
            expected_close=data["expected_close"],
        )
        return _done(done, f"Converted: opportunity “{data['name'].strip()}” opened.")

    return _lead_action(request, lead_id, key="convert", perform=perform)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def disqualify(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        done = call_service(
            form,
            work_services.disqualify_lead,
            lead_id=lead_id,
            actor=request.user,
            reason_id=data["reason"],
            note=data["note"],
        )
        return _done(done, "Disqualified. Marketing will review the reason.")

    return _lead_action(request, lead_id, key="disqualify", perform=perform)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def recycle(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        done = call_service(
            form, work_services.recycle_lead, lead_id=lead_id, actor=request.user, note=data["note"]
        )
        return _done(done, "Recycled to nurture: marketing owns the lead again.")

    return _lead_action(request, lead_id, key="recycle", perform=perform, leaves_reach=True)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def switch_play(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        done = call_service(
            form,
            work_services.switch_play,
            lead_id=lead_id,
            play_id=data["play"],
            actor=request.user,
            reason=data["reason"],
        )
        return _done(done, "Play switched: its steps are due from now.")

    return _lead_action(request, lead_id, key="switch_play", perform=perform)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def set_buying_role(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    def perform(
        form: django_forms.Form, data: dict[str, Any], page: selectors.LeadPage
    ) -> str | None:
        done = call_service(
            form,
            detail_services.set_buying_role,
            lead_id=lead_id,
            actor=request.user,
            role=data["role"],
        )
        return _done(done, "Buying role saved.")

    return _lead_action(request, lead_id, key="buying_role", perform=perform)


# --- The manager's team page -------------------------------------------------------------


def _team_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    screen = selectors.team_page(request=request)
    return {
        "counts": screen.counts,
        "reps": screen.reps,
        "leads": screen.leads,
        "breached": screen.breached,
        "disputes": screen.disputes,
        "page_query": query_without(request, "after"),
        "now": timezone.now(),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@role_required(Role.SALES_MANAGER, Role.REVOPS)
def team(request: HtmxHttpRequest) -> HttpResponse:
    template = partial_for(request, "sales/team.html", TEAM_PARTS, "team-leads")
    return render(request, template, _team_context(request))


@require_POST
@role_required(Role.SALES_MANAGER, Role.REVOPS)
def reassign(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.team_lead(lead_id=lead_id)
    reps = selectors.sales_team()
    form = forms.ReassignForm(request.POST, reps=reps, auto_id=f"reassign_{lead_id}_%s")
    done = form.is_valid() and call_service(
        form,
        routing_services.reassign_lead,
        lead_id=lead.pk,
        to_rep=next(rep for rep in reps if rep.pk == form.cleaned_data["to_rep"]),
        actor=request.user,
        reason=form.cleaned_data["reason"],
    )
    if done:
        message = f"{lead.display_name} reassigned."
        if request.htmx:
            context = {"lead": selectors.team_lead(lead_id=lead.pk), "reps": reps, "flash": message}
            response = render(request, "sales/team.html#team-lead-row", context)
            return trigger_client_event(response, LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:team")
    status = refused_status(form)
    if request.htmx:
        context = {"lead": lead, "reps": reps, "reassign_form": form, "reassign_lead_id": lead.pk}
        return refused(render(request, "sales/team.html#team-lead-row", context, status=status))
    context = _team_context(request, reassign_form=form, reassign_lead_id=lead.pk)
    return render(request, "sales/team.html", context, status=status)


@require_POST
@role_required(Role.SALES_MANAGER)
def set_availability(request: HtmxHttpRequest, rep_id: int) -> HttpResponse:
    rep: User = selectors.sales_rep(rep_id=rep_id)
    form = forms.AvailabilityForm(request.POST)
    done = form.is_valid() and call_service(
        form,
        routing_services.set_rep_availability,
        rep_id=rep.pk,
        actor=request.user,
        available=form.cleaned_data["available"],
    )
    if done:
        state = "available" if form.cleaned_data["available"] else "out of office"
        message = f"{rep.display_name} is {state}."
        if request.htmx:
            context: dict[str, Any] = {"reps": selectors.sales_team(), "flash": message}
            response = render(request, "sales/team.html#team-reps", context)
            return trigger_client_event(response, LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:team")
    status = refused_status(form)
    if request.htmx:
        context = {"reps": selectors.sales_team(), "availability_form": form}
        response = render(request, "sales/team.html#team-reps", context, status=status)
        return refused(response, target="team-reps")
    context = _team_context(request, availability_form=form)
    return render(request, "sales/team.html", context, status=status)
