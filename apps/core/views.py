"""The health check, and the answer to an unhandled error (a database outage is a 503)."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import selectors

RETRY_AFTER_SECONDS = 30
OUTAGE = (OperationalError, InterfaceError)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 while the database answers, 503 when it does not.

    A broker outage only degrades the status: intake still commits and the SLA sweep
    re-drives the work once the broker is back. Anonymous callers (load balancers) get the
    status only; staff also see which part failed, its vendor and latency.
    """
    database = selectors.database_health()
    broker = selectors.broker_health()
    healthy = database["ok"] and broker["ok"]
    body: dict[str, object] = {"status": "ok" if healthy else "degraded"}
    # Only ask who is asking while the database answers (the session lives there).
    if database["ok"] and request.user.is_authenticated and request.user.is_staff:
        body |= {"database": database, "broker": broker}
    return JsonResponse(body, status=200 if database["ok"] else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it while the exception is being handled, so sys.exc_info()
    says what failed: a database outage answers 503 with Retry-After (try again soon), anything
    else 500. The API answers JSON, pages a plain page rendered without a request context (no
    navigation, user or database reads)."""
    error = sys.exc_info()[1]
    outage = isinstance(error, OUTAGE)
    status = 503 if outage else 500
    if _wants_json(request):
        detail = (
            "The database is unavailable; nothing was changed. Retry shortly."
            if outage
            else "Something went wrong on our side; nothing was half-saved."
        )
        response: HttpResponse = JsonResponse(
            {"detail": detail, "code": "unavailable" if outage else "error"}, status=status
        )
    else:
        template = loader.get_template("503.html" if outage else "500.html")
        response = HttpResponse(template.render({}), status=status)
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
