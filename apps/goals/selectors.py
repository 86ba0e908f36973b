"""Reads for the shared goal sheet."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from apps.goals.models import JointGoal, Quarter

QUARTER_LIMIT = 40


def quarters() -> list[Quarter]:
    """Every quarter configured, oldest first (bounded: ten years of quarters)."""
    return list(Quarter.objects.order_by("starts_on", "pk")[:QUARTER_LIMIT])


def pick_quarter(options: list[Quarter], *, name: str | None, today: date) -> Quarter | None:
    """The quarter named in the request, else the one containing today, else the latest begun."""
    by_name = {quarter.name: quarter for quarter in options}
    if name and name in by_name:
        return by_name[name]
    for quarter in options:
        if quarter.starts_on <= today <= quarter.ends_on:
            return quarter
    begun = [quarter for quarter in options if quarter.starts_on <= today]
    if begun:
        return begun[-1]
    return options[0] if options else None


def current_quarter(*, today: date) -> Quarter | None:
    """The quarter containing today, or the latest that has begun, or the first configured."""
    return pick_quarter(quarters(), name=None, today=today)


def quarter_goals(*, quarter: Quarter) -> QuerySet[JointGoal]:
    """The quarter's joint goals with their segment campaign, by metric."""
    return (
        JointGoal.objects.filter(quarter=quarter)
        .select_related("segment_campaign")
        .order_by("metric", "pk")[:100]
    )
