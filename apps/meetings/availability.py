"""A rep's free slots from the records: working hours from their profile, the SLA calendar's
holidays (routing's, plugged in at start-up: `use_holidays`), their booked meetings and the
busy times their feed last gave, with the booking rules in force (apps.meetings.slots does the
arithmetic)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.utils.dateparse import parse_datetime

from apps.meetings import slots
from apps.meetings.models import BookingRules, BusyFeed, Meeting
from apps.users.models import User

Holidays = Callable[[date, date], set[date]]


def _no_holidays(start: date, end: date) -> set[date]:
    return set()


_holidays: Holidays = _no_holidays


def use_holidays(calendar: Holidays) -> None:
    """Install the SLA calendar's holidays (routing does, once, at start-up)."""
    global _holidays  # noqa: PLW0603 - the one plug point, set once at start-up
    _holidays = calendar


def rules_for(booking: BookingRules) -> slots.SlotRules:
    return slots.SlotRules(
        length_minutes=booking.length_minutes,
        buffer_minutes=booking.buffer_minutes,
        notice_minutes=booking.notice_minutes,
        window_business_days=booking.window_business_days,
        step_minutes=booking.step_minutes,
    )


def working_hours(rep: User) -> slots.WorkingHours | None:
    """The rep's bookable week; None when the profile cannot make one (a raw write skipped the
    validators): such a rep offers no slot rather than breaking the page or routing."""
    days = frozenset(int(d) for d in rep.work_days.split(",") if d.strip().isdigit())
    try:
        return slots.WorkingHours(
            time_zone=str(rep.zone), days=days, start=rep.work_start, end=rep.work_end
        )
    except ValueError:
        return None


# The window's last day is at most this far ahead (N business days and the weekends and
# holidays between them), so the busy times read are bounded whatever the rules say.
def horizon(rules: slots.SlotRules) -> timedelta:
    return timedelta(days=rules.window_business_days * 3 + 14)


def feed_busy(feed: BusyFeed | None) -> list[tuple[datetime, datetime]]:
    """The cached busy blocks of a feed (empty with none, or while it has never worked: a
    failing feed keeps its last good blocks)."""
    if feed is None:
        return []
    pairs = []
    for start, end in feed.busy or []:
        begins, ends = parse_datetime(start), parse_datetime(end)
        if begins is not None and ends is not None:
            pairs.append((begins, ends))
    return pairs


def meetings_busy(
    rep_id: int, *, start: datetime, end: datetime, exclude_uid: str | None = None
) -> list[tuple[datetime, datetime]]:
    meetings = Meeting.objects.filter(
        rep_id=rep_id, status=Meeting.Status.BOOKED, starts_at__lt=end, ends_at__gt=start
    )
    if exclude_uid:
        meetings = meetings.exclude(uid=exclude_uid)
    return list(meetings.values_list("starts_at", "ends_at"))


def busy_of(
    rep: User, *, now: datetime, rules: slots.SlotRules, exclude_uid: str | None = None
) -> list[tuple[datetime, datetime]]:
    """Everything that blocks the rep in the booking window: booked meetings (one of them left
    out when it is being moved) and the feed's busy times."""
    end = now + horizon(rules)
    feed = BusyFeed.objects.filter(rep=rep).first()
    return meetings_busy(
        rep.pk, start=now - timedelta(days=1), end=end, exclude_uid=exclude_uid
    ) + [(s, e) for s, e in feed_busy(feed) if e > now and s < end]


def holidays_between(start: date, end: date) -> set[date]:
    return _holidays(start, end)


def free_slots(
    rep: User,
    *,
    now: datetime,
    booking: BookingRules | None = None,
    limit: int | None = None,
    exclude_uid: str | None = None,
) -> list[datetime]:
    """The rep's free slot starts (UTC) in the booking window, earliest first."""
    rules = rules_for(booking or BookingRules.current())
    hours = working_hours(rep)
    if hours is None:
        return []
    today = now.astimezone(rep.zone).date()
    return slots.free_slots(
        hours=hours,
        rules=rules,
        now=now,
        busy=busy_of(rep, now=now, rules=rules, exclude_uid=exclude_uid),
        holidays=holidays_between(today, today + horizon(rules)),
        limit=limit,
    )


def is_free(
    rep: User,
    *,
    start: datetime,
    now: datetime,
    booking: BookingRules,
    exclude_uid: str | None = None,
) -> bool:
    rules = rules_for(booking)
    hours = working_hours(rep)
    if hours is None:
        return False
    today = now.astimezone(rep.zone).date()
    return slots.is_free_slot(
        start=start,
        hours=hours,
        rules=rules,
        now=now,
        busy=busy_of(rep, now=now, rules=rules, exclude_uid=exclude_uid),
        holidays=holidays_between(today, today + horizon(rules)),
    )


def has_free_slot(reps: Iterable[User], *, now: datetime) -> set[int]:
    """The ids of the reps with at least one free slot in the window (routing skips the others
    for hand-raisers from forms that offer booking)."""
    booking = BookingRules.current()
    return {rep.pk for rep in reps if free_slots(rep, now=now, booking=booking, limit=1)}
