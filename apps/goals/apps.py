from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GoalsConfig(AppConfig):
    name = "apps.goals"
    label = "goals"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the models exist.
        from apps.goals.facts import backfill_after_migrate

        # sender=self: once per `migrate`, after every app's migrations have run.
        post_migrate.connect(backfill_after_migrate, sender=self, dispatch_uid="goals.facts")
