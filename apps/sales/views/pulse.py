"""The heartbeat an open rep page polls (static/js/app.js): 304 while nothing they see changed,
else the navigation's counts and the notices to announce. Why polling and not server-sent
events: the app runs on plain synchronous workers (gunicorn, runserver); an event stream would
hold one worker per open tab, while a conditional poll is a few milliseconds of a worker and
no database query beyond the signed-in user (apps.core.pulse)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import condition, require_GET

from apps.core import pulse as live
from apps.notifications.selectors import unread_count, unread_since
from apps.sales import selectors
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

# the oldest `since` a page may ask about: a tab left open for a week announces nothing stale
MAX_NEWS_AGE_SECONDS = 24 * 3600


def _stamp(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
    if not request.user.is_authenticated:
        return None
    return live.etag(user_id=request.user.pk)


def _since(raw: str | None, now: datetime) -> datetime | None:
    """`since` is a Unix time in seconds, at most a day old and not in the future; without one,
    the last minute's notices are news."""
    if not raw:
        return now - timedelta(seconds=60)
    try:
        seconds = int(raw)
    except ValueError:
        return None
    if not now.timestamp() - MAX_NEWS_AGE_SECONDS <= seconds <= now.timestamp() + 60:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


@require_GET
@condition(etag_func=_stamp)
@role_required(Role.SALES, Role.SALES_MANAGER)
def pulse(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    since = _since(request.GET.get("since"), now)
    if since is None:
        message = "Give `since` as a Unix time in seconds within the last day."
        return JsonResponse({"since": [message]}, status=400)
    news = [
        {
            "id": note.pk,
            "title": note.title,
            "body": note.body,
            "url": reverse("sales:lead", args=[note.lead_id])
            if note.lead_id
            else reverse("notifications:list"),
        }
        for note in unread_since(user=request.user, since=since)
    ]
    return JsonResponse(
        {
            "today": selectors.today_count(rep=request.user, now=now),
            "unread": unread_count(user=request.user),
            "news": news,
            "now": int(now.timestamp()),
        }
    )
