from typing import Any

from django.core.management.base import BaseCommand

from apps.routing import services


class Command(BaseCommand):
    help = "One pass of the SLA and routing sweep (what Celery beat runs every 30 seconds)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500, help="Leads per step (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.sweep_sla(limit=options["limit"])
        self.stdout.write(
            f"routed {result.routed}, settled {result.settled}, followed up {result.followed_up}, "
            f"errors {len(result.errors)}"
        )
        for error in result.errors:
            self.stderr.write(error)
