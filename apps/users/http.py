"""The request type our pages see."""

from __future__ import annotations

from apps.core.htmx import HtmxRequest
from apps.users.models import User


class HtmxHttpRequest(HtmxRequest):
    """django-htmx's details, and a signed-in user (LoginRequiredMiddleware turns anonymous
    visitors away before any of our pages runs)."""

    user: User
