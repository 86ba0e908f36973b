"""SLA due times that count only working time when the policy has business hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from apps.routing.models import SlaPolicy


def add_working_minutes(
    *, start: datetime, minutes: int, policy: SlaPolicy, holidays: set[date] | None = None
) -> datetime:
    """`start` plus `minutes` of working time in the policy's zone (plain minutes without hours)."""
    if not policy.business_hours_only:
        return start + timedelta(minutes=minutes)
    tz = policy.tz
    holidays = (
        holidays if holidays is not None else set(policy.holidays.values_list("date", flat=True))
    )
    weekdays = policy.weekdays or {0, 1, 2, 3, 4}
    local = start.astimezone(tz)
    remaining = timedelta(minutes=minutes)
    for _ in range(800):  # at most ~2 years of calendar days: a safe bound for any policy
        day = local.date()
        opens = datetime.combine(day, policy.day_start, tzinfo=tz)
        closes = datetime.combine(day, policy.day_end, tzinfo=tz)
        if day.weekday() in weekdays and day not in holidays and local < closes:
            begin = max(local, opens)
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
        next_day = day + timedelta(days=1)
        local = datetime.combine(next_day, policy.day_start, tzinfo=tz)
    raise ValueError("The SLA policy has no working time in the next two years.")


def working_minutes_between(
    *,
    start: datetime,
    end: datetime,
    policy: SlaPolicy | None,
    holidays: Iterable[date] | None = None,
) -> float:
    """Working minutes from start to end (plain minutes when there is no business-hours policy).

    Pass `holidays` when calling in a loop, so the policy's calendar is read once.
    """
    if end <= start:
        return 0.0
    if policy is None or not policy.business_hours_only:
        return (end - start).total_seconds() / 60
    tz = policy.tz
    days_off = (
        set(holidays)
        if holidays is not None
        else set(policy.holidays.values_list("date", flat=True))
    )
    weekdays = policy.weekdays or {0, 1, 2, 3, 4}
    total = 0.0
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() in weekdays and day not in days_off:
            opens = datetime.combine(day, policy.day_start, tzinfo=tz)
            closes = datetime.combine(day, policy.day_end, tzinfo=tz)
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += (finish - begin).total_seconds() / 60
        day += timedelta(days=1)
    return total
