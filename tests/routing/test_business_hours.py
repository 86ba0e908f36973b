"""SLA due times under a business-hours calendar in a time zone."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from apps.routing.business_hours import add_working_minutes, working_minutes_between
from apps.routing.models import Holiday, SlaPolicy

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin_policy(db):  # type: ignore[no-untyped-def]
    return SlaPolicy.objects.create(
        name="Berlin office",
        first_response_minutes=30,
        business_hours_only=True,
        time_zone="Europe/Berlin",
        work_days="0,1,2,3,4",
        day_start=time(9),
        day_end=time(17),
    )


def test_inside_working_hours_it_is_plain_minutes(berlin_policy):
    start = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)  # Tuesday
    assert add_working_minutes(start=start, minutes=30, policy=berlin_policy) == datetime(
        2026, 11, 24, 10, 30, tzinfo=BERLIN
    )


def test_a_lead_at_night_is_due_next_working_morning(berlin_policy):
    start = datetime(2026, 11, 24, 22, 15, tzinfo=BERLIN)
    due = add_working_minutes(start=start, minutes=30, policy=berlin_policy)
    assert due == datetime(2026, 11, 25, 9, 30, tzinfo=BERLIN)


def test_time_left_at_closing_carries_over_to_the_next_day(berlin_policy):
    start = datetime(2026, 11, 24, 16, 50, tzinfo=BERLIN)
    assert add_working_minutes(start=start, minutes=30, policy=berlin_policy) == datetime(
        2026, 11, 25, 9, 20, tzinfo=BERLIN
    )


def test_friday_evening_is_due_monday_and_holidays_are_skipped(berlin_policy):
    Holiday.objects.create(policy=berlin_policy, date=date(2026, 11, 30), name="Office closed")
    start = datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN)  # Friday after hours
    due = add_working_minutes(start=start, minutes=30, policy=berlin_policy)
    assert due == datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)  # Monday was a holiday


def test_utc_input_is_interpreted_in_the_policy_zone(berlin_policy):
    start = datetime(2026, 11, 24, 7, 45, tzinfo=UTC)  # 08:45 in Berlin, before opening
    due = add_working_minutes(start=start, minutes=30, policy=berlin_policy)
    assert due == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # 09:30 Berlin
    assert due.tzinfo == UTC


def test_daylight_saving_change_keeps_local_opening_hours(berlin_policy):
    start = datetime(2026, 3, 27, 16, 45, tzinfo=BERLIN)  # Friday before the spring change
    due = add_working_minutes(start=start, minutes=30, policy=berlin_policy)
    assert due == datetime(2026, 3, 30, 9, 15, tzinfo=BERLIN)
    assert due.utcoffset().total_seconds() == 7200


def test_working_minutes_between_skips_the_weekend(berlin_policy):
    start = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)
    end = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)
    assert working_minutes_between(start=start, end=end, policy=berlin_policy) == 120


def test_without_business_hours_it_is_wall_clock(db):
    policy = SlaPolicy.objects.create(name="24/7", first_response_minutes=5)
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    assert add_working_minutes(start=start, minutes=5, policy=policy) == datetime(
        2026, 11, 28, 3, 5, tzinfo=UTC
    )
