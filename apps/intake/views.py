"""The public, embeddable lead form for assets marked as public forms: /f/<slug>/.

CSRF: the form carries a signed, expiring token from our own GET instead of the cookie-based
token, so it also works inside an iframe on the customer's site (where third-party cookies
are blocked); it has no session to abuse. Anti-automation: a honeypot field, the token, and
a per-IP rate limit on the shared cache. The token doubles as the idempotency key, so a
double-clicked submit creates one touchpoint.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from apps.campaigns.models import Asset
from apps.core.errors import Conflict
from apps.intake import services
from apps.intake.forms import PublicLeadForm
from apps.leads.models import Lead, Touchpoint, normalise_email
from apps.meetings import selectors
from apps.meetings.links import BadLink, booking_token, read_booking_token


def _asset(slug: str) -> Asset:
    return get_object_or_404(
        Asset.objects.select_related("campaign"), slug=slug, is_public_form=True, is_active=True
    )


# Customers embed the form on their own sites: any page may frame it (CSP and X-Frame-Options).
EMBEDDABLE = {"frame-ancestors": ["*"]}


@login_not_required
@csrf_exempt
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    asset = _asset(slug)
    if request.method == "GET":
        form = PublicLeadForm(asset_slug=slug, initial={"token": PublicLeadForm.new_token(slug)})
        return render(request, "public/form.html", {"asset": asset, "form": form})
    if is_ratelimited(
        request, group="public-form", key="ip", rate=settings.PUBLIC_FORM_RATE, increment=True
    ):
        return render(
            request,
            "public/form.html",
            {"asset": asset, "form": None, "rate_limited": True},
            status=429,
        )
    form = PublicLeadForm(request.POST, asset_slug=slug)
    if not form.is_valid():
        return render(request, "public/form.html", {"asset": asset, "form": form}, status=400)
    data = form.cleaned_data
    if data["website"]:
        # A bot filled the hidden field: answer as if all went well and store nothing.
        return redirect("public:thanks", slug=slug)
    intake = services.IntakeData(
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        title=data["title"],
        phone=data["phone"],
        company_name=data["company"],
        country=data["country"],
        source=Lead.Source.WEB_FORM,
        asset=asset,
        campaign=asset.campaign,
        kind=Touchpoint.Kind.FORM_SUBMIT,
        metadata={"message": data["message"]} if data["message"] else {},
    )
    payload = {k: v for k, v in data.items() if k != "token"}
    digest = services.request_hash(payload)
    # Same token and same answers (a double click, a refresh) store one touchpoint; changed
    # answers after "back" are a new submission.
    try:
        outcome = services.begin_idempotency(
            scope=f"form:{slug}", key=f"{data['token'][-40:]}:{digest[:24]}", digest=digest
        )
    except Conflict:  # the first click is still being stored
        return redirect("public:thanks", slug=slug)
    if isinstance(outcome, services.Claim):
        try:
            services.intake_lead(data=intake, idempotency=outcome)
        except BaseException:
            services.abandon_idempotency(outcome)
            raise
    return _thanks_with_booking(asset, email=data["email"])


def _thanks_with_booking(asset: Asset, *, email: str) -> HttpResponse:
    """The thank-you page; for a form that offers booking, with the signed link of this
    hand-raise (a replayed submit finds the same lead)."""
    thanks = redirect("public:thanks", slug=asset.slug)
    if not asset.offers_booking:
        return thanks
    lead = Lead.objects.filter(email=normalise_email(email)).first()
    if lead is None:
        return thanks
    token = booking_token(lead_id=lead.pk, asset_id=asset.pk, raised_at=timezone.now())
    thanks["Location"] += f"?booking={token}"
    return thanks


@login_not_required
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """Thanks; with a booking link (`?booking=`), the routed rep's free slots below it."""
    asset = _asset(slug)
    context: dict[str, object] = {"asset": asset}
    token = request.GET.get("booking", "")
    if token and asset.offers_booking:
        try:
            claim = read_booking_token(token)
            if claim.asset_id != asset.pk:  # a link signed for another form
                raise BadLink("This booking link is not valid.", field="link")
        except BadLink as error:
            context["booking_error"] = error.message
        else:
            zone = selectors.zone_or_utc(request.GET.get("tz")).key
            state = selectors.booking_state(claim=claim, zone_name=zone, now=timezone.now())
            context |= {"token": token, "state": state, "zones": selectors.zone_choices(zone)}
    return render(request, "public/thanks.html", context)
