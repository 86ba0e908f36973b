"""The buyer's booking pages, reached through signed links (no session): /book/<token>/ books a
meeting with the rep routing picked for their hand-raise (the public form's thank-you page
shows the same slots), and /book/m/<token>/ is their meeting: the invitation, reschedule,
cancel. Like the public form they may be framed by any site."""

from __future__ import annotations

from datetime import UTC, datetime

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import DomainError, InvalidTransition
from apps.meetings import links, selectors, services
from apps.meetings.links import BadLink
from apps.meetings.models import Meeting

EMBEDDABLE = {"frame-ancestors": ["*"]}
PAGE = "public/book.html"
MEETING_PAGE = "public/meeting.html"


def _zone(request: HttpRequest) -> str:
    """The buyer's time zone: what the form or the query says (their browser fills it)."""
    name = (request.POST.get("tz") or request.GET.get("tz") or "").strip()
    return selectors.zone_or_utc(name).key


def _start(request: HttpRequest) -> datetime:
    """The posted slot's start: an ISO instant with its offset (what the slot buttons send);
    anything else, a date that does not exist included, is refused naming `start`."""
    try:
        start = parse_datetime(request.POST.get("start", "").strip()[:40])
    except ValueError:  # well formed but impossible, e.g. 30 February
        start = None
    if start is None or start.tzinfo is None:
        raise InvalidTransition("Pick one of the times below.", field="start")
    return start.astimezone(UTC)


def _bad_link(request: HttpRequest, error: BadLink) -> HttpResponse:
    return render(request, "public/bad_link.html", {"message": error.message}, status=400)


def _book_context(token: str, claim: links.BookingClaim, zone: str) -> dict[str, object]:
    state = selectors.booking_state(claim=claim, zone_name=zone, now=timezone.now())
    return {
        "token": token,
        "state": state,
        "zones": selectors.zone_choices(state.zone),
    }


@login_not_required
@csrf_exempt  # the signed link is the buyer's credential; there is no session to ride
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the booking page. POST `start` (an offered slot, ISO) and `tz`: book it in one
    click, then the meeting's page; a refusal shows the next free slots with the reason."""
    try:
        claim = links.read_booking_token(token)
    except BadLink as error:
        return _bad_link(request, error)
    zone = _zone(request)
    if request.method == "GET":
        return render(request, PAGE, _book_context(token, claim, zone))
    try:
        meeting = services.book(
            claim=claim, start=_start(request), buyer_time_zone=services.valid_zone(zone)
        )
    except BadLink as error:
        return _bad_link(request, error)
    except DomainError as error:
        context = _book_context(token, claim, zone) | {"error": error.message}
        return render(request, PAGE, context, status=error.status_code)
    return redirect("booking:meeting", token=links.meeting_token(meeting.uid))


@login_not_required
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_GET
def slots(request: HttpRequest, token: str) -> HttpResponse:
    """The slots region alone (the page asks again while routing is still naming the rep)."""
    try:
        claim = links.read_booking_token(token)
    except BadLink as error:
        return _bad_link(request, error)
    return render(request, f"{PAGE}#slots", _book_context(token, claim, _zone(request)))


def _meeting(token: str) -> Meeting:
    uid = links.read_meeting_token(token)
    meeting = Meeting.objects.select_related("lead", "rep").filter(uid=uid).first()
    if meeting is None:
        raise BadLink("This meeting link is not valid.", field="link")
    return meeting


def _meeting_context(
    request: HttpRequest, token: str, meeting: Meeting, **extra: object
) -> dict[str, object]:
    zone = request.GET.get("tz") or request.POST.get("tz") or meeting.buyer_time_zone
    tz = selectors.zone_or_utc(zone)
    return {
        "token": token,
        "meeting": meeting,
        "zone": tz.key,
        "zones": selectors.zone_choices(tz.key),
        "starts": meeting.starts_at.astimezone(tz),
        "ends": meeting.ends_at.astimezone(tz),
        "upcoming": meeting.status == Meeting.Status.BOOKED and meeting.starts_at > timezone.now(),
    } | extra


@login_not_required
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_GET
def meeting(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = _meeting(token)
    except BadLink as error:
        return _bad_link(request, error)
    return render(request, MEETING_PAGE, _meeting_context(request, token, found))


@login_not_required
@csrf_exempt
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the rep's other free times; POST `start`: move the meeting there."""
    try:
        found = _meeting(token)
    except BadLink as error:
        return _bad_link(request, error)
    status, error_text = 200, ""
    if request.method == "POST":
        try:
            services.reschedule(uid=found.uid, start=_start(request))
        except DomainError as error:
            status, error_text = error.status_code, error.message
            found.refresh_from_db()
        else:
            return redirect("booking:meeting", token=token)
    context = _meeting_context(request, token, found, error=error_text, rescheduling=True)
    if context["upcoming"]:
        context["days"] = selectors.reschedule_days(
            found, zone_name=str(context["zone"]), now=timezone.now()
        )
    return render(request, MEETING_PAGE, context, status=status)


@login_not_required
@csrf_exempt
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = _meeting(token)
        services.cancel(uid=found.uid)
    except BadLink as error:
        return _bad_link(request, error)
    except DomainError as error:
        context = _meeting_context(request, token, found, error=error.message)
        return render(request, MEETING_PAGE, context, status=error.status_code)
    return redirect("booking:meeting", token=token)


@login_not_required
@require_GET
def invite(request: HttpRequest, token: str) -> HttpResponse:
    """The meeting as a calendar file (REQUEST, or CANCEL once cancelled), without the buyer's
    address: whoever holds the link learns the time and the rep, not who booked."""
    try:
        found = _meeting(token)
    except BadLink as error:
        return _bad_link(request, error)
    method = services.CANCEL if found.status == Meeting.Status.CANCELLED else services.REQUEST
    response = HttpResponse(
        services.invitation_bytes(found, method=method, with_buyer=False),
        content_type=f"text/calendar; method={method}; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return response
