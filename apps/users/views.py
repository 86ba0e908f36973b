"""Sign-in with throttling, and the front door that sends each user to their workspace.

Sign-in is throttled per IP and per username on the shared cache (django-ratelimit): a
throttled attempt is refused before the password is checked, and logged, so guessing
passwords costs an attacker minutes, not milliseconds.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from apps.users.http import HtmxHttpRequest
from apps.users.roles import landing_url_name, roles_of

logger = logging.getLogger("revenue.security")


class ThrottledLoginView(auth_views.LoginView):
    template_name = "auth/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = (request.POST.get("username") or "").strip().lower()[:150]
        by_ip = is_ratelimited(
            request, group="login-ip", key="ip", rate=settings.LOGIN_RATE_PER_IP, increment=True
        )
        by_user = is_ratelimited(
            request,
            group="login-user",
            key=lambda _g, _r: username or "-",
            rate=settings.LOGIN_RATE_PER_USER,
            increment=True,
        )
        if by_ip or by_user:
            logger.warning(
                "sign-in throttled for %r from %s", username, request.META.get("REMOTE_ADDR")
            )
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many sign-in attempts. Wait a minute, then try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Anonymous visitors never get here: LoginRequiredMiddleware sends them to /login/."""
    return redirect(landing_url_name(roles_of(request.user)))
