from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "apps.routing"
    label = "routing"

    def ready(self) -> None:
        # Lead facts measure response times in the SLA calendar, which is routing's: plug it in.
        from apps.leads import facts
        from apps.meetings.availability import use_holidays
        from apps.routing.services import hold_if_full, sla_holidays, sla_working_minutes
        from apps.scoring.services import use_hold_check

        facts.use_working_minutes(sla_working_minutes)
        # The throttle holds a lead the moment scoring makes it ready (routing owns capacity).
        use_hold_check(hold_if_full)
        # Booking slots skip the SLA calendar's holidays (routing's calendar).
        use_holidays(sla_holidays)
