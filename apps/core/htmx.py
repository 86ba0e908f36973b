"""htmx helpers every workspace shares: which partial answers a request, how a refusal is
swapped in place, and pagination links that keep the filters."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

# static/js/sales.js lets htmx swap answers that carry this header (4xx refusals) in place.
REFUSED_HEADER = "X-Refused"


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


def refused(response: HttpResponse, *, target: str | None = None) -> HttpResponse:
    """Mark an htmx answer as a refusal to swap in place (into `target`, if given)."""
    response[REFUSED_HEADER] = "1"
    if target:
        retarget(response, f"#{target}")
        reswap(response, "outerHTML")
    return response


def partial_for(request: HtmxRequest, template: str, parts: set[str], default: str) -> str:
    """The whole page, or under htmx the partial named by the region asking (HX-Target)."""
    if not request.htmx:
        return template
    target = request.htmx.target
    return f"{template}#{target if target in parts else default}"


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus `names` (pagination links keep the filters)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
