"""`python manage.py rebuild_facts`: recompute every lead's facts from the records.

The writing transactions keep the facts current; run this after loading data behind the
application's back (a restore, a bulk SQL fix) or after changing the SLA calendar, whose
working minutes the response times are measured in.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from apps.goals.facts import rebuild_all


class Command(BaseCommand):
    help = "Recompute the per-lead facts and won deals' campaign credits from the records."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        leads, deals = rebuild_all()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Rebuilt the facts of {leads} leads and the campaign credits of {deals} won deals "
            f"in {seconds:.1f} s."
        )
