"""Campaigns and assets with their intent notes: everyone reads them; Marketing and RevOps
create and edit them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.campaigns import selectors, services
from apps.core.forms import call_service
from apps.marketing.forms import campaigns as forms
from apps.users.http import HtmxHttpRequest
from apps.users.roles import has_role, role_required


@require_GET
def campaign_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every role reads campaigns and intent notes; Marketing and RevOps get the edit links."""
    context = {
        "campaigns": selectors.campaigns_with_assets(),
        "standalone_assets": selectors.standalone_assets(),
        "can_edit": has_role(request.user, *services.CAMPAIGN_EDITORS),
    }
    return render(request, "marketing/campaigns.html", context)


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
