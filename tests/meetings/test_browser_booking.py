"""Booking the meeting at the moment of the hand-raise, in a real browser (Debian's Chromium
through Playwright), issue 18.

What a buyer relies on:
- the thank-you page of a form that offers booking shows the routed rep's free times, in the
  buyer's own time zone (their browser's), changeable in place;
- one click on a time books it and shows the meeting, in the zone they chose;
- a changed link is refused plainly, and with nobody to take the lead they are told sales
  will contact them instead of waiting forever.

What the rep relies on: the meeting is on the lead's page (its SLA met), on Today and in My
calendar.

The world: Sam (Sales, Europe/Berlin, 09:00-17:30 Mon-Fri) alone in the pool, so the hand-raise
is his; `booking_form` and `hand_raiser_play` are tests/meetings/conftest.py's. Routing runs
inline at the form's commit (the eager-Celery autouse fixture). The slots depend on the real
time (weekends, evenings, the notice), so every expected time is derived from
`availability.free_slots`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from time import sleep
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from apps.campaigns.models import Asset
from apps.leads.models import Lead
from apps.meetings import availability, links
from apps.meetings.models import BookingRules, Meeting
from apps.users.models import User
from tests import factories
from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK, LONDON, BERLIN = "America/New_York", "Europe/London", "Europe/Berlin"
SCREENSHOT = "/tmp/rd-booking-thanks.png"
# A whole test stays clear of the next turnover of the offered slots by this much.
TURNOVER_MARGIN = timedelta(seconds=75)


@pytest.fixture
def sam(rep: User) -> User:
    rep.time_zone = BERLIN
    rep.work_start, rep.work_end = time(9, 0), time(17, 30)
    rep.work_days = "0,1,2,3,4"
    rep.save(update_fields=["time_zone", "work_start", "work_end", "work_days"])
    return rep


@pytest.fixture
def booking_desk(agreement, policy, sam: User, booking_form: Asset, hand_raiser_play) -> Asset:  # type: ignore[no-untyped-def]
    """The form, an agreement in force, an SLA policy and a pool of Sam alone."""
    rule = factories.RoutingRuleFactory(name="Sam's demos", order=1)
    factories.PoolMemberFactory(rule=rule, rep=sam)
    return booking_form


@pytest.fixture
def buyer(new_context) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """An anonymous visitor whose browser is set to New York time."""
    context: BrowserContext = new_context(timezone_id=NEW_YORK)
    yield context.new_page()
    context.close()


def _clear_of_slot_turnover() -> None:
    """Wait out the last moments before the offered slots change, so the page, the click and
    the expectations all see the same slots. They change when now + notice passes a slot start
    (Sam's grid starts on the hour and the half hour: Berlin is whole hours off UTC) and at his
    midnight (on the hour)."""
    now = timezone.now()
    turnover = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    turnover += timedelta(minutes=30)
    if turnover - now < TURNOVER_MARGIN:
        sleep((turnover - now).total_seconds() + 1)


def _hhmm(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%H:%M}"


def _slot_name(moment: datetime, zone: str) -> str:
    """A slot button's accessible name, as the booking page writes it: "15:00 on Monday 3 August"."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B}"


def _raise_hand(page: Page, base_url: str, slug: str) -> None:
    page.goto(f"{base_url}/f/{slug}/")
    page.get_by_label("Work email").fill("dana@buyer.example")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Buyer")
    page.get_by_label("Company").fill("Buyer Industries")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def test_buyer_books_the_first_free_time_in_their_zone_and_sam_sees_it(
    buyer: Page, page: Page, live_server, booking_desk: Asset, sam: User
) -> None:  # type: ignore[no-untyped-def]
    # given: the slots Sam offers right now
    _clear_of_slot_turnover()
    free = availability.free_slots(sam, now=timezone.now())
    assert free, "Sam works every weekday: his window always has a free slot"
    first = free[0]

    # when: Dana, in New York, asks for a demo
    _raise_hand(buyer, live_server.url, booking_desk.slug)

    # then: routing named Sam, and his times are shown in her browser's zone
    lead = Lead.objects.get(email="dana@buyer.example")
    assert lead.owner_id == sam.pk
    assert "/f/book-a-demo/thanks/?booking=" in buyer.url
    booking = buyer.locator("#booking")
    expect(booking.get_by_role("heading")).to_have_text("Book a 30-minute meeting with Sam Rep")
    zone = buyer.get_by_label("Times shown in")
    expect(zone).to_have_value(NEW_YORK)
    slots = booking.locator("button.slot")
    expect(slots.first).to_have_accessible_name(_slot_name(first, NEW_YORK))
    assert slots.first.evaluate("b => b.firstChild.textContent") == _hhmm(first, NEW_YORK)
    assert slots.first.get_attribute("value") == first.isoformat()
    expect(slots).to_have_count(len(free))
    buyer.screenshot(path=SCREENSHOT, full_page=True)

    # when: she would rather read London time
    zone.select_option(LONDON)

    # then: the same times, relabelled
    expect(slots.first).to_have_accessible_name(_slot_name(first, LONDON))
    expect(booking.locator("input[name=tz]")).to_have_value(LONDON)
    if len(free) > 1:
        expect(slots.nth(1)).to_have_accessible_name(_slot_name(free[1], LONDON))
    assert _hhmm(first, LONDON) != _hhmm(first, NEW_YORK)

    # when: one click on the first time
    slots.first.click()

    # then: booked, shown in the zone she chose
    expect(buyer).to_have_url(re.compile(r"/book/m/[^/]+/$"))
    expect(buyer.get_by_role("heading", name="Your meeting is booked")).to_be_visible()
    ends = first + timedelta(minutes=30)
    lede = buyer.locator(".lede")
    expect(lede).to_contain_text("With Sam Rep")
    expect(lede).to_contain_text(f"{_hhmm(first, LONDON)}–{_hhmm(ends, LONDON)} ({LONDON})")
    expect(buyer.get_by_label("Times shown in")).to_have_value(LONDON)
    expect(buyer.get_by_role("link", name="Add to my calendar (.ics)")).to_be_visible()
    expect(buyer.get_by_role("link", name="Reschedule")).to_be_visible()
    expect(buyer.get_by_role("button", name="Cancel the meeting")).to_be_visible()
    meeting = Meeting.objects.get(lead=lead)
    assert (meeting.rep_id, meeting.starts_at, meeting.ends_at) == (sam.pk, first, ends)
    assert (meeting.status, meeting.buyer_time_zone) == (Meeting.Status.BOOKED, LONDON)
    lead.refresh_from_db()
    assert (lead.sla_state, lead.status) == (Lead.SlaState.MET, Lead.Status.WORKING)

    # when: Sam signs in
    sign_in(page, live_server.url, "sam", "My queue")
    berlin = first.astimezone(ZoneInfo(BERLIN))
    when = f"{berlin:%a} {berlin.day} {berlin:%b}, {berlin:%H:%M}–{_hhmm(ends, BERLIN)}"

    # then: the lead's page has the meeting, in his zone, and the SLA met
    page.goto(f"{live_server.url}/sales/leads/{lead.pk}/")
    meetings = page.locator("#lead-meetings")
    expect(meetings).to_contain_text(when)
    expect(meetings).to_contain_text("with Sam Rep")
    expect(meetings).to_contain_text("Booked")
    expect(meetings).to_contain_text(f"their time zone: {LONDON}")
    expect(page.locator(".badges")).to_contain_text("Met")
    sla = page.locator(".fact").filter(has_text="SLA").locator(".fact__value")
    expect(sla).to_contain_text("Answered")

    # and Today lists it
    page.goto(f"{live_server.url}/sales/today/")
    today = page.locator("#today-meetings")
    expect(today).to_contain_text(when)
    expect(today.get_by_role("link", name="Dana Buyer")).to_have_attribute(
        "href", f"/sales/leads/{lead.pk}/"
    )

    # and so does My calendar
    page.goto(f"{live_server.url}/sales/calendar/")
    expect(page.get_by_role("heading", name="My calendar")).to_be_visible()
    booked = page.locator(".meetings__item").filter(has_text="Dana Buyer")
    expect(booked).to_have_count(1)
    expect(booked).to_contain_text(when)


def test_a_changed_booking_link_is_refused(buyer: Page, live_server, booking_desk: Asset) -> None:  # type: ignore[no-untyped-def]
    # given: a real link with its signature altered
    lead = factories.LeadFactory(email="dana@buyer.example")
    token = links.booking_token(
        lead_id=lead.pk, asset_id=booking_desk.pk, raised_at=datetime.now(tz=UTC)
    )
    payload, signature = token.rsplit(":", 1)
    tampered = f"{payload}:{signature[::-1]}"
    with pytest.raises(signing.BadSignature):
        signing.loads(tampered, salt=links.BOOK_SALT)

    for url in (f"/book/{tampered}/", f"/book/m/{tampered}/"):
        # when
        response = buyer.goto(f"{live_server.url}{url}")

        # then
        assert response is not None
        assert response.status == 400
        expect(buyer.get_by_role("heading", name="This link does not work")).to_be_visible()
        expect(buyer.get_by_text("Nothing was booked or changed.")).to_be_visible()
    assert not Meeting.objects.exists()


def test_with_no_rep_to_take_the_lead_the_buyer_is_told_sales_will_call(
    buyer: Page, live_server, booking_desk: Asset, sam: User
) -> None:  # type: ignore[no-untyped-def]
    # given: Sam is out of office, and the page waits a second for routing
    User.objects.filter(pk=sam.pk).update(is_available=False)
    BookingRules.objects.create(wait_seconds=1)

    # when
    _raise_hand(buyer, live_server.url, booking_desk.slug)

    # then: nobody took it, and after the wait the page says so instead of offering times
    lead = Lead.objects.get(email="dana@buyer.example")
    assert lead.owner_id is None
    booking = buyer.locator("#booking")
    expect(booking.get_by_role("heading", name="We will contact you")).to_be_visible()
    expect(booking).to_have_attribute("data-state", "contact")
    expect(booking).to_contain_text("We could not match you with a rep right away")
    expect(booking.locator("button.slot")).to_have_count(0)
    assert not Meeting.objects.exists()
