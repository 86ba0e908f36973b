"""Sign-in with throttling, and the front door that sends each user to their workspace.

Sign-in is guarded against password guessing by apps.users.signin (django-axes lockouts per
username and address, rate limits per address and per username on unknown devices): a
refused attempt is turned away before the password is checked, and logged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.users import signin
from apps.users.forms import ProfileForm
from apps.users.http import HtmxHttpRequest
from apps.users.roles import landing_url_name, roles_of


class ThrottledLoginView(auth_views.LoginView):
    """The sign-in page, with the guessing limits of apps.users.signin."""

    template_name = "auth/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        refusal = signin.sign_in_refusal(request, username, per_ip_rate=settings.LOGIN_RATE_PER_IP)
        if refusal:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, refusal)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        signin.remember_device(self.request, response, form.get_user().get_username())
        return response


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Anonymous visitors never get here: LoginRequiredMiddleware sends them to /login/."""
    return redirect(landing_url_name(roles_of(request.user)))


@require_http_methods(["GET", "POST"])
def profile(request: HtmxHttpRequest) -> HttpResponse:
    """The user's own settings: the time zone every time is shown in, and (Marketing) how new
    disqualifications are announced."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = f"Times are now shown in {form.cleaned_data['time_zone']}."
        if "disqualification_alerts" in form.cleaned_data:
            alerts = request.user.get_disqualification_alerts_display()
            saved += f" New disqualifications: {alerts[0].lower()}{alerts[1:]}."
        messages.success(request, saved)
        return redirect("profile")
    status = 422 if request.method == "POST" else 200
    return render(request, "auth/profile.html", {"form": form}, status=status)
