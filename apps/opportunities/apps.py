from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "apps.opportunities"
    label = "opportunities"
