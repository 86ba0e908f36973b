from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "apps.routing"
    label = "routing"

    def ready(self) -> None:
        # Lead facts measure response times in the SLA calendar, which is routing's: plug it in.
        from apps.leads import facts
        from apps.routing.services import sla_working_minutes

        facts.use_working_minutes(sla_working_minutes)
