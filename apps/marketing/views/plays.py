"""The plays workspace: every role reads plays and their performance; Marketing, Sales managers
and RevOps author them (never delete: a play attached to leads is deactivated instead)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.forms import call_service, call_service_or_message
from apps.core.quarters import pick_quarter, quarters
from apps.goals import metrics
from apps.marketing.forms import plays as forms
from apps.plays import selectors, services
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import has_role, role_required

EDITORS = services.PLAY_EDITORS


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def play_list(request: HtmxHttpRequest) -> HttpResponse:
    options = quarters()
    quarter = pick_quarter(options, name=request.GET.get("quarter"), today=timezone.localdate())
    performance = metrics.play_performance(quarter=quarter) if quarter else None
    context: dict[str, object] = {
        "quarters": options,
        "quarter": quarter,
        "performance": performance,
    }
    if request.htmx and request.htmx.target == "play-performance":
        return render(request, "plays/list.html#play-performance", context)
    context |= {"plays": selectors.play_list(), "can_edit": has_role(request.user, *EDITORS)}
    return render(request, "plays/list.html", context)


@require_GET
@role_required(*Role.values)
def play_detail(request: HtmxHttpRequest, play_id: int) -> HttpResponse:
    play = selectors.play_for(play_id=play_id)
    context = {
        "play": play,
        "criteria": selectors.criteria_summary(play),
        "can_edit": has_role(request.user, *EDITORS),
    }
    return render(request, "plays/detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def play_create(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.PlayForm(request.POST or None)
    if request.method == "POST":
        steps = forms.step_formset(request.POST)
    else:
        steps = forms.step_formset(initial=[{"order": 1, "due_offset_minutes": 0}])
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        spec = forms.play_spec(form, steps, is_active=True)
        outcome = call_service(form, services.create_play, actor=request.user, spec=spec)
        if outcome and (created := outcome.result) is not None:
            messages.success(request, f"Play “{created.name}” created.")
            return redirect("plays:detail", play_id=created.pk)
    context = {"form": form, "steps": steps, "play": None}
    status = 422 if request.method == "POST" else 200
    return render(request, "plays/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def play_edit(request: HtmxHttpRequest, play_id: int) -> HttpResponse:
    play = selectors.play_for(play_id=play_id)
    if request.method == "POST":
        form = forms.PlayForm(request.POST)
        steps = forms.step_formset(request.POST)
    else:
        form = forms.PlayForm(initial=forms.PlayForm.initial_for(play))
        steps = forms.step_formset(initial=forms.initial_steps(play))
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        spec = forms.play_spec(form, steps, is_active=play.is_active)
        outcome = call_service(
            form, services.update_play, play_id=play.pk, actor=request.user, spec=spec
        )
        if outcome and (saved := outcome.result) is not None:
            messages.success(request, f"Play “{saved.name}” saved.")
            return redirect("plays:detail", play_id=saved.pk)
    context = {"form": form, "steps": steps, "play": play}
    status = 422 if request.method == "POST" else 200
    return render(request, "plays/form.html", context, status=status)


@require_POST
@role_required(*EDITORS)
def play_active(request: HtmxHttpRequest, play_id: int) -> HttpResponse:
    """Deactivate (active=0) or reactivate (active=1) a play."""
    play = selectors.play_for(play_id=play_id)
    active = request.POST.get("active") == "1"
    # The only refusal is a second active default: shown as a message, never a 500.
    if call_service_or_message(
        request, services.set_play_active, play_id=play.pk, actor=request.user, active=active
    ):
        state = "active again" if active else "deactivated: no new lead gets it"
        messages.success(request, f"Play “{play.name}” is {state}.")
    return redirect("plays:detail", play_id=play.pk)
