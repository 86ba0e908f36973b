"""Booking at the hand-raise (issue 18): one transaction books the routed rep's slot, writes the
journey's meeting touch, settles the SLA as met, ticks the play's booking step and emails both
sides an ICS invitation; reschedule keeps the UID, cancel sends METHOD:CANCEL; a reassigned
lead's meeting moves with it; bad input (a past, taken or off-hours slot, a tampered or expired
link) is refused with nothing written."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.core import mail, signing
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import Conflict, InvalidTransition
from apps.intake.models import IntakeSource
from apps.leads.models import Lead, LeadEvent, Touchpoint
from apps.meetings import availability, links, selectors, services
from apps.meetings.links import BadLink, BookingClaim
from apps.meetings.models import Meeting
from apps.notifications.models import Notification
from apps.plays.models import LeadPlayStep
from apps.routing import services as routing
from tests import factories

pytestmark = pytest.mark.django_db


def _calendar(message) -> icalendar.Calendar:  # type: ignore[no-untyped-def]
    (name, content, mimetype) = message.attachments[0]
    assert name == "invite.ics"
    assert mimetype.startswith("text/calendar; method=")
    return icalendar.Calendar.from_ical(content)


def _event(calendar: icalendar.Calendar) -> icalendar.Event:
    return next(iter(calendar.walk("VEVENT")))


def _first_slot(lead: Lead, *, now: datetime) -> datetime:
    return availability.free_slots(lead.owner, now=now, limit=1)[0]


def test_booking_does_everything_in_one_go(raise_hand, rep, django_capture_on_commit_callbacks):
    # given: a hand-raise routed to a rep, a few seconds ago
    lead, claim = raise_hand()
    assert lead.owner is not None
    assert lead.sla_state == Lead.SlaState.PENDING
    now = timezone.now()
    start = _first_slot(lead, now=now)
    mail.outbox.clear()  # the rep's assignment notice
    # when the buyer books the first free slot in their zone
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.book(
            claim=claim, start=start, buyer_time_zone="America/New_York", now=now
        )
    # then the meeting is the rep's, 30 minutes, with a stable UID
    assert (meeting.rep_id, meeting.starts_at, meeting.ends_at) == (
        lead.owner_id,
        start,
        start + timedelta(minutes=30),
    )
    assert meeting.uid.endswith("@revenue-desk")
    assert meeting.sequence == 0
    assert (meeting.raised_at, meeting.booked_at) == (claim.raised_at, now)
    # the journey has the meeting, the SLA is settled as met, the lead is being worked
    lead.refresh_from_db()
    touch = Touchpoint.objects.get(lead=lead, kind=Touchpoint.Kind.MEETING)
    assert touch.metadata["meeting"] == meeting.uid
    assert (lead.first_response_at, lead.sla_state, lead.status) == (
        now,
        Lead.SlaState.MET,
        Lead.Status.WORKING,
    )
    sla = LeadEvent.objects.filter(lead=lead, kind="sla").latest("pk")
    assert (sla.new_value, sla.reason) == ("met", "meeting booked by the buyer")
    # the play's booking step is done, credited to the rep; the call step is still open
    steps = dict(
        LeadPlayStep.objects.filter(lead_play__lead=lead).values_list("title", "completed_by")
    )
    assert steps == {"Call now": None, "Email a calendar link": lead.owner_id}
    # the rep is told in the app (no second email), and both get the invitation
    note = Notification.objects.get(kind=Notification.Kind.MEETING)
    assert note.recipient_id == lead.owner_id
    assert note.emailed_at is None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lead.email, lead.owner.email])
    for message in mail.outbox:
        calendar = _calendar(message)
        event = _event(calendar)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == meeting.uid
        assert event.decoded("DTSTART") == start
        assert event.decoded("DTEND") == start + timedelta(minutes=30)
        assert {str(a) for a in event.get("ATTENDEE")} == {
            f"mailto:{lead.email}",
            f"mailto:{lead.owner.email}",
        }
    buyer = next(m for m in mail.outbox if m.to == [lead.email])
    assert "America/New_York" in buyer.subject  # the buyer reads their own zone
    assert links.meeting_url(meeting.uid).split("/book/m/")[0] in buyer.body


def test_a_second_booking_of_a_taken_slot_is_refused_and_writes_nothing(raise_hand):
    first, first_claim = raise_hand("a@buyer.example")
    second, second_claim = raise_hand("b@buyer.example")
    # both routed to the same rep (the round-robin alternates: move the second to the first's rep)
    Lead.objects.filter(pk=second.pk).update(owner=first.owner)
    now = timezone.now()
    start = _first_slot(first, now=now)
    services.book(claim=first_claim, start=start, buyer_time_zone="UTC", now=now)
    with pytest.raises(Conflict) as refused:
        services.book(claim=second_claim, start=start, buyer_time_zone="UTC", now=now)
    assert refused.value.field == "start"
    assert "just taken" in refused.value.message
    assert Meeting.objects.count() == 1
    assert not Touchpoint.objects.filter(lead=second, kind="meeting").exists()
    assert Lead.objects.get(pk=second.pk).first_response_at is None


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        pytest.param(timedelta(hours=-2), "has passed", id="past"),
        pytest.param(timedelta(minutes=7), "not one we offer", id="off-grid"),
        pytest.param("night", "not one we offer", id="outside-hours"),
    ],
)
def test_a_slot_we_do_not_offer_is_refused(raise_hand, shift, message):
    lead, claim = raise_hand()
    now = timezone.now()
    start = _first_slot(lead, now=now)
    if shift == "night":
        start = start.replace(hour=3, minute=0)
        if start <= now:
            start += timedelta(days=1)
    else:
        start = (now if shift < timedelta(0) else start) + shift
    with pytest.raises(InvalidTransition) as refused:
        services.book(claim=claim, start=start, buyer_time_zone="UTC", now=now)
    assert refused.value.field == "start"
    assert message in refused.value.message
    assert not Meeting.objects.exists()
    assert Lead.objects.get(pk=lead.pk).sla_state == Lead.SlaState.PENDING


def test_one_meeting_per_hand_raise(raise_hand):
    lead, claim = raise_hand()
    now = timezone.now()
    starts = availability.free_slots(lead.owner, now=now, limit=3)
    services.book(claim=claim, start=starts[0], buyer_time_zone="UTC", now=now)
    with pytest.raises(Conflict, match="already have a meeting"):
        services.book(claim=claim, start=starts[2], buyer_time_zone="UTC", now=now)
    assert Meeting.objects.count() == 1


def test_an_unknown_time_zone_is_refused(raise_hand):
    lead, claim = raise_hand()
    now = timezone.now()
    with pytest.raises(InvalidTransition) as refused:
        services.book(
            claim=claim, start=_first_slot(lead, now=now), buyer_time_zone="Mars/Olympus", now=now
        )
    assert refused.value.field == "tz"
    assert not Meeting.objects.exists()


def test_a_lead_with_no_rep_yet_cannot_book(raise_hand):
    lead, claim = raise_hand()
    start = _first_slot(lead, now=timezone.now())
    Lead.objects.filter(pk=lead.pk).update(
        owner=None, assigned_at=None, sla_state=Lead.SlaState.NONE, sla_due_at=None
    )
    with pytest.raises(Conflict, match="No rep has been assigned yet"):
        services.book(claim=claim, start=start, buyer_time_zone="UTC")
    assert not Meeting.objects.exists()


def test_a_tampered_or_expired_link_is_refused(monkeypatch):
    token = links.booking_token(lead_id=7, asset_id=3, raised_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert links.read_booking_token(token) == BookingClaim(
        lead_id=7, asset_id=3, raised_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    with pytest.raises(BadLink, match="not valid"):
        links.read_booking_token(token[:-2] + ("A" if token[-1] != "A" else "B") + token[-1])
    with pytest.raises(BadLink, match="not valid"):
        links.read_meeting_token(token)  # a booking link is not a meeting link
    later = time.time() + links.BOOK_LINK_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with pytest.raises(BadLink, match="expired"):
        links.read_booking_token(token)


def test_reschedule_keeps_the_uid_and_cancel_sends_a_cancellation(
    raise_hand, django_capture_on_commit_callbacks
):
    lead, claim = raise_hand()
    now = timezone.now()
    first, _, third = availability.free_slots(lead.owner, now=now, limit=3)
    meeting = services.book(claim=claim, start=first, buyer_time_zone="UTC", now=now)
    # when moved to the third slot
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.reschedule(uid=meeting.uid, start=third, now=now)
    assert (moved.uid, moved.sequence, moved.starts_at) == (meeting.uid, 1, third)
    event = _event(_calendar(mail.outbox[0]))
    assert (str(event["UID"]), event["SEQUENCE"], event.decoded("DTSTART")) == (
        meeting.uid,
        1,
        third,
    )
    assert mail.outbox[0].subject.startswith("Updated:")
    # the first slot is free again
    assert first in availability.free_slots(lead.owner, now=now)
    # when cancelled
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(uid=meeting.uid, now=now)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancelled_at, meeting.sequence) == ("cancelled", now, 2)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        calendar = _calendar(message)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(_event(calendar)["UID"]) == meeting.uid
        assert str(_event(calendar)["STATUS"]) == "CANCELLED"
    with pytest.raises(Conflict, match="cancelled"):
        services.reschedule(uid=meeting.uid, start=third, now=now)


def test_the_meeting_moves_with_a_reassigned_lead(
    raise_hand, manager, rep, other_rep, django_capture_on_commit_callbacks
):
    lead, claim = raise_hand()
    now = timezone.now()
    meeting = services.book(
        claim=claim, start=_first_slot(lead, now=now), buyer_time_zone="UTC", now=now
    )
    old = lead.owner
    new = other_rep if old == rep else rep
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        routing.reassign_lead(lead_id=lead.pk, to_rep=new, actor=manager, reason="cover")
    meeting.refresh_from_db()
    assert (meeting.rep_id, meeting.sequence) == (new.pk, 1)
    sent = {m.to[0]: str(_calendar(m)["METHOD"]) for m in mail.outbox if m.attachments}
    assert sent == {lead.email: "REQUEST", new.email: "REQUEST", old.email: "CANCEL"}
    assert Notification.objects.filter(
        recipient=new, kind=Notification.Kind.MEETING, title__contains="is yours now"
    ).exists()


def test_the_booking_page_flow(client, raise_hand):
    lead, claim = raise_hand()
    token = links.booking_token(lead_id=lead.pk, asset_id=claim.asset_id, raised_at=claim.raised_at)
    page = client.get(f"/book/{token}/?tz=Europe/Berlin")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Book a 30-minute meeting with {lead.owner.display_name}" in html
    start = _first_slot(lead, now=timezone.now())
    shown = start.astimezone(ZoneInfo("Europe/Berlin"))
    assert f'value="{start.isoformat()}" class="slot">{shown:%H:%M}<' in html
    booked = client.post(f"/book/{token}/", {"start": start.isoformat(), "tz": "Europe/Berlin"})
    assert booked.status_code == 302
    meeting = Meeting.objects.get(lead=lead)
    assert booked["Location"] == f"/book/m/{links.meeting_token(meeting.uid)}/"
    confirmation = client.get(booked["Location"]).content.decode()
    assert "Your meeting is booked" in confirmation
    berlin = start.astimezone(ZoneInfo("Europe/Berlin"))
    ends = berlin + timedelta(minutes=30)
    assert f"{berlin:%H:%M}–{ends:%H:%M}</strong> (Europe/Berlin)" in confirmation
    # booking again says it is booked, and a taken or bad slot is a clear refusal
    again = client.post(f"/book/{token}/", {"start": start.isoformat(), "tz": "Europe/Berlin"})
    assert again.status_code == 409
    assert "already have a meeting" in again.content.decode()
    refused = client.post(f"/book/{token}/", {"start": "soon", "tz": "UTC"})
    assert refused.status_code == 422
    assert "Pick one of the times below." in refused.content.decode()
    assert client.get("/book/not-a-token/").status_code == 400
    assert "not valid" in client.get("/book/m/not-a-token/").content.decode()


def test_the_intake_api_answers_a_booking_hand_raise_with_its_signed_link(
    client, booking_world, django_capture_on_commit_callbacks
):
    # given the website's intake key
    key = "test-intake-key-0123456789"
    IntakeSource.objects.create(
        name="Website",
        slug="website",
        key_prefix=key[:8],
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
    )
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=key)
    # when a hand-raise arrives on the booking form, and one on a form without booking
    with django_capture_on_commit_callbacks(execute=True):
        booked = api.post(
            "/api/v1/intake/",
            {"email": "eve@buyer.example", "asset": booking_world.slug},
            format="json",
        )
    plain = factories.AssetFactory(slug="whitepaper")
    other = api.post(
        "/api/v1/intake/", {"email": "ian@buyer.example", "asset": plain.slug}, format="json"
    )
    # then only the first carries a booking link, signed for that lead and form
    assert booked.status_code == 201
    url = booked.json()["booking_url"]
    assert url.startswith(f"{settings.SITE_URL}/book/")
    claim = links.read_booking_token(url.removeprefix(f"{settings.SITE_URL}/book/").rstrip("/"))
    lead = Lead.objects.get(email="eve@buyer.example")
    assert (claim.lead_id, claim.asset_id) == (lead.pk, booking_world.pk)
    assert "booking_url" not in other.json()
    # and the link opens the booking page with the routed rep's times
    page = client.get(url.removeprefix(settings.SITE_URL))
    assert f"Book a 30-minute meeting with {lead.owner.display_name}" in page.content.decode()


def test_the_page_waits_for_routing_then_says_sales_will_call(raise_hand, rep, other_rep):
    # given a hand-raise that routing left in the team pool (nobody available)
    for user in (rep, other_rep):
        user.is_available = False
        user.save(update_fields=["is_available"])
    lead, claim = raise_hand()
    assert lead.owner is None
    assert lead.pooled_at is not None
    # then the buyer is told at once that sales will contact them: no wait for a rep
    state = selectors.booking_state(claim=claim, zone_name="UTC", now=claim.raised_at)
    assert state.kind == selectors.CONTACT
    # while a lead routing has not reached yet is waited for, up to the wait
    Lead.objects.filter(pk=lead.pk).update(pooled_at=None)
    assert selectors.booking_state(claim=claim, zone_name="UTC", now=claim.raised_at).kind == (
        selectors.WAITING
    )
    later = claim.raised_at + timedelta(seconds=8)
    assert selectors.booking_state(claim=claim, zone_name="UTC", now=later).kind == (
        selectors.CONTACT
    )


@pytest.mark.parametrize(
    "start",
    [
        pytest.param("2026-02-30T10:00:00+00:00", id="no-such-day"),
        pytest.param("2026-12-02T10:00:00", id="no-offset"),
        pytest.param("", id="empty"),
        pytest.param("9" * 5000, id="huge"),
        pytest.param("<script>", id="markup"),
    ],
)
def test_a_start_that_is_not_an_offered_instant_is_a_422_naming_it(client, raise_hand, start):
    lead, claim = raise_hand()
    token = links.booking_token(lead_id=lead.pk, asset_id=claim.asset_id, raised_at=claim.raised_at)
    refused = client.post(f"/book/{token}/", {"start": start, "tz": "UTC"})
    assert refused.status_code == 422
    assert "Pick one of the times below." in refused.content.decode()
    assert not Meeting.objects.exists()


def test_the_thank_you_page_ignores_a_booking_link_signed_for_another_form(client, raise_hand):
    lead, claim = raise_hand()
    other = factories.AssetFactory(
        slug="contact-us", hand_raiser=True, is_public_form=True, offers_booking=True
    )
    token = links.booking_token(lead_id=lead.pk, asset_id=claim.asset_id, raised_at=claim.raised_at)
    page = client.get(f"/f/{other.slug}/thanks/?booking={token}").content.decode()
    assert "This booking link is not valid." in page
    assert "Book a 30-minute meeting" not in page
