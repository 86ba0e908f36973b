"""Reads for marketing's review of disqualifications and the reason analytics."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.feedback.models import Disqualification
from apps.goals import metrics
from apps.goals.metrics.funnel import BREAKDOWNS
from apps.goals.models import Quarter
from apps.leads.models import Activity, Touchpoint

REVIEW_LIMIT = 25
RECORDS_LIMIT = 200
BREAKDOWN_LABELS = {
    "reason": "Reason",
    "campaign": "Campaign",
    "asset": "First-touch asset",
    "source": "Source",
    "rep": "Rep",
}


def _with_story(records: QuerySet[Disqualification]) -> QuerySet[Disqualification]:
    """The lead's journey (touchpoints with asset and campaign, oldest first) and the rep's
    attempts (with notes, which Marketing may read) prefetched: four queries for any number."""
    return records.select_related(
        "lead", "lead__campaign", "lead__account", "reason", "rep", "reviewer"
    ).prefetch_related(
        Prefetch(
            "lead__touchpoints",
            queryset=Touchpoint.objects.select_related("asset", "campaign").order_by(
                "occurred_at", "pk"
            ),
        ),
        Prefetch(
            "lead__activities",
            queryset=Activity.objects.select_related("rep").order_by("occurred_at", "pk"),
        ),
    )


def review_queue(*, limit: int = REVIEW_LIMIT) -> list[Disqualification]:
    """Open review items, oldest first (the review index), with their story."""
    return list(
        _with_story(
            Disqualification.objects.filter(review_status=Disqualification.Review.OPEN)
        ).order_by("at", "pk")[:limit]
    )


def open_count() -> int:
    return Disqualification.objects.filter(review_status=Disqualification.Review.OPEN).count()


def review_item(*, disqualification_id: int) -> Disqualification:
    """One review item with its story, whatever its review state, or 404."""
    return get_object_or_404(_with_story(Disqualification.objects.all()), pk=disqualification_id)


def review_counts() -> dict[str, int]:
    """How many items are open, acknowledged and disputed (one grouped query)."""
    counts = dict.fromkeys(Disqualification.Review.values, 0)
    for row in Disqualification.objects.values("review_status").annotate(n=Count("pk")).order_by():
        counts[row["review_status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class TrendRow:
    """One group of a breakdown with the previous quarter's figures beside it."""

    key: Any
    key_param: str
    label: str
    count: int
    share: Decimal | None
    rate: Decimal | None
    previous_count: int | None
    previous_rate: Decimal | None
    trend: str  # "up", "down", "flat" or "new"


def _trend(now: Decimal | int | None, before: Decimal | int | None) -> str:
    if before is None or now is None:
        return "new"
    if now > before:
        return "up"
    if now < before:
        return "down"
    return "flat"


def key_param(key: Any) -> str:
    return "none" if key is None else str(key)


def breakdown_with_trend(*, quarter: Quarter, previous: Quarter | None, by: str) -> list[TrendRow]:
    """disqualification_breakdown for the quarter and the previous one, matched by group key;
    the trend compares rates (counts when a rate is missing). Groups seen only last quarter are
    listed after, with a count of 0. About six queries."""
    now_rows = metrics.disqualification_breakdown(quarter, by=by)  # type: ignore[arg-type]
    before_rows = (
        metrics.disqualification_breakdown(previous, by=by)  # type: ignore[arg-type]
        if previous
        else []
    )
    before = {row.key: row for row in before_rows}
    rows: list[TrendRow] = []
    for row in now_rows:
        old = before.get(row.key)
        if old is None:
            trend = "new" if previous else "flat"
        elif row.rate is not None and old.rate is not None:
            trend = _trend(row.rate, old.rate)
        else:
            trend = _trend(row.count, old.count)
        rows.append(
            TrendRow(
                key=row.key,
                key_param=key_param(row.key),
                label=row.label,
                count=row.count,
                share=row.share,
                rate=row.rate,
                previous_count=old.count if old else (0 if previous else None),
                previous_rate=old.rate if old else None,
                trend=trend,
            )
        )
    seen = {row.key for row in now_rows}
    for old in before_rows:
        if old.key not in seen:
            rows.append(
                TrendRow(
                    key=old.key,
                    key_param=key_param(old.key),
                    label=old.label,
                    count=0,
                    share=None,
                    rate=None,
                    previous_count=old.count,
                    previous_rate=old.rate,
                    trend="down",
                )
            )
    return rows


def breakdown_records(
    *, quarter: Quarter, by: str, key: Any, limit: int = RECORDS_LIMIT
) -> tuple[list[Disqualification], int]:
    """The disqualifications behind one breakdown number (newest first, bounded) and how many
    there are in all."""
    records = metrics.disqualification_records(quarter, by, key)
    total = records.count()
    rows = list(
        records.select_related("lead", "lead__campaign", "lead__account", "reason", "rep").order_by(
            "-at", "-pk"
        )[:limit]
    )
    return rows, total


def is_breakdown(by: str) -> bool:
    return by in BREAKDOWNS
