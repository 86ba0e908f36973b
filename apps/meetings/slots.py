"""Free meeting slots in a rep's working hours: pure functions of the calendar, no database.

Working hours are local wall-clock times in the rep's zone; slot lengths, buffers and notice
are real minutes (arithmetic in UTC), so a slot on a daylight-saving change day lasts exactly
its length. Busy intervals are half-open `[start, end)` and may come in any zone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WorkingHours:
    """When a rep takes meetings: the same local hours on some weekdays, in one time zone.

    `days` are weekdays (0 = Monday .. 6 = Sunday); `start` and `end` are naive local wall
    times with `start < end` (no overnight shifts).
    """

    time_zone: str
    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"Unknown time zone {self.time_zone!r}.") from error
        if not self.days <= frozenset(range(7)):
            raise ValueError("Working days are weekday numbers, 0 = Monday .. 6 = Sunday.")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Working hours are local wall times without a time zone.")
        if self.end <= self.start:
            raise ValueError("The working day must end after it starts (no overnight shifts).")

    @property
    def zone(self) -> ZoneInfo:
        """The rep's zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class SlotRules:
    """How slots are cut: lengths and gaps in real minutes, the window in business days."""

    length_minutes: int = 30
    buffer_minutes: int = 10
    notice_minutes: int = 60
    window_business_days: int = 5
    step_minutes: int = 30

    def __post_init__(self) -> None:
        if self.length_minutes <= 0 or self.step_minutes <= 0:
            raise ValueError("Slot length and step must be positive.")
        if min(self.buffer_minutes, self.notice_minutes, self.window_business_days) < 0:
            raise ValueError("Buffer, notice and window must not be negative.")

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.length_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    @property
    def notice(self) -> timedelta:
        return timedelta(minutes=self.notice_minutes)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes)


def business_days(
    *, hours: WorkingHours, rules: SlotRules, today: date, holidays: Collection[date]
) -> list[date]:
    """The first `rules.window_business_days` dates from `today` on (today included) that are
    working weekdays of `hours` and not holidays.

    Holidays are dates in the rep's local calendar. No working weekdays means no dates.
    """
    if not hours.days:
        return []  # otherwise the search below would never end
    days: list[date] = []
    day = today
    # Ends: every week has a working weekday and there are finitely many holidays.
    while len(days) < rules.window_business_days:
        if day.weekday() in hours.days and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return days


def free_slots(
    *,
    hours: WorkingHours,
    rules: SlotRules,
    now: datetime,
    busy: Iterable[Interval],
    holidays: Collection[date],
    limit: int | None = None,
) -> list[datetime]:
    """Start instants (aware, UTC) of the free slots, earliest first, at most `limit` of them.

    Candidates are the grid starts of each business day in the window (see `_day_starts`). A
    candidate is free when it starts at least `notice` after `now` and no busy interval
    overlaps `[start - buffer, start + length + buffer)`.
    """
    _require_aware(now, "now")
    if limit is not None and limit <= 0:
        return []
    busy_starts, busy_ends = _merged(busy)
    earliest = now + rules.notice
    slots: list[datetime] = []
    for day in _window(hours=hours, rules=rules, now=now, holidays=holidays):
        for start in _day_starts(day=day, hours=hours, rules=rules):
            if start < earliest:
                continue
            if _blocked_by_merged(start, rules, busy_starts, busy_ends):
                continue
            slots.append(start)
            if limit is not None and len(slots) >= limit:
                return slots
    return slots


def is_free_slot(
    *,
    start: datetime,
    hours: WorkingHours,
    rules: SlotRules,
    now: datetime,
    busy: Iterable[Interval],
    holidays: Collection[date],
) -> bool:
    """Whether `start` (aware, any zone) is one of `free_slots(...)` for the same arguments.

    Used to check a buyer's pick; it builds only the pick's own day, so it stays cheap.
    """
    _require_aware(start, "start")
    _require_aware(now, "now")
    day = start.astimezone(hours.zone).date()
    if day not in _window(hours=hours, rules=rules, now=now, holidays=holidays):
        return False
    if start < now + rules.notice:
        return False
    if start not in _day_starts(day=day, hours=hours, rules=rules):
        return False  # off the grid, in a clock gap, or running past the end of the day
    return not any(_overlaps(start, rules, interval) for interval in _checked(busy))


def _window(
    *, hours: WorkingHours, rules: SlotRules, now: datetime, holidays: Collection[date]
) -> list[date]:
    """The business days offered at `now`: counted from now's date in the rep's zone."""
    today = now.astimezone(hours.zone).date()
    return business_days(hours=hours, rules=rules, today=today, holidays=holidays)


def _day_starts(*, day: date, hours: WorkingHours, rules: SlotRules) -> Iterator[datetime]:
    """The UTC start instants of `day`'s slot grid, before notice and busy times.

    Starts are the local wall times `hours.start`, `+ step`, ... while `wall start + length`
    is not after `hours.end`. A wall time the clocks skip (spring forward) is left out; one
    they repeat (fall back) is taken once, at its first occurrence. The slot must also end,
    in real time, by the day's closing instant (`_closing_instant`).
    """
    zone = hours.zone
    closes = _closing_instant(day, hours.end, zone)
    wall = datetime.combine(day, hours.start)  # naive: arithmetic on the wall clock
    last_wall_end = datetime.combine(day, hours.end)
    while wall + rules.length <= last_wall_end:
        start = _wall_instant(wall, zone)
        if start is not None and start + rules.length <= closes:
            yield start
        wall += rules.step


def _wall_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of naive wall time `wall` in `zone`: its first occurrence when the
    clocks fall back (fold=0), None when they spring forward over it."""
    local = wall.replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(fold=0):
        return None  # the round trip lands elsewhere: this wall time does not exist
    return instant


def _closing_instant(day: date, end: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the working day ends: `end` on `day` at its first occurrence, or, when
    the clocks spring forward over `end`, the moment they jump (every earlier instant reads
    before `end` on the wall, every later one after it)."""
    wall = datetime.combine(day, end)
    instant = _wall_instant(wall, zone)
    if instant is not None:
        return instant
    # In a gap fold=1 reads the wall time with the offset after the jump (an instant before
    # it) and fold=0 with the offset before (an instant after it): bisect for the jump.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    offset_after = datetime.fromtimestamp(after, zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _overlaps(start: datetime, rules: SlotRules, interval: Interval) -> bool:
    """Whether busy `interval` touches the slot at `start` widened by the buffer on both sides
    (half-open: a block ending exactly at `start - buffer` leaves the slot free)."""
    busy_start, busy_end = interval
    return busy_start < start + rules.length + rules.buffer and busy_end > start - rules.buffer


def _blocked_by_merged(
    start: datetime, rules: SlotRules, busy_starts: list[datetime], busy_ends: list[datetime]
) -> bool:
    """`_overlaps` against merged, sorted, disjoint intervals: only the first interval ending
    after `start - buffer` can overlap, so one bisection decides."""
    index = bisect_right(busy_ends, start - rules.buffer)
    if index == len(busy_ends):
        return False
    return _overlaps(start, rules, (busy_starts[index], busy_ends[index]))


def _merged(busy: Iterable[Interval]) -> tuple[list[datetime], list[datetime]]:
    """Busy intervals in UTC, sorted, with overlapping and touching ones joined, as parallel
    lists of starts and ends (both ascending). Empty intervals block nothing and are dropped."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for busy_start, busy_end in sorted(_checked(busy)):
        if ends and busy_start <= ends[-1]:
            ends[-1] = max(ends[-1], busy_end)
        else:
            starts.append(busy_start)
            ends.append(busy_end)
    return starts, ends


def _checked(busy: Iterable[Interval]) -> Iterator[Interval]:
    """The non-empty busy intervals in UTC; a naive datetime is an error, not a guess."""
    for busy_start, busy_end in busy:
        _require_aware(busy_start, "busy start")
        _require_aware(busy_end, "busy end")
        if busy_end > busy_start:
            yield busy_start.astimezone(UTC), busy_end.astimezone(UTC)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime.")
