"""The SLA calendar at its edges, as tables a reader can check by hand.

Unless a row says otherwise the office is Berlin, open 09:00-17:00 Monday to Friday. November
2026: Tuesday the 24th, Friday the 27th, Monday the 30th. Every due time is compared as an
instant (in UTC), so a row written in local time is checked against the real minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.goals.facts import rebuild_lead_facts
from apps.leads import facts
from apps.leads.models import Lead, LeadFacts
from apps.routing import services
from apps.routing.business_hours import add_working_minutes, working_minutes_between
from apps.routing.models import Holiday, SlaPolicy
from tests import factories

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
EVERY_DAY = "0,1,2,3,4,5,6"


@dataclass(frozen=True)
class Office:
    zone: str = "Europe/Berlin"
    opens: time = time(9)
    closes: time = time(17)
    work_days: str = "0,1,2,3,4"
    holidays: tuple[date, ...] = field(default=())

    def policy(self, minutes: int = 5) -> SlaPolicy:
        policy = factories.SlaPolicyFactory(
            name="Office",
            is_active=False,
            first_response_minutes=minutes,
            business_hours_only=True,
            time_zone=self.zone,
            work_days=self.work_days,
            day_start=self.opens,
            day_end=self.closes,
        )
        for day in self.holidays:
            Holiday.objects.create(policy=policy, date=day)
        return policy


OFFICE = Office()
NIGHT_DESK = Office(opens=time(0), closes=time(6), work_days=EVERY_DAY)

DUE_TIMES = [
    # (arrives, SLA minutes, office, due)
    pytest.param(
        datetime(2026, 11, 24, 16, 55, tzinfo=BERLIN),
        5,
        OFFICE,
        datetime(2026, 11, 24, 17, 0, tzinfo=BERLIN),
        id="due-exactly-at-closing-time-is-due-at-closing",
    ),
    pytest.param(
        datetime(2026, 11, 24, 16, 56, tzinfo=BERLIN),
        5,
        OFFICE,
        datetime(2026, 11, 25, 9, 1, tzinfo=BERLIN),
        id="one-minute-past-closing-carries-that-minute-to-the-next-morning",
    ),
    pytest.param(
        datetime(2026, 11, 24, 17, 0, tzinfo=BERLIN),
        5,
        OFFICE,
        datetime(2026, 11, 25, 9, 5, tzinfo=BERLIN),
        id="arriving-at-closing-time-starts-the-clock-next-morning",
    ),
    pytest.param(
        datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN),
        5,
        OFFICE,
        datetime(2026, 11, 24, 9, 5, tzinfo=BERLIN),
        id="arriving-before-opening-starts-the-clock-at-opening",
    ),
    pytest.param(
        datetime(2026, 11, 24, 16, 50, tzinfo=BERLIN),
        30,
        Office(holidays=(date(2026, 11, 25),)),
        datetime(2026, 11, 26, 9, 20, tzinfo=BERLIN),
        id="holiday-eve-carries-the-rest-past-the-holiday",
    ),
    pytest.param(
        datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN),
        30,
        Office(holidays=(date(2026, 11, 25),)),
        datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN),
        id="arriving-on-a-holiday-waits-for-the-next-working-morning",
    ),
    pytest.param(
        datetime(2026, 11, 27, 16, 50, tzinfo=BERLIN),
        30,
        Office(holidays=(date(2026, 11, 30),)),
        datetime(2026, 12, 1, 9, 20, tzinfo=BERLIN),
        id="friday-evening-before-a-holiday-monday-is-due-tuesday",
    ),
    pytest.param(
        datetime(2026, 11, 24, 12, 0, tzinfo=BERLIN),
        16 * 60 + 30,
        OFFICE,
        datetime(2026, 11, 26, 12, 30, tzinfo=BERLIN),
        id="an-sla-longer-than-a-working-day-spans-two-days",
    ),
    pytest.param(
        datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
        240,
        NIGHT_DESK,
        datetime(2026, 3, 30, 0, 30, tzinfo=BERLIN),
        id="spring-forward-night-has-one-hour-less-so-the-rest-carries-over",
    ),
    pytest.param(
        datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN),
        120,
        NIGHT_DESK,
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),
        id="fall-back-night-counts-real-minutes-through-the-repeated-hour",
    ),
    pytest.param(
        datetime(2026, 3, 6, 16, 50, tzinfo=NEW_YORK),
        30,
        Office(zone="America/New_York"),
        datetime(2026, 3, 9, 9, 20, tzinfo=NEW_YORK),
        id="weekend-over-a-dst-change-opens-monday-at-local-nine",
    ),
    pytest.param(
        datetime(2026, 11, 24, 16, 50, tzinfo=LOS_ANGELES),
        30,
        Office(zone="America/Los_Angeles"),
        datetime(2026, 11, 25, 9, 20, tzinfo=LOS_ANGELES),
        id="local-evening-that-is-tomorrow-in-utc-still-counts-today",
    ),
]


@pytest.mark.parametrize(("arrives", "minutes", "office", "due"), DUE_TIMES)
def test_sla_due_time_at_the_calendar_edges(arrives, minutes, office, due):  # type: ignore[no-untyped-def]
    # given
    policy = office.policy(minutes)
    # when
    got = add_working_minutes(start=arrives.astimezone(UTC), minutes=minutes, policy=policy)
    # then
    assert got == due.astimezone(UTC)
    assert got.tzinfo == UTC


WORKING_MINUTES = [
    # (start, end, office, minutes)
    pytest.param(
        datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN),
        datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN),
        OFFICE,
        0,
        id="no-time-passed-is-zero",
    ),
    pytest.param(
        datetime(2026, 11, 24, 11, 0, tzinfo=BERLIN),
        datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN),
        OFFICE,
        0,
        id="an-end-before-the-start-is-zero",
    ),
    pytest.param(
        datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN),
        datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN),
        Office(holidays=(date(2026, 11, 25),)),
        120,
        id="a-holiday-between-counts-nothing",
    ),
    pytest.param(
        datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN),
        datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN),
        Office(holidays=(date(2026, 11, 30),)),
        120,
        id="a-weekend-plus-a-holiday-monday-counts-nothing",
    ),
    pytest.param(
        datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN),
        datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN),
        OFFICE,
        0,
        id="a-night-out-of-hours-is-zero",
    ),
    pytest.param(
        datetime(2026, 3, 29, 1, 0, tzinfo=BERLIN),
        datetime(2026, 3, 29, 6, 0, tzinfo=BERLIN),
        NIGHT_DESK,
        240,
        id="spring-forward-night-is-four-real-hours",
    ),
    pytest.param(
        datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN),
        datetime(2026, 10, 25, 6, 0, tzinfo=BERLIN),
        NIGHT_DESK,
        360,
        id="fall-back-night-is-six-real-hours",
    ),
    pytest.param(
        datetime(2026, 11, 24, 16, 0, tzinfo=LOS_ANGELES),
        datetime(2026, 11, 24, 17, 0, tzinfo=LOS_ANGELES),
        Office(zone="America/Los_Angeles"),
        60,
        id="los-angeles-afternoon-that-is-tomorrow-in-utc",
    ),
    pytest.param(
        datetime(2026, 11, 25, 9, 0, tzinfo=AUCKLAND),
        datetime(2026, 11, 25, 10, 0, tzinfo=AUCKLAND),
        Office(zone="Pacific/Auckland"),
        60,
        id="auckland-morning-that-is-yesterday-in-utc",
    ),
]


@pytest.mark.parametrize(("start", "end", "office", "minutes"), WORKING_MINUTES)
def test_working_minutes_at_the_calendar_edges(start, end, office, minutes):  # type: ignore[no-untyped-def]
    # given
    policy = office.policy()
    # when
    got = working_minutes_between(
        start=start.astimezone(UTC), end=end.astimezone(UTC), policy=policy
    )
    # then
    assert got == minutes


def test_working_minutes_read_a_prefetched_calendar_without_a_query(
    django_assert_num_queries,
):  # type: ignore[no-untyped-def]
    # given the calendar read once for a loop (as active_policy() reads it), Wednesday off
    office = Office(holidays=(date(2026, 11, 25),)).policy()
    policy = SlaPolicy.objects.prefetch_related("holidays").get(pk=office.pk)
    start = datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN)
    end = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
    # when / then
    with django_assert_num_queries(0):
        got = working_minutes_between(start=start, end=end, policy=policy)
    assert got == 120


def test_plain_minutes_when_no_policy_or_no_business_hours():
    start = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)  # Saturday night
    end = start + timedelta(minutes=90)
    always_open = SlaPolicy(name="24/7", business_hours_only=False)
    assert working_minutes_between(start=start, end=end, policy=None) == 90
    assert working_minutes_between(start=start, end=end, policy=always_open) == 90
    assert working_minutes_between(start=end, end=start, policy=None) == 0


def test_a_policy_with_no_working_days_is_refused_by_the_form_and_the_database():
    policy = SlaPolicy(name="Closed", business_hours_only=True, work_days="")
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "work_days" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()


def test_a_calendar_without_working_time_says_so_instead_of_guessing():
    # given: a saved policy whose working days were emptied in memory (the database refuses it)
    policy = OFFICE.policy()
    policy.work_days = ""
    start = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    # when / then: no Monday-to-Friday default is invented
    with pytest.raises(
        ValueError, match=r"^The SLA policy has no working time in the next two years\.$"
    ):
        add_working_minutes(start=start, minutes=5, policy=policy)
    assert working_minutes_between(start=start, end=start + timedelta(days=7), policy=policy) == 0


# --- the clock as routing starts it and as the facts read it ------------------------------


def test_routing_at_night_under_business_hours_is_due_next_working_morning(pool, rep):  # type: ignore[no-untyped-def]
    # given: the active policy is the Berlin office with a 30-minute SLA
    policy = OFFICE.policy(30)
    SlaPolicy.objects.filter(pk=policy.pk).update(is_active=True)
    arrives = datetime(2026, 11, 24, 22, 15, tzinfo=BERLIN)
    lead = factories.LeadFactory(status=Lead.Status.READY, ready_at=arrives)
    # when
    routed = services.route_lead(lead_id=lead.pk, now=arrives.astimezone(UTC))
    # then
    assert routed.sla_due_at == datetime(2026, 11, 25, 9, 30, tzinfo=BERLIN)


def test_routing_without_any_policy_gives_five_wall_clock_minutes(pool, rep):  # type: ignore[no-untyped-def]
    # given: no SLA policy at all
    assert not SlaPolicy.objects.exists()
    arrives = datetime(2026, 11, 24, 22, 15, tzinfo=UTC)
    lead = factories.LeadFactory(status=Lead.Status.READY, ready_at=arrives)
    # when
    routed = services.route_lead(lead_id=lead.pk, now=arrives)
    # then
    assert routed.sla_due_at == arrives + timedelta(minutes=5)


def test_response_time_is_measured_in_the_active_calendar():
    # given: an inactive 24/7 policy and the active Berlin office
    SlaPolicy.objects.create(name="24/7 (inactive)", is_active=False)
    policy = OFFICE.policy()
    start = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)  # Friday 16:00
    end = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)  # Monday 10:00
    assert services.sla_working_minutes(start, end) == (end - start).total_seconds() / 60
    # when
    SlaPolicy.objects.filter(pk=policy.pk).update(is_active=True)
    # then: one hour on Friday and one on Monday
    assert services.sla_working_minutes(start, end) == 120


def test_speed_to_lead_counts_no_minutes_on_a_holiday_kept_and_rebuilt_alike(rep):  # type: ignore[no-untyped-def]
    # given the active Berlin office with Wednesday 25 November off, and a lead ready on
    # Tuesday at 16:00 first answered on Thursday at 10:00: one hour each working day
    policy = Office(holidays=(date(2026, 11, 25),)).policy()
    SlaPolicy.objects.filter(pk=policy.pk).update(is_active=True)
    lead = factories.LeadFactory(
        status=Lead.Status.WORKING,
        owner=rep,
        assigned_at=datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN),
        ready_at=datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN),
        first_response_at=datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN),
    )
    # when / then: as the write path keeps it, and as the rebuild recomputes it
    assert facts.response_minutes(lead) == 120
    rebuild_lead_facts([lead.pk])
    assert LeadFacts.objects.get(lead=lead).response_minutes == 120


def test_rebuilding_speed_to_lead_reads_the_holiday_calendar_once_not_per_lead(rep):  # type: ignore[no-untyped-def]
    # given the active office with a holiday, and answered leads
    policy = Office(holidays=(date(2026, 11, 25),)).policy()
    SlaPolicy.objects.filter(pk=policy.pk).update(is_active=True)
    ready = datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN)
    leads = [
        factories.LeadFactory(
            status=Lead.Status.WORKING,
            owner=rep,
            assigned_at=ready,
            ready_at=ready,
            first_response_at=datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN),
        )
        for _ in range(3)
    ]
    # when one lead and then three are rebuilt
    with CaptureQueriesContext(connection) as one:
        rebuild_lead_facts([leads[0].pk])
    with CaptureQueriesContext(connection) as three:
        rebuild_lead_facts([lead.pk for lead in leads])
    # then the same queries (no read per lead), and the holiday counted for each
    assert len(three) == len(one)
    assert set(LeadFacts.objects.values_list("response_minutes", flat=True)) == {120}
