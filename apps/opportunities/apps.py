from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "apps.opportunities"
    label = "opportunities"

    def ready(self) -> None:
        # A deal keeps its primary lead's source campaign: the lead facts refresh the copy
        # whenever they re-read the source campaign (leads sits below, so it is plugged in).
        from apps.leads import facts
        from apps.opportunities.services import copy_source_campaigns

        facts.use_source_copy(copy_source_campaigns)
