"""My calendar (/sales/calendar/): a rep sets the zone, hours and days buyers may book, and an
ICS busy feed; bad input is a 422 naming the field with nothing saved; other roles are refused."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from apps.meetings.models import BusyFeed

pytestmark = pytest.mark.django_db

URL = "/sales/calendar/"
GOOD = {
    "time_zone": "America/New_York",
    "work_start": "08:00",
    "work_end": "16:00",
    "work_days": ["0", "1", "2", "3"],
    "ics_url": "https://calendar.example/sam.ics",
}


@pytest.fixture
def sam(rep) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(rep)
    return client


def test_a_rep_saves_their_bookable_week_and_feed(sam, rep, django_capture_on_commit_callbacks):
    response = sam.post(URL, GOOD)
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.time_zone, rep.work_start, rep.work_end, rep.work_days) == (
        "America/New_York",
        time(8),
        time(16),
        "0,1,2,3",
    )
    assert BusyFeed.objects.get(rep=rep).url == GOOD["ics_url"]
    page = sam.get(URL).content.decode()
    assert "Busy feed: Not fetched yet" in page
    # a blank address drops the feed
    assert sam.post(URL, GOOD | {"ics_url": ""}).status_code == 302
    assert not BusyFeed.objects.filter(rep=rep).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"work_end": "07:00"}, "must end after it starts", id="end-before-start"),
        pytest.param({"work_days": []}, "Tick at least one working day.", id="no-days"),
        pytest.param({"work_days": ["9"]}, "Select a valid choice", id="no-such-day"),
        pytest.param({"time_zone": "Mars/Olympus"}, "Select a valid choice", id="bad-zone"),
        pytest.param({"work_start": "25:99"}, "Enter a valid time", id="bad-time"),
        pytest.param({"ics_url": "ftp://calendar.example/x"}, "https://", id="not-http"),
        pytest.param({"ics_url": "https://x.example/" + "a" * 600}, "at most 500", id="huge-url"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_saves_nothing(sam, rep, change, message):
    before = (rep.time_zone, rep.work_start, rep.work_end, rep.work_days)
    response = sam.post(URL, GOOD | change)
    assert response.status_code == 422
    assert message in response.content.decode()
    rep.refresh_from_db()
    assert (rep.time_zone, rep.work_start, rep.work_end, rep.work_days) == before
    assert not BusyFeed.objects.exists()


@pytest.mark.parametrize("who", ["marketer", "service_user"])
def test_only_sales_has_a_calendar(request, who):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
