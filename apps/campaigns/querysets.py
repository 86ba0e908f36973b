"""Named filters of campaign spend."""

from __future__ import annotations

from datetime import date
from typing import Self

from django.db import models


class CampaignSpendQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def counting(self) -> Self:
        """Entries that count: not replaced by a later correcting entry."""
        return self.filter(replaced_by__isnull=True)

    def overlapping(self, start: date, end: date) -> Self:
        """Entries sharing at least one day with the inclusive window [start, end]."""
        return self.filter(starts_on__lte=end, ends_on__gte=start)
