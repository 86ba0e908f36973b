"""The shared goal sheet every role reads, and the records behind each of its numbers: a goal's
actual and each SLA scoreboard figure, the team's or a rep's."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.goals import selectors
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

RECORD_PAGE = "goals/figure_records.html#record-page"  # the next page of any drill-down


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def home(request: HtmxHttpRequest) -> HttpResponse:
    sheet = selectors.goal_sheet(
        quarter_name=request.GET.get("quarter"), today=timezone.localdate()
    )
    template = "goals/home.html#goal-sheet" if request.htmx else "goals/home.html"
    return render(request, template, {"sheet": sheet, "quarter": sheet.quarter})


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def records(request: HtmxHttpRequest, goal_id: int) -> HttpResponse:
    drill = selectors.goal_records(user=request.user, goal_id=goal_id, request=request)
    template = RECORD_PAGE if request.htmx else "goals/records.html"
    return render(request, template, {"drill": drill, "goal": drill.goal})


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def scoreboard_records(request: HtmxHttpRequest) -> HttpResponse:
    """The records behind one SLA scoreboard figure: `?metric=`, `?rep=` (else the team's)."""
    rep = request.GET.get("rep")
    if rep is not None and not (rep.isascii() and rep.isdigit()):
        raise Http404("No such rep.")
    drill = selectors.scoreboard_records(
        user=request.user,
        request=request,
        metric=request.GET.get("metric", ""),
        rep_id=int(rep) if rep else None,
        today=timezone.localdate(),
    )
    template = RECORD_PAGE if request.htmx else "goals/scoreboard_records.html"
    return render(request, template, {"drill": drill})
