"""The admin for RevOps: the RevOps role opens it (staff flag or not); each model still checks
the group's permissions."""

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from apps.users import signin
from apps.users.models import Role
from apps.users.roles import has_role


class RevenueAdminSite(AdminSite):
    site_header = "Revenue Desk administration"
    site_title = "Revenue Desk admin"
    index_title = "RevOps configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or has_role(user, Role.REVOPS)))

    @method_decorator(never_cache)
    @login_not_required
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The admin's sign-in, with the same guessing limits as /login/ (apps.users.signin)."""
        if request.method == "POST":
            username = request.POST.get("username", "")
            refusal = signin.sign_in_refusal(
                request, username, per_ip_rate=settings.LOGIN_RATE_PER_IP
            )
            if refusal:
                context = {**self.each_context(request), "title": "Log in", "error": refusal}
                return TemplateResponse(request, "auth/throttled.html", context, status=429)
        response = super().login(request, extra_context)
        if request.method == "POST" and request.user.is_authenticated:
            signin.remember_device(request, response, request.user.get_username())
        return response
