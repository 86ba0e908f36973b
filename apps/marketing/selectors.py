"""Reads the marketing screens compose: the disqualification reason analytics with last
quarter's figures beside them, and the records behind each number."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.core.models import Quarter
from apps.feedback.models import Disqualification
from apps.goals import metrics
from apps.goals.metrics.funnel import BREAKDOWNS

RECORDS_LIMIT = 200
BREAKDOWN_LABELS = {
    "reason": "Reason",
    "campaign": "Campaign",
    "asset": "First-touch asset",
    "source": "Source",
    "rep": "Rep",
}


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
        records.select_related(
            "lead", "lead__facts__source_campaign", "lead__account", "reason", "rep"
        ).order_by("-at", "-pk")[:limit]
    )
    return rows, total


def is_breakdown(by: str) -> bool:
    return by in BREAKDOWNS
