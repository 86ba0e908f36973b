"""`python manage.py rebuild_facts`: recompute every lead's facts from the records.

The writing transactions keep the facts current; run this after loading data behind the
application's back (a restore, a bulk SQL fix), after changing the SLA calendar, whose
working minutes the response times are measured in, or after changing TIME_ZONE, whose weeks
the accounts' engagement charts count in.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from apps.goals.facts import rebuild_all


class Command(BaseCommand):
    help = (
        "Recompute the per-lead facts, won deals' campaign credits and the accounts' weekly "
        "touches from the records."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        leads, deals, weeks = rebuild_all()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Rebuilt the facts of {leads} leads, the campaign credits of {deals} won deals and "
            f"{weeks} weekly touch counts of accounts in {seconds:.1f} s."
        )
