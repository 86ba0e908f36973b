from django.urls import path

from apps.campaigns import views

app_name = "marketing"
urlpatterns = [
    path("", views.home, name="home"),
    path("lead-flow/", views.lead_flow, name="lead-flow"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:campaign_id>/assets/new/", views.asset_create, name="asset-create"),
    path("assets/<int:asset_id>/edit/", views.asset_edit, name="asset-edit"),
    path("performance/", views.performance, name="performance"),
]
