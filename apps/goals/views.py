"""The shared goal sheet every role reads, and the records behind each goal's number."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.goals import selectors
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required


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
    template = "goals/records.html#record-page" if request.htmx else "goals/records.html"
    return render(request, template, {"drill": drill, "goal": drill.goal})
