"""A rep's busy feed may not point the worker at our own network (loopback, private or
link-local addresses) unless the installation allows it: such a feed is marked failing with
the reason, and nothing is fetched."""

from __future__ import annotations

import pytest

from apps.meetings import services
from apps.meetings.models import BusyFeed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/feed.ics",
        "https://localhost/feed.ics",
        "http://10.0.0.8/feed.ics",
        "http://192.168.1.20/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "webcal://[::1]/feed.ics",
    ],
)
def test_a_feed_inside_our_network_is_refused(settings, rep, url):  # type: ignore[no-untyped-def]
    settings.BUSY_FEED_ALLOW_PRIVATE = False
    feed = BusyFeed.objects.create(rep=rep, url=url)
    assert services.refresh_feed(feed_id=feed.pk) == BusyFeed.Status.FAILING
    feed.refresh_from_db()
    assert feed.error == "Could not read the feed: The feed address points inside our own network."
    assert feed.busy == []


def test_an_unknown_host_says_so(settings, rep):  # type: ignore[no-untyped-def]
    settings.BUSY_FEED_ALLOW_PRIVATE = False
    feed = BusyFeed.objects.create(rep=rep, url="https://calendar.invalid/feed.ics")
    assert services.refresh_feed(feed_id=feed.pk) == BusyFeed.Status.FAILING
    feed.refresh_from_db()
    assert "cannot be found" in feed.error
