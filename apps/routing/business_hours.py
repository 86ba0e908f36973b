"""SLA due times that count only working time when the policy has business hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from apps.routing.models import SlaPolicy


def _days_off(policy: SlaPolicy) -> set[date]:
    """The policy's holidays (from its prefetched calendar when the caller loaded one)."""
    return {holiday.date for holiday in policy.holidays.all()}


def add_working_minutes(*, start: datetime, minutes: int, policy: SlaPolicy) -> datetime:
    """`start` plus `minutes` of working time in the policy's zone (plain minutes without hours).

    Opening hours are local wall-clock times; the minutes counted are real ones (arithmetic in
    UTC), so a night desk's SLA on a daylight-saving change day lasts exactly its minutes.
    """
    if not policy.business_hours_only:
        return start + timedelta(minutes=minutes)
    tz = policy.tz
    holidays = _days_off(policy)
    weekdays = policy.weekdays
    moment = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    day = start.astimezone(tz).date()
    for _ in range(800):  # at most ~2 years of calendar days: a safe bound for any policy
        closes = datetime.combine(day, policy.day_end, tzinfo=tz).astimezone(UTC)
        if day.weekday() in weekdays and day not in holidays and moment < closes:
            opens = datetime.combine(day, policy.day_start, tzinfo=tz).astimezone(UTC)
            begin = max(moment, opens)
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
        day += timedelta(days=1)
    raise ValueError("The SLA policy has no working time in the next two years.")


def working_minutes_between(*, start: datetime, end: datetime, policy: SlaPolicy | None) -> float:
    """Working minutes from start to end (plain minutes when there is no business-hours policy;
    0 when end is not after start).

    Pass a policy from active_policy() (holidays prefetched) when calling in a loop, so the
    calendar is read once.
    """
    if policy is None or not policy.business_hours_only:
        return max((end - start).total_seconds(), 0) / 60
    tz = policy.tz
    days_off = _days_off(policy)
    weekdays = policy.weekdays
    total = 0.0
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() in weekdays and day not in days_off:
            opens = datetime.combine(day, policy.day_start, tzinfo=tz).astimezone(UTC)
            closes = datetime.combine(day, policy.day_end, tzinfo=tz).astimezone(UTC)
            worked = min(closes, end) - max(opens, start)
            total += max(worked.total_seconds(), 0) / 60
        day += timedelta(days=1)
    return total
