"""/marketing/ and its two older namespaces: `feedback` (/marketing/feedback/, the review loop)
and `plays` (/marketing/plays/). revenue/urls.py mounts each list under its own namespace."""

from django.urls import path

from apps.marketing.views import campaigns, feedback, leads, performance, plays

app_name = "marketing"
urlpatterns = [
    path("", performance.home, name="home"),
    path("lead-flow/", performance.lead_flow, name="lead-flow"),
    path("performance/", performance.performance, name="performance"),
    path("performance/records/", performance.performance_records, name="performance-records"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<int:campaign_id>/edit/", campaigns.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:campaign_id>/spend/", campaigns.spend_add, name="campaign-spend"),
    path("campaigns/<int:campaign_id>/assets/new/", campaigns.asset_create, name="asset-create"),
    path("assets/<int:asset_id>/edit/", campaigns.asset_edit, name="asset-edit"),
    path("leads/", leads.lead_list, name="leads"),
    path("leads/bulk/", leads.bulk, name="lead-bulk"),
    path("leads/views/", leads.save_view, name="lead-view-save"),
    path("leads/views/delete/", leads.delete_view, name="lead-view-delete"),
]

feedback_patterns = (
    [
        path("", feedback.review_page, name="home"),
        path("<int:disqualification_id>/review/", feedback.review, name="review"),
        path("bulk-acknowledge/", feedback.bulk_acknowledge, name="bulk-acknowledge"),
        path("records/", feedback.records, name="records"),
    ],
    "feedback",
)

play_patterns = (
    [
        path("", plays.play_list, name="list"),
        path("new/", plays.play_create, name="create"),
        path("<int:play_id>/", plays.play_detail, name="detail"),
        path("<int:play_id>/edit/", plays.play_edit, name="edit"),
        path("<int:play_id>/active/", plays.play_active, name="active"),
    ],
    "plays",
)
