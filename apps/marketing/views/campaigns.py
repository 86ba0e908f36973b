"""Campaigns, their spend and assets with their intent notes: everyone reads them; Marketing
and RevOps create and edit them and record spend."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.campaigns import selectors, services
from apps.core.forms import call_service, refused_status
from apps.core.htmx import refused
from apps.marketing.forms import campaigns as forms
from apps.users.http import HtmxHttpRequest
from apps.users.roles import has_role, role_required

PAGE = "marketing/campaigns.html"


def _list_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "campaigns": selectors.campaigns_with_assets(),
        "standalone_assets": selectors.standalone_assets(),
        "can_edit": has_role(request.user, *services.CAMPAIGN_EDITORS),
        **extra,
    }


@require_GET
def campaign_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every role reads campaigns, their spend and intent notes; Marketing and RevOps get the
    edit links and the spend form."""
    return render(request, PAGE, _list_context(request))


@require_POST
@role_required(*services.CAMPAIGN_EDITORS)
def spend_add(request: HtmxHttpRequest, campaign_id: int) -> HttpResponse:
    """Record spend on a campaign: the spend region swapped in place with htmx (with the errors
    next to their fields on a refusal), else post/redirect/get or the page with the refused form."""
    campaign = selectors.campaign_for(campaign_id=campaign_id)
    form = forms.SpendForm(request.POST)
    outcome = form.is_valid() and call_service(
        form, services.add_spend, campaign_id=campaign.pk, actor=request.user, **form.spend()
    )
    if outcome and not request.htmx:
        messages.success(request, f"Recorded {outcome.result} on {campaign.name}.")
        return redirect(f"{reverse('marketing:campaigns')}#campaign-spend-{campaign.pk}")
    status = 200 if outcome else refused_status(form)
    if not request.htmx:
        context = _list_context(request, failed=campaign.pk, failed_form=form)
        return render(request, PAGE, context, status=status)
    context = {
        "campaign": selectors.campaign_with_spend(campaign_id=campaign.pk),
        "can_edit": True,
        "spend_form": None if outcome else form,
        "recorded": outcome.result if outcome else None,
    }
    response = render(request, f"{PAGE}#campaign-spend", context, status=status)
    return response if outcome else refused(response)


def _save_form(
    request: HtmxHttpRequest, form: Any, save: Any, success: str, **kwargs: Any
) -> HttpResponse | None:
    """Run the service with the form's spec; a refusal becomes an error on the field it names."""
    if not (
        form.is_valid() and call_service(form, save, actor=request.user, spec=form.spec(), **kwargs)
    ):
        return None
    messages.success(request, success)
    return redirect("marketing:campaigns")


def _form_page(
    request: HtmxHttpRequest, form: Any, title: str, *, subject: Any = None, kind: str
) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "title": title, "subject": subject, "kind": kind}
    return render(request, "marketing/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def campaign_create(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST":
        done = _save_form(request, form, services.create_campaign, "Campaign created.")
        if done:
            return done
    return _form_page(request, form, "New campaign", kind="campaign")


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def campaign_edit(request: HtmxHttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_for(campaign_id=campaign_id)
    form = forms.CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST":
        done = _save_form(
            request,
            form,
            services.update_campaign,
            f"Saved {form.data.get('name') or campaign.name}.",
            campaign_id=campaign_id,
        )
        if done:
            return done
    return _form_page(request, form, f"Edit {campaign.name}", subject=campaign, kind="campaign")


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def asset_create(request: HtmxHttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_for(campaign_id=campaign_id)
    form = forms.AssetForm(request.POST or None)
    if request.method == "POST":
        done = _save_form(
            request,
            form,
            services.create_asset,
            f"Asset added to {campaign.name}.",
            campaign_id=campaign.pk,
        )
        if done:
            return done
    return _form_page(
        request, form, f"New asset for {campaign.name}", subject=campaign, kind="asset"
    )


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def asset_edit(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.asset_for(asset_id=asset_id)
    form = forms.AssetForm(request.POST or None, instance=asset)
    if request.method == "POST":
        done = _save_form(
            request, form, services.update_asset, f"Saved {asset.name}.", asset_id=asset_id
        )
        if done:
            return done
    return _form_page(request, form, f"Edit {asset.name}", subject=asset.campaign, kind="asset")
