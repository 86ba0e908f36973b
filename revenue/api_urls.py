from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path, register_converter
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts import api as accounts_api
from apps.campaigns import api as campaigns_api
from apps.core.serializers import MAX_ID
from apps.feedback import api as feedback_api
from apps.goals import api as goals_api
from apps.intake import api as intake_api
from apps.opportunities import api as opportunities_api
from apps.plays import api as plays_api
from apps.sales import api as leads_api
from apps.service import api as service_api
from apps.users import api as users_api


class ApiIdConverter:
    """A record id: digits within the bigint range. Anything else falls through to the JSON 404
    below (a 20-digit id would overflow SQLite's integer, not find nothing)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ApiIdConverter, "api_id")


@csrf_exempt  # answers every method with a 404, changes nothing
@login_not_required
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown API paths answer in JSON like every other API error, not with the HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


def api(view: type[Any]) -> Callable[..., Any]:
    """DRF authenticates by token or session itself; LoginRequiredMiddleware must not redirect."""
    wrapped: Callable[..., Any] = login_not_required(view.as_view())
    return wrapped


app_name = "api"
urlpatterns = [
    path("v1/auth/token/", api(users_api.TokenApi), name="token"),
    path("v1/intake/", api(intake_api.IntakeApi), name="intake"),
    path("v1/intake/webhook/<slug:slug>/", api(intake_api.WebhookIntakeApi), name="intake-webhook"),
    # Leads
    path("v1/leads/", api(leads_api.LeadListApi), name="leads"),
    path("v1/leads/export/", api(leads_api.LeadExportApi), name="leads-export"),
    path("v1/leads/<api_id:lead_id>/", api(leads_api.LeadDetailApi), name="lead"),
    path(
        "v1/leads/<api_id:lead_id>/attempts/", api(leads_api.LeadAttemptsApi), name="lead-attempts"
    ),
    path("v1/leads/<api_id:lead_id>/claim/", api(leads_api.LeadClaimApi), name="lead-claim"),
    path(
        "v1/leads/<api_id:lead_id>/reassign/", api(leads_api.LeadReassignApi), name="lead-reassign"
    ),
    path("v1/leads/<api_id:lead_id>/convert/", api(leads_api.LeadConvertApi), name="lead-convert"),
    path(
        "v1/leads/<api_id:lead_id>/disqualify/",
        api(leads_api.LeadDisqualifyApi),
        name="lead-disqualify",
    ),
    path("v1/leads/<api_id:lead_id>/recycle/", api(leads_api.LeadRecycleApi), name="lead-recycle"),
    # Accounts, campaigns, assets, plays
    path("v1/accounts/", api(accounts_api.AccountListApi), name="accounts"),
    path("v1/accounts/<api_id:account_id>/", api(accounts_api.AccountDetailApi), name="account"),
    path("v1/campaigns/", api(campaigns_api.CampaignListApi), name="campaigns"),
    path(
        "v1/campaigns/<api_id:campaign_id>/", api(campaigns_api.CampaignDetailApi), name="campaign"
    ),
    path(
        "v1/campaigns/<api_id:campaign_id>/spend/",
        api(campaigns_api.CampaignSpendApi),
        name="campaign-spend",
    ),
    path("v1/assets/", api(campaigns_api.AssetListApi), name="assets"),
    path("v1/assets/<api_id:asset_id>/", api(campaigns_api.AssetDetailApi), name="asset"),
    path("v1/plays/", api(plays_api.PlayListApi), name="plays"),
    path("v1/plays/<api_id:play_id>/", api(plays_api.PlayDetailApi), name="play"),
    # Feedback, revenue, service
    path(
        "v1/disqualifications/",
        api(feedback_api.DisqualificationListApi),
        name="disqualifications",
    ),
    path(
        "v1/disqualifications/<api_id:disqualification_id>/review/",
        api(feedback_api.DisqualificationReviewApi),
        name="disqualification-review",
    ),
    path("v1/opportunities/", api(opportunities_api.OpportunityListApi), name="opportunities"),
    path(
        "v1/opportunities/<api_id:opportunity_id>/",
        api(opportunities_api.OpportunityDetailApi),
        name="opportunity",
    ),
    path(
        "v1/opportunities/<api_id:opportunity_id>/stage/",
        api(opportunities_api.OpportunityStageApi),
        name="opportunity-stage",
    ),
    path("v1/renewals/", api(service_api.RenewalListApi), name="renewals"),
    # The shared scoreboard
    path("v1/goals/", api(goals_api.GoalsApi), name="goals"),
    path("v1/sla/", api(goals_api.SlaApi), name="sla"),
    # Schema and docs
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    re_path(r"^(?P<rest>[\s\S]*)$", api_not_found, name="not-found"),
]
