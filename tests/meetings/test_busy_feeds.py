"""Reps' busy feeds (issue 18): a rep subscribes their external calendar's ICS address, the
worker fetches it with a short timeout and caches its busy blocks, and slots overlapping a
block (with the buffer) are no longer offered. A feed that breaks (an HTTP error, text that is
not a calendar, a body over 2 MB, a server slower than the timeout) is marked failing with its
reason and keeps its last good blocks, and neither routing nor the booking page notices.

The feeds are served by a real HTTP server on 127.0.0.1 (`feed_server`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.schedules import maybe_schedule
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.errors import InvalidTransition
from apps.core.queue import registered_task
from apps.meetings import availability, links, services
from apps.meetings.models import BookingRules, BusyFeed
from apps.users.models import User

pytestmark = pytest.mark.django_db

CRLF = "\r\n"


@dataclass
class FeedServer:
    """What the local calendar server answers to every GET; change it between fetches."""

    url: str = ""
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    hits: int = 0
    paths: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # path -> (status, body)
    raw: bytes | None = None  # sent as is instead of an HTTP response
    raw_paths: dict[str, bytes] = field(default_factory=dict)  # path -> raw, for that path only
    trickle: float = 0.0  # seconds between each twentieth of the body


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """An ICS server on 127.0.0.1 answering GET with `status` and `body` after `delay` s (or
    what `paths` says for the path asked; or `raw` bytes that are not HTTP, `raw_paths` for
    some paths only; or the body in twenty pieces `trickle` s apart)."""
    feed = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            feed.hits += 1
            status, body = feed.paths.get(self.path, (feed.status, feed.body))
            time.sleep(feed.delay)
            try:
                raw = feed.raw_paths.get(self.path, feed.raw)
                if raw is not None:
                    self.wfile.write(raw)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                step = max(1, len(body) // 20) if feed.trickle else len(body) or 1
                for offset in range(0, len(body), step):
                    self.wfile.write(body[offset : offset + step])
                    time.sleep(feed.trickle)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up reading (its timeout or size cap): that is the test

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # a handler still sleeping must not hold up the teardown
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    feed.url = f"http://127.0.0.1:{server.server_port}/sam/busy.ics"
    yield feed
    server.shutdown()
    server.server_close()


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def calendar(*blocks: tuple[datetime, datetime], pad: int = 0) -> bytes:
    """A VCALENDAR with one busy VEVENT per block; `pad` adds that many characters of
    description, to make a well-formed feed as large as a test needs."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//Busy feed//EN"]
    for number, (start, end) in enumerate(blocks):
        lines += [
            "BEGIN:VEVENT",
            f"UID:busy-{number}@calendar.test",
            "DTSTAMP:20261201T080000Z",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(end)}",
            "SUMMARY:Dentist",
        ]
        if pad:
            lines.append("DESCRIPTION:" + "x" * pad)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return (CRLF.join(lines) + CRLF).encode()


def _blocked(slot: datetime, block: tuple[datetime, datetime], rules: BookingRules) -> bool:
    """Whether `block` takes `slot` once the buffer is kept on both sides."""
    length, buffer = (
        timedelta(minutes=rules.length_minutes),
        timedelta(minutes=rules.buffer_minutes),
    )
    return block[0] < slot + length + buffer and block[1] > slot - buffer


def _just_after(slot: datetime, rules: BookingRules) -> tuple[datetime, datetime]:
    """A busy block that starts 5 minutes after the slot ends: it takes the slot only through
    the buffer after it."""
    ends = slot + timedelta(minutes=rules.length_minutes)
    return ends + timedelta(minutes=5), ends + timedelta(minutes=20)


def _cached(feed: BusyFeed) -> list[tuple[datetime | None, datetime | None]]:
    return [(parse_datetime(start), parse_datetime(end)) for start, end in feed.busy]


@pytest.fixture
def target(rep: User) -> tuple[datetime, datetime, list[datetime]]:
    """(now, a slot the rep offers now, everything the rep offers now): no feed, no meeting."""
    now = timezone.now()
    offered = availability.free_slots(rep, now=now)
    return now, offered[3], offered


# --- a working feed ---------------------------------------------------------------------------


def test_a_subscribed_feed_is_fetched_and_its_busy_times_are_no_longer_offered(
    rep, feed_server, target, django_capture_on_commit_callbacks
):
    # given a rep's calendar with a block right after one of the slots they offer
    now, slot, offered = target
    rules = BookingRules.current()
    block = _just_after(slot, rules)
    assert block[0] > slot + timedelta(minutes=rules.length_minutes)  # after the slot itself
    feed_server.body = calendar(block)
    # when the rep subscribes it
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        feed = services.set_feed(rep=rep, url=f"  {feed_server.url} ")
    # then it waits for the worker, which is asked to fetch it after commit
    assert feed is not None
    assert (feed.url, feed.status, feed.fetched_at) == (
        feed_server.url,
        BusyFeed.Status.PENDING,
        None,
    )
    assert len(callbacks) == 1
    assert feed_server.hits == 0
    # when the worker refreshes it
    assert services.refresh_feed(feed_id=feed.pk, now=now) == BusyFeed.Status.OK
    # then the busy block is cached and the feed is working
    feed.refresh_from_db()
    assert feed_server.hits == 1
    assert (feed.status, feed.fetched_at, feed.checked_at, feed.error) == (
        BusyFeed.Status.OK,
        now,
        now,
        "",
    )
    assert _cached(feed) == [block]
    # and the slot it takes through the buffer, and any other it touches, are no longer offered
    after = availability.free_slots(rep, now=now)
    assert slot not in after
    assert after == [s for s in offered if not _blocked(s, block, rules)]
    assert len(after) < len(offered)


def test_the_worker_fetches_a_feed_as_soon_as_it_is_subscribed(
    rep, feed_server, target, django_capture_on_commit_callbacks
):
    now, slot, _ = target
    feed_server.body = calendar(_just_after(slot, BookingRules.current()))
    with django_capture_on_commit_callbacks(execute=True):
        services.set_feed(rep=rep, url=feed_server.url)
    feed = BusyFeed.objects.get(rep=rep)
    assert feed.status == BusyFeed.Status.OK
    assert feed.fetched_at is not None
    assert slot not in availability.free_slots(rep, now=now)


# --- a feed that breaks -----------------------------------------------------------------------


def _not_found(feed: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    feed.status, feed.body = 404, b"<h1>Not Found</h1>"


def _not_a_calendar(feed: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    feed.body = b"<html><body>Sign in to see this calendar</body></html>"


def _too_large(feed: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # a well-formed calendar, only too big: without the cap it would be read as working
    now = timezone.now()
    feed.body = calendar((now + timedelta(days=1), now + timedelta(days=1, hours=1)), pad=2_000_000)
    assert len(feed.body) > services.FEED_MAX_BYTES


def _too_slow(feed: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "FEED_TIMEOUT_SECONDS", 0.3)  # 5 s in production
    feed.delay = 2.0


BREAKAGES = [
    pytest.param(_not_found, "HTTP Error 404", id="404"),
    pytest.param(_not_a_calendar, "not an iCalendar file", id="garbage"),
    pytest.param(_too_large, "larger than 2 MB", id="over-2MB"),
    pytest.param(_too_slow, "timed out", id="slower-than-the-timeout"),
]


@pytest.mark.parametrize(("breakage", "reason"), BREAKAGES)
def test_a_broken_feed_is_marked_failing_and_keeps_its_last_good_busy_times(
    rep, feed_server, target, monkeypatch, breakage, reason
):
    # given a feed that worked an hour ago, with a block right after one of the rep's slots
    now, slot, offered = target
    rules = BookingRules.current()
    block = _just_after(slot, rules)
    feed_server.body = calendar(block)
    feed = services.set_feed(rep=rep, url=feed_server.url)
    assert feed is not None
    earlier = now - timedelta(hours=1)
    assert services.refresh_feed(feed_id=feed.pk, now=earlier) == BusyFeed.Status.OK
    # when the calendar breaks and the worker refreshes it
    breakage(feed_server, monkeypatch)
    began = time.monotonic()
    status = services.refresh_feed(feed_id=feed.pk, now=now)
    took = time.monotonic() - began
    # then the feed is failing, says why, and keeps the blocks of its last good fetch
    feed.refresh_from_db()
    assert status == feed.status == BusyFeed.Status.FAILING
    assert feed.error.startswith("Could not read the feed: ")
    assert reason in feed.error
    assert (feed.checked_at, feed.fetched_at) == (now, earlier)
    assert _cached(feed) == [block]
    assert slot not in availability.free_slots(rep, now=now)
    assert availability.free_slots(rep, now=now) == [
        s for s in offered if not _blocked(s, block, rules)
    ]
    assert took < 1.5, f"the fetch took {took:.1f} s: the timeout is not kept"


def test_a_feed_that_never_worked_blocks_nothing(rep, feed_server, target):
    now, _, offered = target
    feed_server.status = 500
    feed = services.set_feed(rep=rep, url=feed_server.url)
    assert feed is not None
    assert services.refresh_feed(feed_id=feed.pk, now=now) == BusyFeed.Status.FAILING
    feed.refresh_from_db()
    assert (feed.status, feed.fetched_at, feed.busy) == (BusyFeed.Status.FAILING, None, [])
    assert "HTTP Error 500" in feed.error
    assert availability.free_slots(rep, now=now) == offered


@pytest.mark.parametrize(("breakage", "reason"), BREAKAGES)
def test_failing_feeds_break_neither_routing_nor_the_booking_page(
    raise_hand, rep, other_rep, feed_server, target, client, monkeypatch, breakage, reason
):
    # given both reps' feeds worked once (a block right after one slot) and now fail
    now, slot, _ = target
    feed_server.body = calendar(_just_after(slot, BookingRules.current()))
    feeds = [services.set_feed(rep=r, url=feed_server.url) for r in (rep, other_rep)]
    for feed in feeds:
        assert feed is not None
        services.refresh_feed(feed_id=feed.pk, now=now - timedelta(hours=1))
    breakage(feed_server, monkeypatch)
    for feed in feeds:
        assert feed is not None
        services.refresh_feed(feed_id=feed.pk, now=now)
    assert set(BusyFeed.objects.values_list("status", flat=True)) == {BusyFeed.Status.FAILING}
    hits = feed_server.hits
    # when a buyer raises their hand on the booking form
    lead, claim = raise_hand()
    # then routing gives the lead to a rep as usual, without fetching any feed
    assert lead.owner_id in {rep.pk, other_rep.pk}
    assert feed_server.hits == hits
    # and the booking page offers that rep's free times, the cached busy time kept free
    token = links.booking_token(lead_id=lead.pk, asset_id=claim.asset_id, raised_at=claim.raised_at)
    response = client.get(f"/book/{token}/", {"tz": "UTC"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Book a 30-minute meeting with {lead.owner.display_name}" in page
    first = availability.free_slots(lead.owner, now=timezone.now(), limit=1)[0]
    assert f'value="{first.isoformat()}"' in page
    assert f'value="{slot.isoformat()}"' not in page


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"SSH-2.0-OpenSSH_9.2\r\n", id="not-http"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 70_000 + b"\r\n\r\n", id="header-too-long"
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\nBEGIN:VCAL",
            id="body-cut-short",
        ),
    ],
)
def test_a_feed_server_that_breaks_http_is_marked_failing(rep, feed_server, target, raw):
    # given a feed that worked an hour ago
    now, slot, _ = target
    block = _just_after(slot, BookingRules.current())
    feed_server.body = calendar(block)
    feed = services.set_feed(rep=rep, url=feed_server.url)
    assert feed is not None
    earlier = now - timedelta(hours=1)
    assert services.refresh_feed(feed_id=feed.pk, now=earlier) == BusyFeed.Status.OK
    # when its server answers something that is not a complete HTTP response
    feed_server.raw = raw
    status = services.refresh_feed(feed_id=feed.pk, now=now)
    # then the feed is failing with a reason, like any other broken feed, and keeps its blocks
    feed.refresh_from_db()
    assert status == feed.status == BusyFeed.Status.FAILING
    assert feed.error.startswith("Could not read the feed: ")
    assert (feed.checked_at, feed.fetched_at) == (now, earlier)
    assert _cached(feed) == [block]


def test_a_feed_that_trickles_in_slower_than_the_timeout_is_cut_off(
    rep, feed_server, target, monkeypatch
):
    # given a server that sends a small calendar in twenty pieces over two seconds, each piece
    # well within the (shortened) timeout, the whole far beyond it
    now, slot, offered = target
    monkeypatch.setattr(services, "FEED_TIMEOUT_SECONDS", 0.3)  # 5 s in production
    feed_server.body = calendar(_just_after(slot, BookingRules.current()))
    feed_server.trickle = 0.1
    feed = services.set_feed(rep=rep, url=feed_server.url)
    assert feed is not None
    # when the worker refreshes it
    began = time.monotonic()
    status = services.refresh_feed(feed_id=feed.pk, now=now)
    took = time.monotonic() - began
    # then it gives up at about the timeout: a slow server cannot hold the worker
    assert took < 1.5, f"the fetch took {took:.1f} s"
    assert status == BusyFeed.Status.FAILING
    assert availability.free_slots(rep, now=now) == offered


def test_one_feed_server_that_breaks_http_does_not_stop_the_others_refreshing(
    rep, other_rep, feed_server, target
):
    # given Sara's calendar server answers with something that is not HTTP (subscribed first,
    # so the beat's task meets it first) and Sam's calendar works
    now, slot, _ = target
    broken = feed_server.url.replace("/sam/", "/sara/")
    feed_server.raw_paths["/sara/busy.ics"] = b"SSH-2.0-OpenSSH_9.2\r\n"
    services.set_feed(rep=other_rep, url=broken)
    feed_server.body = calendar(_just_after(slot, BookingRules.current()))
    services.set_feed(rep=rep, url=feed_server.url)
    # when the beat's task refreshes every feed
    working = registered_task("meetings.refresh_feeds").apply().get()
    # then Sam's feed is working and Sara's is failing with its reason
    assert working == 1
    feeds = {feed.rep_id: feed for feed in BusyFeed.objects.all()}
    assert feeds[rep.pk].status == BusyFeed.Status.OK
    assert (feeds[other_rep.pk].url, feeds[other_rep.pk].status) == (
        broken,
        BusyFeed.Status.FAILING,
    )
    assert feeds[other_rep.pk].error.startswith("Could not read the feed: ")
    assert slot not in availability.free_slots(rep, now=now)


# --- subscribing and unsubscribing ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://calendar.example/sam.ics",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "calendar.example/sam.ics",
        "gopher://127.0.0.1:6379/_FLUSHALL",
    ],
)
def test_set_feed_refuses_an_address_that_is_not_http(rep, feed_server, url):
    # given the rep has a feed already
    services.set_feed(rep=rep, url=feed_server.url)
    # when they give an address that is not http(s)
    with pytest.raises(InvalidTransition) as refused:
        services.set_feed(rep=rep, url=url)
    # then the form's field is named and the feed they had is left as it was
    assert refused.value.field == "ics_url"
    assert list(BusyFeed.objects.values_list("rep_id", "url")) == [(rep.pk, feed_server.url)]


def test_a_webcal_address_is_taken_as_a_calendar_feed(rep):
    feed = services.set_feed(rep=rep, url="webcal://calendar.example/sam.ics")
    assert feed is not None
    assert feed.url == "webcal://calendar.example/sam.ics"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_address_removes_the_feed_and_frees_its_busy_times(rep, feed_server, target, blank):
    # given a working feed that blocks one of the rep's slots
    now, slot, offered = target
    feed_server.body = calendar(_just_after(slot, BookingRules.current()))
    feed = services.set_feed(rep=rep, url=feed_server.url)
    assert feed is not None
    services.refresh_feed(feed_id=feed.pk, now=now)
    assert slot not in availability.free_slots(rep, now=now)
    # when the rep clears the address
    assert services.set_feed(rep=rep, url=blank) is None
    # then the feed is gone and every slot is offered again
    assert not BusyFeed.objects.filter(rep=rep).exists()
    assert availability.free_slots(rep, now=now) == offered


def test_the_beat_refreshes_every_feed_at_least_every_quarter_hour(
    rep, other_rep, feed_server, target
):
    # the beat schedule names the task, often enough, and the worker knows the name
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "meetings.refresh_feeds"
    ]
    assert len(entries) == 1
    assert maybe_schedule(entries[0]["schedule"]).run_every <= timedelta(minutes=15)
    task = registered_task("meetings.refresh_feeds")  # a KeyError if no worker task has the name
    # given one rep's feed is gone (404) and the other's has a busy block
    now, slot, _ = target
    gone = feed_server.url.replace("/sam/", "/sara/")
    feed_server.paths["/sara/busy.ics"] = (404, b"gone")
    feed_server.body = calendar(_just_after(slot, BookingRules.current()))
    services.set_feed(rep=other_rep, url=gone)
    services.set_feed(rep=rep, url=feed_server.url)
    # when the beat's task runs
    working = task.apply().get()
    # then every feed was fetched once: the broken one is failing, the other one working
    assert working == 1
    assert feed_server.hits == 2
    assert dict(BusyFeed.objects.values_list("rep_id", "status")) == {
        rep.pk: BusyFeed.Status.OK,
        other_rep.pk: BusyFeed.Status.FAILING,
    }
    assert slot not in availability.free_slots(rep, now=now)
