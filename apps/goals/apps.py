from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class GoalsConfig(AppConfig):
    name = "apps.goals"
    label = "goals"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the models exist.
        from apps.core.models import Quarter
        from apps.goals.facts import backfill_after_migrate, quarters_changed

        # sender=self: once per `migrate`, after every app's migrations have run.
        post_migrate.connect(backfill_after_migrate, sender=self, dispatch_uid="goals.facts")
        post_save.connect(quarters_changed, sender=Quarter, dispatch_uid="goals.quarter_saved")
        post_delete.connect(quarters_changed, sender=Quarter, dispatch_uid="goals.quarter_gone")
