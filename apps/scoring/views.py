"""The qualification agreement's page: every role reads the version in force, the drafts and
the history; Marketing and a Sales manager sign drafts here.

Signing changes three regions at once (the version in force, the drafts, the history) and
happens a few times a year, so it is a plain post/redirect/get rather than an htmx swap; a
refusal re-renders the page with the message on the draft and the error's status.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.forms import call_service, refused_status
from apps.scoring import selectors, services
from apps.scoring.forms import SignForm
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

PAGE = "scoring/agreement.html"
SIGNERS = (Role.MARKETING, Role.SALES_MANAGER)


def _context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "page": selectors.agreement_page(),
        "sides": services.signing_sides(user=request.user),
        **extra,
    }


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The agreement in force in words, drafts with their signatures, and what each version
    changed."""
    return render(request, PAGE, _context(request))


@require_POST
@role_required(*SIGNERS)
def sign(request: HtmxHttpRequest) -> HttpResponse:
    """Sign a draft for marketing (a Marketing user) or for sales (a Sales manager)."""
    form = SignForm(request.POST)
    if not form.is_valid():
        refusal = "Choose a draft and the side to sign it for."
        return render(
            request, PAGE, _context(request, refusal=refusal), status=refused_status(form)
        )
    version, side = form.cleaned_data["version"], form.cleaned_data["side"]
    outcome = call_service(
        form, services.sign_agreement, version=version, side=side, actor=request.user
    )
    if outcome and outcome.result is not None:
        agreement = outcome.result
        done = "both sides have signed it" if agreement.is_signed else "it waits for the other side"
        messages.success(request, f"You signed version {agreement.version} for {side}: {done}.")
        return redirect("agreement:home")
    refusal = outcome.error.message if outcome.error else "Nothing was signed."
    context = _context(request, refusal=refusal)
    context["refused_draft"] = version if context["page"].has_draft(version) else None
    return render(request, PAGE, context, status=outcome.status)
