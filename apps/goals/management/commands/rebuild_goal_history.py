"""`python manage.py rebuild_goal_history [--quarter 2026-Q4 | --all]`: a goal snapshot for
every elapsed day, rebuilt from the records as they stood at the end of each day.

A new install (or goals added mid-quarter) has no history until the nightly job has run for a
while; this fills it in at once. Safe to run again: a day whose snapshot already holds the
rebuilt value is not written. Without options it rebuilds the quarter containing today.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.models import Quarter
from apps.goals import services


class Command(BaseCommand):
    help = "Rebuild the daily goal snapshots of a quarter's elapsed days from the records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--quarter", help="The quarter's name, e.g. 2026-Q4.")
        which.add_argument(
            "--all", action="store_true", help="Every quarter that has begun, oldest first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["quarter"] is not None:  # an empty name is an error, not "this quarter"
            quarters: list[Quarter] | None = list(Quarter.objects.filter(name=options["quarter"]))
            if not quarters:
                raise CommandError(f"No quarter is named {options['quarter']!r}.")
        elif options["all"]:
            quarters = None  # every quarter that has begun
        else:
            quarters = list(Quarter.objects.filter(starts_on__lte=today, ends_on__gte=today)[:1])
            if not quarters:
                raise CommandError("No quarter contains today; name one with --quarter.")
        started = time.perf_counter()
        result = services.rebuild_goal_history(quarters=quarters, today=today)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Rebuilt {', '.join(result.quarters) or 'no quarter'}: {result.days} days of "
            f"{result.goals} goals; {result.written} snapshots written, {result.unchanged} "
            f"unchanged, in {seconds:.1f} s."
        )
