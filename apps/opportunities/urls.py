"""Mounted at /sales/pipeline/ by apps/leads/urls.py: the names join the `sales` namespace."""

from django.urls import path

from apps.opportunities import views

urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("<int:opportunity_id>/stage/", views.change_stage, name="change-stage"),
]
