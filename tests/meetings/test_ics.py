"""Invitations we send and busy feeds we read, checked by parsing them with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from apps.meetings.ics import FeedError, busy_times, invitation

BERLIN = ZoneInfo("Europe/Berlin")
STARTS = datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN)  # 09:00 UTC
ENDS = datetime(2026, 1, 5, 10, 30, tzinfo=BERLIN)
STAMP = datetime(2026, 1, 2, 12, 0, 0, 123456, tzinfo=UTC)
UID = "meeting-42@revenue-desk.example"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_invitation(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "method": "REQUEST",
        "uid": UID,
        "sequence": 0,
        "starts_at": STARTS,
        "ends_at": ENDS,
        "summary": "Intro call: Acme x Revenue Desk",
        "description": "You asked for a demo; here is a time.",
        "organizer": ("sam@revenue-desk.example", "Sam Rep"),
        "attendees": [("buyer@acme.example", "Bea Buyer"), ("cto@acme.example", "Carl CTO")],
        "stamp": STAMP,
    }
    arguments.update(overrides)
    return invitation(**arguments)  # type: ignore[arg-type]


def only_event(payload: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(payload)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


# -- invitations -----------------------------------------------------------------------------


def test_a_request_parses_back_with_the_meeting_and_its_people():
    # when
    calendar, event = only_event(make_invitation())
    # then
    assert str(calendar["PRODID"]) == "-//Revenue Desk//Meetings//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == UID
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == ENDS
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)  # written in UTC
    assert event.decoded("DTSTAMP") == STAMP.replace(microsecond=0)
    assert str(event["SUMMARY"]) == "Intro call: Acme x Revenue Desk"
    assert str(event["DESCRIPTION"]) == "You asked for a demo; here is a time."
    assert str(event["STATUS"]) == "CONFIRMED"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:sam@revenue-desk.example"
    assert organizer.params["CN"] == "Sam Rep"
    attendees = event["ATTENDEE"]
    assert [str(attendee) for attendee in attendees] == [
        "mailto:buyer@acme.example",
        "mailto:cto@acme.example",
    ]
    assert [attendee.params["CN"] for attendee in attendees] == ["Bea Buyer", "Carl CTO"]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_times_are_written_as_utc_values():
    payload = make_invitation()
    assert b"DTSTART:20260105T090000Z" in payload
    assert b"DTEND:20260105T093000Z" in payload
    assert b"DTSTAMP:20260102T120000Z" in payload


def test_a_cancel_reuses_the_uid_with_a_higher_sequence():
    # given the booking
    _, booked = only_event(make_invitation(sequence=0))
    # when it is cancelled
    calendar, cancelled = only_event(make_invitation(method="CANCEL", sequence=1))
    # then clients can match and supersede it
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(booked["UID"]) == UID
    assert cancelled.decoded("SEQUENCE") > booked.decoded("SEQUENCE")


def test_user_text_cannot_inject_properties_or_components():
    # given text a buyer typed, trying to close the event and smuggle in another
    summary = "Demo\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nATTENDEE:mailto:evil@example.com"
    description = "Hi;\r\nORGANIZER:mailto:evil@example.com\\n,done"
    name = 'Bea "the buyer"\nATTENDEE:mailto:evil@example.com'
    # when
    payload = make_invitation(
        summary=summary, description=description, attendees=[("buyer@acme.example", name)]
    )
    # then the text comes back as text, and there is still one event with one attendee
    calendar, event = only_event(payload)
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]) == description.replace("\r\n", "\n")
    assert str(event["UID"]) == UID
    assert str(event["ORGANIZER"]) == "mailto:sam@revenue-desk.example"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:buyer@acme.example"
    lines = payload.decode().split("\r\n")
    assert lines.count("END:VEVENT") == 1
    assert not any(line.startswith(("UID:evil", "ATTENDEE:mailto:evil")) for line in lines)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"method": "PUBLISH"}, "REQUEST or CANCEL"),
        ({"method": "request"}, "REQUEST or CANCEL"),
        ({"ends_at": STARTS}, "end after"),
        ({"ends_at": STARTS - timedelta(minutes=30)}, "end after"),
        ({"starts_at": STARTS.replace(tzinfo=None)}, "aware"),  # a naive time
        ({"sequence": -1}, "SEQUENCE"),
        ({"uid": " "}, "UID"),
        ({"attendees": [("buyer@acme.example\nX-EVIL:1", "Bea")]}, "email"),
    ],
)
def test_a_malformed_invitation_is_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_invitation(**overrides)


# -- busy feeds ------------------------------------------------------------------------------

FEED = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Busy feed//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Weekly standup, Mondays 10:00 Berlin
DTSTART;TZID=Europe/Berlin:20251229T100000
DTEND;TZID=Europe/Berlin:20251229T103000
RRULE:FREQ=WEEKLY;COUNT=5
EXDATE;TZID=Europe/Berlin:20260112T100000
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20251201T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260105T100000
SUMMARY:Standup moved to Wednesday afternoon
DTSTART;TZID=Europe/Berlin:20260107T150000
DTEND;TZID=Europe/Berlin:20260107T160000
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20251201T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260119T100000
SUMMARY:Standup cancelled this week
STATUS:CANCELLED
DTSTART;TZID=Europe/Berlin:20260119T100000
DTEND;TZID=Europe/Berlin:20260119T103000
END:VEVENT
BEGIN:VEVENT
UID:offsite@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Offsite day (all-day, no DTEND)
DTSTART;VALUE=DATE:20260109
END:VEVENT
BEGIN:VEVENT
UID:conference@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Conference (two all-day days)
DTSTART;VALUE=DATE:20260114
DTEND;VALUE=DATE:20260116
END:VEVENT
BEGIN:VEVENT
UID:berlin-call@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Call with the Berlin office
DTSTART;TZID=Europe/Berlin:20260113T090000
DTEND;TZID=Europe/Berlin:20260113T100000
END:VEVENT
BEGIN:VEVENT
UID:floating@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Dentist (floating time)
DTSTART:20260115T090000
DTEND:20260115T100000
END:VEVENT
BEGIN:VEVENT
UID:duration@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Review (DURATION instead of DTEND)
DTSTART:20260116T160000Z
DURATION:PT45M
END:VEVENT
BEGIN:VEVENT
UID:reminder@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Reminder (no end, no duration: takes no time)
DTSTART:20260120T120000Z
END:VEVENT
BEGIN:VEVENT
UID:transparent@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Focus time, shown as free
DTSTART:20260108T160000Z
DTEND:20260108T170000Z
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:cancelled@example.com
DTSTAMP:20251201T000000Z
SUMMARY:Cancelled lunch
DTSTART:20260108T120000Z
DTEND:20260108T130000Z
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:later@example.com
DTSTAMP:20251201T000000Z
SUMMARY:After the window
DTSTART:20260210T120000Z
DTEND:20260210T130000Z
END:VEVENT
BEGIN:VFREEBUSY
UID:freebusy@example.com
DTSTAMP:20251201T000000Z
FREEBUSY:20260120T150000Z/20260120T160000Z,20260121T150000Z/PT1H
FREEBUSY;FBTYPE=FREE:20260122T150000Z/PT1H
FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260123T150000Z/PT1H
END:VFREEBUSY
END:VCALENDAR
""".replace(b"\n", b"\r\n")


def test_busy_times_expands_recurrences_and_reads_every_kind_of_time():
    # when the feed is read for January by a rep in New York (UTC-5)
    busy = busy_times(
        FEED, start=utc(2026, 1, 1), end=utc(2026, 2, 1), time_zone="America/New_York"
    )
    # then
    assert busy == [
        # standup of 5 Jan moved to Wed 7 Jan 15:00-16:00 Berlin (12 Jan EXDATE, 19 Jan cancelled)
        (utc(2026, 1, 7, 14), utc(2026, 1, 7, 15)),
        # all-day 9 Jan: the whole New York day
        (utc(2026, 1, 9, 5), utc(2026, 1, 10, 5)),
        # TZID Europe/Berlin 09:00-10:00
        (utc(2026, 1, 13, 8), utc(2026, 1, 13, 9)),
        # two all-day days, 14 and 15 Jan, in New York
        (utc(2026, 1, 14, 5), utc(2026, 1, 16, 5)),
        # floating 09:00-10:00 read in New York
        (utc(2026, 1, 15, 14), utc(2026, 1, 15, 15)),
        # DURATION PT45M
        (utc(2026, 1, 16, 16), utc(2026, 1, 16, 16, 45)),
        # VFREEBUSY: BUSY by end, BUSY by duration, BUSY-TENTATIVE (FREE is not busy)
        (utc(2026, 1, 20, 15), utc(2026, 1, 20, 16)),
        (utc(2026, 1, 21, 15), utc(2026, 1, 21, 16)),
        (utc(2026, 1, 23, 15), utc(2026, 1, 23, 16)),
        # the last standup in range, Mon 26 Jan 10:00-10:30 Berlin
        (utc(2026, 1, 26, 9), utc(2026, 1, 26, 9, 30)),
    ]
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in busy)


def test_all_day_and_floating_times_follow_the_reps_zone():
    # when the same feed is read by a rep in Berlin (UTC+1 in January)
    busy = busy_times(
        FEED, start=utc(2026, 1, 9), end=utc(2026, 1, 9, 23), time_zone="Europe/Berlin"
    )
    floating = busy_times(
        FEED, start=utc(2026, 1, 15, 7), end=utc(2026, 1, 15, 12), time_zone="Europe/Berlin"
    )
    # then the all-day event is the Berlin day and the dentist is at 09:00 Berlin
    assert busy == [(utc(2026, 1, 8, 23), utc(2026, 1, 9, 23))]
    assert (utc(2026, 1, 15, 8), utc(2026, 1, 15, 9)) in floating


def test_busy_times_keeps_only_what_overlaps_the_window():
    busy = busy_times(
        FEED,
        start=utc(2026, 1, 7, 14, 30),
        end=utc(2026, 1, 9, 5),  # the all-day event starts exactly here: not overlapping
        time_zone="America/New_York",
    )
    assert busy == [(utc(2026, 1, 7, 14), utc(2026, 1, 7, 15))]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"<!doctype html><html><body>Sign in to see this calendar</body></html>",
        b"\xff\xfe\x00\x01 not text",
        b"BEGIN:VCALENDAR\r\n",
        b"BEGIN:VEVENT\r\nUID:1\r\nDTSTART:20260105T100000Z\r\nEND:VEVENT\r\n",
    ],
)
def test_text_that_is_not_a_calendar_raises_feed_error(data):
    with pytest.raises(FeedError, match=r"(?i)icalendar|VCALENDAR"):
        busy_times(data, start=utc(2026, 1, 1), end=utc(2026, 2, 1), time_zone="UTC")


@pytest.mark.parametrize(
    "event",
    [
        b"DTSTART:not-a-time\r\nDTEND:20260105T100000Z",
        b"DTSTART:20260105T100000Z\r\nRRULE:FREQ=NEVER",
        b"SUMMARY:no start at all",
    ],
)
def test_a_broken_event_makes_the_whole_feed_an_error(event):
    # skipping it would offer buyers a time the rep may be taken
    data = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        + event
        + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(FeedError, match="cannot read"):
        busy_times(data, start=utc(2026, 1, 1), end=utc(2026, 2, 1), time_zone="UTC")


def test_an_event_written_end_first_still_blocks_its_span():
    # recurring_ical_events reads DTEND before DTSTART as the span between them: erring on
    # the side of busy is what we want from a feed
    data = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T100000Z\r\n"
        b"DTEND:20260105T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    busy = busy_times(data, start=utc(2026, 1, 1), end=utc(2026, 2, 1), time_zone="UTC")
    assert busy == [(utc(2026, 1, 5, 9), utc(2026, 1, 5, 10))]


def test_an_empty_calendar_has_no_busy_times():
    data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n"
    assert busy_times(data, start=utc(2026, 1, 1), end=utc(2026, 2, 1), time_zone="UTC") == []
