"""What the buyer's booking page shows: waiting for routing, the rep's free slots in the buyer's
time zone (grouped by their local day), the fallback when there is no rep or no slot, or the
meeting they already booked; and a rep's upcoming meetings (the lead page, Today)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db.models import QuerySet

from apps.leads.models import Lead
from apps.meetings import availability
from apps.meetings.links import BookingClaim, meeting_token
from apps.meetings.models import BookingRules, Meeting
from apps.users.models import User

WAITING, SLOTS, CONTACT, BOOKED = "waiting", "slots", "contact", "booked"
COMMON_ZONES = (
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    label: str  # "14:30", in the buyer's zone

    @property
    def value(self) -> str:
        return self.start.isoformat()


@dataclass(frozen=True)
class SlotDay:
    day: date
    label: str  # "Wednesday 2 December"
    slots: list[Slot]


@dataclass(frozen=True)
class BookingState:
    """One of: waiting (routing has not named the rep yet: ask again shortly), slots, contact
    (no rep, or no free slot in the window: sales will contact them), booked (a meeting is
    booked already)."""

    kind: str
    zone: str
    rep_name: str = ""
    days: list[SlotDay] = field(default_factory=list)
    meeting: Meeting | None = None
    meeting_token: str = ""
    length_minutes: int = 30
    window_days: int = 5


def zone_or_utc(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def zone_choices(current: str) -> list[str]:
    """The time zones the buyer picks from: the common ones first, then every other."""
    others = sorted(zoneinfo.available_timezones() - set(COMMON_ZONES))
    choices = list(COMMON_ZONES) + others
    if current not in choices:
        choices.insert(0, current)
    return choices


def group_slots(starts: list[datetime], zone: zoneinfo.ZoneInfo) -> list[SlotDay]:
    local = [(start, start.astimezone(zone)) for start in starts]
    return [
        SlotDay(
            day=day,
            label=f"{day:%A} {day.day} {day:%B}",
            slots=[Slot(start=utc, label=f"{moment:%H:%M}") for utc, moment in items],
        )
        for day, items in ((d, list(g)) for d, g in groupby(local, key=lambda p: p[1].date()))
    ]


def booking_state(*, claim: BookingClaim, zone_name: str, now: datetime) -> BookingState:
    """What the buyer sees now (BookingState's kinds), slots in `zone_name`."""
    zone = zone_or_utc(zone_name)
    booking = BookingRules.current()
    lead = Lead.objects.select_related("owner").get(pk=claim.lead_id)

    def state(kind: str, rep: User | None = None, **parts: object) -> BookingState:
        return BookingState(
            kind=kind,
            zone=zone.key,
            rep_name=rep.display_name if rep else "",
            length_minutes=booking.length_minutes,
            window_days=booking.window_business_days,
            **parts,  # type: ignore[arg-type]
        )

    meeting = (
        Meeting.objects.select_related("rep")
        .filter(lead=lead, status=Meeting.Status.BOOKED, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    if meeting is not None:
        return state(BOOKED, meeting.rep, meeting=meeting, meeting_token=meeting_token(meeting.uid))
    rep = lead.owner
    if rep is None or lead.is_archived:
        # still routing: ready, not left in the team pool (nobody could take it) nor held, and
        # within the wait; otherwise sales will contact them
        routing = (
            rep is None
            and lead.status == Lead.Status.READY
            and lead.pooled_at is None
            and now - claim.raised_at < timedelta(seconds=booking.wait_seconds)
        )
        return state(WAITING if routing else CONTACT)
    starts = availability.free_slots(rep, now=now, booking=booking)
    if not starts:
        return state(CONTACT, rep)
    return state(SLOTS, rep, days=group_slots(starts, zone))


def reschedule_days(meeting: Meeting, *, zone_name: str, now: datetime) -> list[SlotDay]:
    """The meeting's rep's free slots, the meeting's own time counted free."""
    starts = availability.free_slots(meeting.rep, now=now, exclude_uid=meeting.uid)
    return group_slots(starts, zone_or_utc(zone_name))


def upcoming_meetings(
    *, rep: User | None = None, lead: Lead | None = None, now: datetime
) -> QuerySet[Meeting]:
    """Booked meetings not over yet, soonest first, for a rep (Today) or a lead (its page)."""
    meetings = Meeting.objects.filter(status=Meeting.Status.BOOKED, ends_at__gt=now)
    if rep is not None:
        meetings = meetings.filter(rep=rep)
    if lead is not None:
        meetings = meetings.filter(lead=lead)
    return meetings.select_related("lead", "rep").order_by("starts_at")
