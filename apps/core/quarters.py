"""The quarter calendar every app reads: which quarters exist, which one is current, and the
half-open UTC window a quarter's figures count in. Quarters are configured by RevOps (fiscal
calendars allowed); with none configured, pages that still need one use calendar quarters."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

from apps.core.models import Quarter

QUARTER_LIMIT = 40  # ten years of quarters: every list of quarters is bounded
CALENDAR_FALLBACK_QUARTERS = 5


def quarter_window(quarter: Quarter) -> tuple[datetime, datetime]:
    """[starts_on 00:00 UTC, ends_on + 1 day 00:00 UTC): the half-open window of a quarter."""
    start = datetime.combine(quarter.starts_on, time.min, tzinfo=UTC)
    end = datetime.combine(quarter.ends_on + timedelta(days=1), time.min, tzinfo=UTC)
    return start, end


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month
    is 28 or 29 Feb): how a contract term runs."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def calendar_quarter(day: date) -> Quarter:
    """The calendar quarter containing `day`, as an unsaved Quarter (same fields as a fiscal one)."""
    index = (day.month - 1) // 3
    starts_on = date(day.year, index * 3 + 1, 1)
    next_start = date(day.year + 1, 1, 1) if index == 3 else date(day.year, index * 3 + 4, 1)
    return Quarter(
        name=f"{day.year}-Q{index + 1}", starts_on=starts_on, ends_on=next_start - timedelta(days=1)
    )


def quarters() -> list[Quarter]:
    """Every configured quarter, oldest first (bounded by QUARTER_LIMIT)."""
    return list(Quarter.objects.order_by("starts_on", "pk")[:QUARTER_LIMIT])


def quarter_start_of(day: date, configured: list[Quarter] | None = None) -> date:
    """The first day of the quarter `day` falls in: the configured quarter containing it
    (`configured`, or one query), else the calendar quarter. What keys a lead's entry into a
    quarter's sales-ready cohort (apps.leads.facts)."""
    if configured is None:
        found = Quarter.objects.filter(starts_on__lte=day, ends_on__gte=day).first()
    else:
        found = next((q for q in configured if q.starts_on <= day <= q.ends_on), None)
    return (found or calendar_quarter(day)).starts_on


def calendar_quarters_until(
    today: date, *, count: int = CALENDAR_FALLBACK_QUARTERS
) -> list[Quarter]:
    """The last `count` calendar quarters up to the one containing today, oldest first."""
    options: list[Quarter] = []
    day = today
    for _ in range(count):
        quarter = calendar_quarter(day)
        options.insert(0, quarter)
        day = quarter.starts_on - timedelta(days=1)
    return options


def pick_quarter(options: list[Quarter], *, name: str | None, today: date) -> Quarter | None:
    """The quarter named in the request, else the current one among `options`: the one containing
    today, else the latest that has begun, else the first. None when there are no options."""
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
    """The current configured quarter (see pick_quarter), or None when none is configured."""
    return pick_quarter(quarters(), name=None, today=today)
