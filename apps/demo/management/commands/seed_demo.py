"""`manage.py seed_demo`: realistic, deterministic demo data and the six demo users.

The generator lives in apps/demo (entry points in apps/demo/seed.py); this command only
parses options and prints.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.demo import catalogue, seed


class Command(BaseCommand):
    help = "Create demo users (password 'demo'), configuration and leads with their history. Safe to rerun."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=catalogue.DEFAULT_SEED, help="Random seed (default 42)."
        )
        parser.add_argument(
            "--leads",
            type=int,
            default=catalogue.DEFAULT_LEADS,
            help="Number of demo leads (default 400).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the demo users already exist."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["leads"] < 0:
            raise CommandError("--leads must be 0 or more.")
        if options["if_empty"] and seed.demo_users_exist():
            self.stdout.write("Demo data already present (demo users exist); nothing to do.")
            return
        started = time.monotonic()
        result = seed.seed_demo(
            seed=options["seed"],
            leads=options["leads"],
            today=timezone.now().date(),
            progress=self._progress if options["verbosity"] >= 2 else None,
        )
        elapsed = time.monotonic() - started
        created = ", ".join(f"{label} {n}" for label, n in sorted(result.created.items()) if n)
        self.stdout.write(f"Created: {created or 'nothing (all demo data already existed)'}.")
        for message in result.messages:
            self.stdout.write(message)
        self.stdout.write("Now in the database:")
        for label, count in seed.demo_counts().items():
            self.stdout.write(f"  {label:<34} {count:>9}")
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_demo done in {elapsed:.1f}s. Sign in as rita, max, "
                "sam, sara, mia or sid with password 'demo'."
            )
        )

    def _progress(self, message: str) -> None:
        self.stdout.write(message)
