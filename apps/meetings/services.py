"""Booking a meeting at the hand-raise, and what follows: reschedule, cancel, the meeting moving
with a reassigned lead, the invitations (ICS) and the reps' busy feeds.

A booking is one transaction: the Meeting, a `meeting` touchpoint on the journey, the first
response (the SLA settled, met if in time) and the lead at work, the play's booking step
ticked, the rep's notice; the invitations (METHOD:REQUEST, one UID for the meeting's life) are
emailed to the buyer and the rep after commit. One rep's bookings are serialised on the rep's
row; on PostgreSQL an exclusion constraint also refuses overlapping meetings of one rep, so a
race can never double-book.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import time
import urllib.parse
import urllib.request
import uuid
import zoneinfo
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, InvalidTransition
from apps.core.queue import enqueue_on_commit
from apps.leads import engagement, events
from apps.leads.models import Lead, Touchpoint
from apps.leads.services import change_status, settle_first_response
from apps.meetings import availability, ics, links, slots
from apps.meetings.links import BadLink, BookingClaim
from apps.meetings.models import BookingRules, BusyFeed, Meeting
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.plays.services.work import complete_booking_step
from apps.users.models import User

logger = logging.getLogger(__name__)

INVITE_TASK = "meetings.send_invitation"
FEED_TIMEOUT_SECONDS = 5
FEED_MAX_BYTES = 2_000_000
REQUEST, CANCEL = "REQUEST", "CANCEL"


def valid_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise InvalidTransition("Choose your time zone from the list.", field="tz")
    return name


def booked_meeting(lead_id: int, *, now: datetime) -> Meeting | None:
    """The lead's upcoming booked meeting, if any (a buyer books one at a time)."""
    return (
        Meeting.objects.filter(lead_id=lead_id, status=Meeting.Status.BOOKED, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )


def _check_slot(
    *, rep: User, start: datetime, now: datetime, booking: BookingRules, exclude_uid: str = ""
) -> None:
    """Refuse a start that has passed, lies outside the rep's working hours, or is taken."""
    if start <= now:
        raise InvalidTransition("That time has passed: pick one of the times below.", field="start")
    rules = availability.rules_for(booking)
    today = now.astimezone(rep.zone).date()
    holidays = availability.holidays_between(today, today + availability.horizon(rules))
    hours = availability.working_hours(rep)
    if hours is None or not slots.is_free_slot(
        start=start, hours=hours, rules=rules, now=now, busy=[], holidays=holidays
    ):
        raise InvalidTransition(
            "That time is not one we offer (outside working hours or too soon): pick one below.",
            field="start",
        )
    if not availability.is_free(
        rep, start=start, now=now, booking=booking, exclude_uid=exclude_uid or None
    ):
        raise Conflict("That time was just taken: pick one of the next free times.", field="start")


def _create(meeting: Meeting) -> Meeting:
    """Insert in a savepoint: PostgreSQL's exclusion constraint refuses an overlap a racing
    booking wrote first."""
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as error:
        raise Conflict(
            "That time was just taken: pick one of the next free times.", field="start"
        ) from error
    return meeting


def _when(meeting: Meeting, zone: zoneinfo.ZoneInfo) -> str:
    local = meeting.starts_at.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} ({zone.key})"


@transaction.atomic(durable=True)
def book(
    *, claim: BookingClaim, start: datetime, buyer_time_zone: str, now: datetime | None = None
) -> Meeting:
    """Book the slot starting at `start` with the rep who owns the claim's lead (see the module
    doc for everything a booking does). Refused: a past start, one outside working hours, a
    taken one, a lead with no rep yet or with a meeting booked already."""
    now = now or timezone.now()
    valid_zone(buyer_time_zone)
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk=claim.lead_id)
        .first()
    )
    if lead is None or lead.is_archived:
        raise BadLink("This booking link is not valid.", field="link")
    if lead.owner_id is None:
        raise Conflict("No rep has been assigned yet: we will contact you shortly.", field="start")
    rep = User.objects.select_for_update().get(pk=lead.owner_id)  # one booking per rep at once
    if booked_meeting(lead.pk, now=now) is not None:
        raise Conflict("You already have a meeting booked: see it below.", field="start")
    booking = BookingRules.current()
    _check_slot(rep=rep, start=start, now=now, booking=booking)
    meeting = _create(
        Meeting(
            uid=f"{uuid.uuid4()}@revenue-desk",
            lead=lead,
            rep=rep,
            starts_at=start,
            ends_at=start + timedelta(minutes=booking.length_minutes),
            buyer_time_zone=buyer_time_zone,
            asset_id=claim.asset_id,
            raised_at=claim.raised_at,
            booked_at=now,
        )
    )
    touch = Touchpoint.objects.create(
        lead=lead,
        account=lead.account,
        kind=Touchpoint.Kind.MEETING,
        occurred_at=now,
        metadata={"meeting": meeting.uid, "starts_at": start.isoformat(), "booked_by": "buyer"},
    )
    engagement.touches_written([(lead.account_id, now, lead.buying_role, None)])
    events.touchpoint_added_event(
        lead=lead, touchpoint_id=touch.pk, campaign_id=None, kind=touch.kind, asset="", actor=None
    )
    fields = ["updated_at"]
    settle_first_response(
        lead=lead, actor=rep, at=now, fields=fields, reason="meeting booked by the buyer"
    )
    if lead.status == Lead.Status.READY:
        change_status(
            lead=lead, new=Lead.Status.WORKING, actor=rep, reason="meeting booked", fields=fields
        )
    lead.save(update_fields=fields)
    complete_booking_step(lead=lead, rep=rep, at=now)
    notify(
        recipients=[rep],
        kind=Notification.Kind.MEETING,
        lead=lead,
        title=f"{lead.display_name} booked a meeting with you: {_when(meeting, rep.zone)}",
        body="Booked from the form right after the hand-raise; the invitation is in your email.",
        email=False,  # the invitation is the email
    )
    enqueue_on_commit(INVITE_TASK, meeting.pk, REQUEST, [meeting.rep_id])
    return meeting


def _meeting(uid: str, *, now: datetime) -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("lead", "rep")
        .filter(uid=uid)
        .first()
    )
    if meeting is None:
        raise BadLink("This meeting link is not valid.", field="link")
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict("This meeting was cancelled.", field="link")
    if meeting.starts_at <= now:
        raise Conflict("This meeting has already started.", field="link")
    return meeting


@transaction.atomic(durable=True)
def reschedule(*, uid: str, start: datetime, now: datetime | None = None) -> Meeting:
    """Move the meeting to another free slot of its rep: the same UID, the next SEQUENCE, a new
    invitation to both."""
    now = now or timezone.now()
    meeting = _meeting(uid, now=now)
    User.objects.select_for_update().get(pk=meeting.rep_id)
    booking = BookingRules.current()
    _check_slot(rep=meeting.rep, start=start, now=now, booking=booking, exclude_uid=uid)
    meeting.starts_at = start
    meeting.ends_at = start + timedelta(minutes=booking.length_minutes)
    meeting.sequence += 1
    try:
        with transaction.atomic():
            meeting.save(update_fields=["starts_at", "ends_at", "sequence"])
    except IntegrityError as error:
        raise Conflict("That time was just taken: pick another.", field="start") from error
    notify(
        recipients=[meeting.rep],
        kind=Notification.Kind.MEETING,
        lead=meeting.lead,
        title=f"{meeting.lead.display_name} moved your meeting to {_when(meeting, meeting.rep.zone)}",
        email=False,
    )
    enqueue_on_commit(INVITE_TASK, meeting.pk, REQUEST, [meeting.rep_id])
    return meeting


@transaction.atomic(durable=True)
def cancel(*, uid: str, now: datetime | None = None) -> Meeting:
    """The buyer cancels: the meeting is kept as cancelled, METHOD:CANCEL goes to both."""
    now = now or timezone.now()
    meeting = _meeting(uid, now=now)
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "sequence"])
    notify(
        recipients=[meeting.rep],
        kind=Notification.Kind.MEETING,
        lead=meeting.lead,
        title=f"{meeting.lead.display_name} cancelled the meeting of {_when(meeting, meeting.rep.zone)}",
        body="Call them to find another time.",
        email=False,
    )
    enqueue_on_commit(INVITE_TASK, meeting.pk, CANCEL, [meeting.rep_id])
    return meeting


def follow_lead(*, lead: Lead, old_rep_id: int | None, new_rep: User, now: datetime) -> None:
    """The lead was reassigned: its upcoming meetings move to the new rep where the new rep is
    free then (same UID, next SEQUENCE; the buyer and the new rep get the update, the previous
    rep a cancellation); where the new rep is not, the meeting stays and the new rep is told.
    Caller holds the lead's lock, in routing's transaction."""
    upcoming = list(
        Meeting.objects.select_for_update()
        .filter(lead=lead, status=Meeting.Status.BOOKED, starts_at__gt=now)
        .exclude(rep=new_rep)
    )
    for meeting in upcoming:
        previous = meeting.rep_id
        busy = availability.meetings_busy(
            new_rep.pk, start=meeting.starts_at, end=meeting.ends_at, exclude_uid=meeting.uid
        )
        if busy:
            notify(
                recipients=[new_rep],
                kind=Notification.Kind.MEETING,
                lead=lead,
                title=f"{lead.display_name}'s meeting stays with its rep: you are booked then",
                body=f"{_when(meeting, new_rep.zone)}. Agree with them who takes it.",
                email=False,
            )
            continue
        meeting.rep = new_rep
        meeting.sequence += 1
        try:
            with transaction.atomic():
                meeting.save(update_fields=["rep", "sequence"])
        except IntegrityError:
            continue  # the new rep was booked meanwhile: it stays
        notify(
            recipients=[new_rep],
            kind=Notification.Kind.MEETING,
            lead=lead,
            title=f"{lead.display_name}'s meeting is yours now: {_when(meeting, new_rep.zone)}",
            body="It moved with the lead; the buyer has the updated invitation.",
            email=False,
        )
        enqueue_on_commit(INVITE_TASK, meeting.pk, REQUEST, [new_rep.pk])
        if previous is not None:
            enqueue_on_commit(INVITE_TASK, meeting.pk, CANCEL, [previous], False)


# --- Invitations -------------------------------------------------------------------------------


def invitation_bytes(
    meeting: Meeting, *, method: str, rep: User | None = None, with_buyer: bool = True
) -> bytes:
    """The meeting as an ICS file. `with_buyer` off (the public download behind the meeting's
    link) leaves the buyer's address out: the link must not reveal who booked."""
    rep = rep or meeting.rep
    lead = meeting.lead
    organizer = (rep.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1], rep.display_name)
    return ics.invitation(
        method=method,
        uid=meeting.uid,
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=f"{lead.display_name} and {rep.display_name}"
        if with_buyer
        else f"Meeting with {rep.display_name}",
        description=(
            f"Booked at {settings.SITE_URL}. To reschedule or cancel: "
            f"{links.meeting_url(meeting.uid)}"
        ),
        organizer=organizer,
        attendees=([(lead.email, lead.display_name)] if with_buyer else [])
        + [(organizer[0], rep.display_name)],
        stamp=timezone.now(),
    )


def _invitation_email(
    meeting: Meeting, *, method: str, rep: User | None, ics_file: bytes
) -> EmailMessage:
    """One recipient's email: the buyer (`rep` None) reads their zone and their meeting's link,
    a rep theirs and the lead's page."""
    lead = meeting.lead
    zone = rep.zone if rep else zoneinfo.ZoneInfo(meeting.buyer_time_zone)
    when = _when(meeting, zone)
    minutes = round((meeting.ends_at - meeting.starts_at).total_seconds() / 60)
    if method == CANCEL:
        verb, link = "Cancelled", "This meeting is cancelled."
    elif rep is None:
        verb = "Invitation" if meeting.sequence == 0 else "Updated"
        link = f"Reschedule or cancel: {links.meeting_url(meeting.uid)}"
    else:
        verb = "Invitation" if meeting.sequence == 0 else "Updated"
        link = f"Lead: {settings.SITE_URL}/sales/leads/{lead.pk}/"
    message = EmailMessage(
        subject=f"{verb}: {lead.display_name} and {meeting.rep.display_name}, {when}",
        body=f"{when}, {minutes} minutes.\n{link}\n",
        to=[rep.email if rep else lead.email],
    )
    message.attach("invite.ics", ics_file, f"text/calendar; method={method}; charset=UTF-8")
    return message


def send_invitation(
    *, meeting_id: int, method: str, rep_ids: list[int], to_buyer: bool = True
) -> int:
    """Email the invitation (REQUEST) or cancellation (CANCEL) with its ICS file to the buyer
    (unless `to_buyer` is off) and to the reps named (a moved meeting's previous rep gets the
    CANCEL, organised by them). Returns how many emails went out."""
    meeting = Meeting.objects.select_related("lead", "rep").get(pk=meeting_id)
    shared = invitation_bytes(meeting, method=method)
    recipients: list[User | None] = [None] if to_buyer else []
    recipients += [u for u in User.objects.filter(pk__in=rep_ids) if u.email]
    for rep in recipients:
        own = rep is not None and rep.pk != meeting.rep_id  # the previous rep's cancellation
        ics_file = invitation_bytes(meeting, method=method, rep=rep) if own else shared
        _invitation_email(meeting, method=method, rep=rep, ics_file=ics_file).send()
    return len(recipients)


# --- Busy feeds --------------------------------------------------------------------------------


@transaction.atomic
def set_feed(*, rep: User, url: str) -> BusyFeed | None:
    """Subscribe (or with a blank URL, drop) the rep's busy feed; the worker fetches it."""
    url = url.strip()
    if not url:
        BusyFeed.objects.filter(rep=rep).delete()
        return None
    if not url.startswith(("https://", "http://", "webcal://")):
        raise InvalidTransition("Give the feed's https:// (or webcal://) address.", field="ics_url")
    feed, _ = BusyFeed.objects.update_or_create(
        rep=rep, defaults={"url": url, "status": BusyFeed.Status.PENDING, "error": ""}
    )
    enqueue_on_commit("meetings.refresh_feed", feed.pk)
    return feed


def _check_host(url: str) -> None:
    """Refuse a feed on a loopback, private or link-local address (the worker must not become
    a way into the internal network), unless BUSY_FEED_ALLOW_PRIVATE is on."""
    if settings.BUSY_FEED_ALLOW_PRIVATE:
        return
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as error:
        raise ics.FeedError(f"The feed's host {host!r} cannot be found.") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            raise ics.FeedError("The feed address points inside our own network.")


def _fetch(url: str) -> bytes:
    """GET the feed over http(s) only, within FEED_TIMEOUT_SECONDS for the whole download (a
    server trickling bytes is cut off) and FEED_MAX_BYTES; a broken HTTP answer is a FeedError."""
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    if not url.startswith(("https://", "http://")):
        raise ics.FeedError("The feed address must start with https://.")
    _check_host(url)
    deadline = time.monotonic() + FEED_TIMEOUT_SECONDS
    request = urllib.request.Request(url, headers={"User-Agent": "Revenue Desk busy feed"})  # noqa: S310 - scheme checked above
    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=FEED_TIMEOUT_SECONDS) as response:  # noqa: S310
            while chunk := response.read1(64 * 1024):  # what has arrived, not all of it
                chunks.append(chunk)
                size += len(chunk)
                if size > FEED_MAX_BYTES:
                    raise ics.FeedError("The feed is larger than 2 MB.")
                if time.monotonic() > deadline:
                    raise ics.FeedError(f"The feed took longer than {FEED_TIMEOUT_SECONDS} s.")
    except http.client.HTTPException as error:
        raise ics.FeedError(f"The feed server's answer could not be read ({error!r}).") from error
    return b"".join(chunks)


def refresh_feed(*, feed_id: int, now: datetime | None = None) -> str:
    """Fetch one feed (short timeout) and cache its busy times over the booking window. A
    failure is recorded on the feed with its reason and keeps the last good busy times, so a
    broken calendar never breaks routing or the booking page. Returns the new status."""
    now = now or timezone.now()
    feed = BusyFeed.objects.select_related("rep").filter(pk=feed_id).first()
    if feed is None:
        return "gone"
    rules = availability.rules_for(BookingRules.current())
    try:
        data = _fetch(feed.url)
        blocks = ics.busy_times(
            data,
            start=now - timedelta(days=1),
            end=now + availability.horizon(rules),
            time_zone=str(feed.rep.zone),
        )
    except (OSError, ValueError, ics.FeedError) as error:
        reason = str(error) or error.__class__.__name__
        BusyFeed.objects.filter(pk=feed.pk).update(
            status=BusyFeed.Status.FAILING,
            checked_at=now,
            error=f"Could not read the feed: {reason}"[:300],
        )
        logger.warning("busy feed %s failed: %s", feed.pk, reason)
        return BusyFeed.Status.FAILING
    BusyFeed.objects.filter(pk=feed.pk).update(
        status=BusyFeed.Status.OK,
        checked_at=now,
        fetched_at=now,
        error="",
        busy=[[s.isoformat(), e.isoformat()] for s, e in blocks],
    )
    return BusyFeed.Status.OK


def refresh_feeds(*, now: datetime | None = None) -> int:
    """Refresh every feed (the beat runs this every 15 minutes); one feed failing in a way
    nobody foresaw is logged and never stops the others. Returns how many are working."""
    working = 0
    for pk in BusyFeed.objects.values_list("pk", flat=True):
        try:
            working += refresh_feed(feed_id=pk, now=now) == BusyFeed.Status.OK
        except Exception:  # noqa: BLE001 - one broken calendar must not stall every rep's
            logger.exception("busy feed %s could not be refreshed", pk)
    return working
