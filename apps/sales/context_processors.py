"""What the navigation of a rep's pages shows and needs to stay live: the Today count, and the
stamp and start time an open page polls `sales:pulse` with (static/js/app.js)."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from apps.core import pulse
from apps.sales import selectors
from apps.users.models import Role
from apps.users.roles import has_role

# News (toasts) covers notices from a little before the page was rendered: one written while the
# page was being built is announced rather than lost; the page lists the ones before that.
NEWS_OVERLAP = timedelta(seconds=10)


def _is_rep(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return (
        user is not None
        and user.is_authenticated
        and has_role(user, Role.SALES, Role.SALES_MANAGER)
    )


def live(request: HttpRequest) -> dict[str, Any]:
    """Listed before the processors that count things, so the stamp is read before the counts
    are: a change between the two makes the page refresh rather than go unnoticed."""
    if not _is_rep(request):
        return {}
    stamp = getattr(request, pulse.REQUEST_ATTR, None) or pulse.etag(user_id=request.user.pk)
    return {
        "pulse_etag": stamp,
        "pulse_since": int((timezone.now() - NEWS_OVERLAP).timestamp()),
    }


def today(request: HttpRequest) -> dict[str, Any]:
    """Counted only if the template shows the badge: an htmx partial (a queue refresh, an
    action's answer) renders without the navigation and so costs no query for it."""
    if not _is_rep(request):
        return {}
    rep = request.user
    return {
        "today_count": SimpleLazyObject(
            lambda: selectors.today_count(rep=rep, now=timezone.now())  # type: ignore[arg-type]
        )
    }
