"""Calendar files: the invitations we send (iTIP REQUEST/CANCEL) and the busy feeds we read.

All iCalendar text is written and parsed by `icalendar` and recurrences are expanded by
`recurring_ical_events`: hand-built ICS text is how user input ends up injecting properties.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events  # type: ignore[import-untyped]
from icalendar import Calendar, Component, Event, vCalAddress

PRODID = "-//Revenue Desk//Meetings//EN"
# iTIP method -> the VEVENT STATUS that goes with it.
_STATUS_FOR_METHOD = {"REQUEST": "CONFIRMED", "CANCEL": "CANCELLED"}
# FREEBUSY types that mean the time is taken (RFC 5545 3.2.9); FREE is the only other one.
_BUSY_TYPES = frozenset({"BUSY", "BUSY-UNAVAILABLE", "BUSY-TENTATIVE"})

Interval = tuple[datetime, datetime]


class FeedError(Exception):
    """A busy feed we cannot read completely: not iCalendar text, or a broken event in it."""


def invitation(
    *,
    method: str,
    uid: str,
    sequence: int,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    organizer: tuple[str, str],
    attendees: Sequence[tuple[str, str]],
    stamp: datetime,
) -> bytes:
    """An iTIP message (RFC 5546) with one VEVENT: "REQUEST" books or moves the meeting,
    "CANCEL" withdraws it. Organizer and attendees are (email, display name) pairs.

    Calendar clients match messages by UID and keep the highest SEQUENCE, so a move or a
    cancellation must reuse the UID with a larger sequence. Times are written in UTC to the
    second (iCalendar has no smaller unit). Text values and parameters are escaped by
    icalendar, so user text cannot add properties.
    """
    if method not in _STATUS_FOR_METHOD:
        raise ValueError(f"Unknown iTIP method {method!r}: use REQUEST or CANCEL.")
    if not uid.strip():
        raise ValueError("An invitation needs a UID.")
    if sequence < 0:
        raise ValueError("SEQUENCE must not be negative.")
    start, end = _utc_second(starts_at, "starts_at"), _utc_second(ends_at, "ends_at")
    if end <= start:
        raise ValueError("The meeting must end after it starts.")

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", _utc_second(stamp, "stamp"))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    event.add("status", _STATUS_FOR_METHOD[method])
    event.add("organizer", _address(*organizer))
    for email, name in attendees:
        event.add(
            "attendee",
            _address(email, name, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
        )

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    payload: bytes = calendar.to_ical()
    return payload


def busy_times(data: bytes, *, start: datetime, end: datetime, time_zone: str) -> list[Interval]:
    """The busy intervals of an ICS feed that overlap `[start, end)`, as aware UTC pairs
    sorted by start (not clipped to the window).

    Recurring events are expanded (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides); events
    marked TRANSP:TRANSPARENT or STATUS:CANCELLED do not block. All-day events block whole
    local days and floating times are read in `time_zone`. An event without DTEND lasts its
    DURATION, else one day when all-day, else no time (and is dropped). VFREEBUSY periods of
    the BUSY types are included. Raises FeedError when the feed cannot be read completely:
    skipping a broken event would offer a buyer times the rep is actually taken.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return []
    zone = ZoneInfo(time_zone)
    calendar = _parse(data)
    try:
        spans = [
            *_event_spans(calendar, start=start, end=end, zone=zone),
            *_freebusy_spans(calendar, zone=zone),
        ]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        # icalendar and recurring_ical_events report broken values with these.
        raise FeedError(f"The busy feed has an event we cannot read: {error}") from error
    return sorted(
        (busy_start, busy_end)
        for busy_start, busy_end in spans
        if busy_start < busy_end and busy_start < end and busy_end > start
    )


def _parse(data: bytes) -> Calendar:
    """The feed's VCALENDAR, or FeedError for anything else."""
    try:
        component = Calendar.from_ical(data)
    except ValueError as error:
        raise FeedError(
            "The busy feed is not an iCalendar file (expected BEGIN:VCALENDAR ... END:VCALENDAR)."
        ) from error
    if not isinstance(component, Calendar) or component.name != "VCALENDAR":
        raise FeedError(
            f"The busy feed holds a {component.name or 'nameless'} component, not a VCALENDAR."
        )
    return component


def _event_spans(
    calendar: Calendar, *, start: datetime, end: datetime, zone: ZoneInfo
) -> Iterator[Interval]:
    """The UTC spans of the blocking VEVENT occurrences near `[start, end)`."""
    # recurring_ical_events compares floating times as wall times of the window's zone, so
    # ask in the rep's zone; the extra day on each side catches all-day events, which we
    # place in the rep's zone ourselves (the caller filters the spans to the exact window).
    window = (start.astimezone(zone) - timedelta(days=1), end.astimezone(zone) + timedelta(days=1))
    for event in recurring_ical_events.of(calendar).between(*window):
        if _text(event, "TRANSP") == "TRANSPARENT" or _text(event, "STATUS") == "CANCELLED":
            continue
        yield _event_span(event, zone)


def _event_span(event: Component, zone: ZoneInfo) -> Interval:
    """One occurrence's UTC span: DTEND, else DTSTART + DURATION, else one day when all-day,
    else zero length."""
    begins: date = event.decoded("DTSTART")
    if "DTEND" in event:
        ends: date = event.decoded("DTEND")
    elif "DURATION" in event:
        ends = begins + event.decoded("DURATION")
    elif _is_all_day(begins):
        ends = begins + timedelta(days=1)
    else:
        ends = begins
    return _utc(begins, zone), _utc(ends, zone)


def _freebusy_spans(calendar: Calendar, *, zone: ZoneInfo) -> Iterator[Interval]:
    """The UTC spans of VFREEBUSY periods whose FBTYPE (default BUSY) means taken."""
    for component in calendar.walk("VFREEBUSY"):
        periods: Any = component.get("FREEBUSY", [])
        if not isinstance(periods, list):
            periods = [periods]  # a single FREEBUSY line with a single period
        for period in periods:
            if str(period.params.get("FBTYPE", "BUSY")).upper() in _BUSY_TYPES:
                yield _utc(period.start, zone), _utc(period.end, zone)


def _utc(value: date, zone: ZoneInfo) -> datetime:
    """A DTSTART-like value as an aware UTC instant: a date is local midnight in `zone`, a
    floating (naive) datetime is a wall time in `zone`."""
    if _is_all_day(value):
        return datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


def _is_all_day(value: date) -> bool:
    return not isinstance(value, datetime)


def _text(component: Component, name: str) -> str:
    return str(component.get(name, "")).strip().upper()


def _address(email: str, name: str, **params: str) -> vCalAddress:
    """A mailto: calendar address with its display name as CN (icalendar quotes it)."""
    email = email.strip()
    if not email or "@" not in email or any(char.isspace() for char in email):
        raise ValueError(f"Not an email address: {email!r}")
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def _utc_second(value: datetime, name: str) -> datetime:
    """`value` in UTC without microseconds, which iCalendar cannot carry."""
    _require_aware(value, name)
    return value.astimezone(UTC).replace(microsecond=0)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime.")
