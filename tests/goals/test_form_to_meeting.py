"""The goal metrics "Form-to-meeting rate" and "Minutes from form to meeting" (issue 18, item 6):
how many buyers who raised a hand on a booking form booked a meeting from it, and how long
they waited, on the hand-worked booking year of tests/fixtures/booking.py.

By hand, 2026-Q4 (1 Oct - 31 Dec, UTC):

- hand-raises on booking forms: l1 (Demo request, and Webinar booking: one lead), l2, l3, l4
  (twice: one lead), l5 (31 Dec 23:59:59), l9 (Book a call, no campaign) = 6 leads. Not: l6
  (30 Sep 23:59:59, Q3), l7 (1 Jan 2027 00:00, Q1), l8 (Pricing question does not offer
  booking), l10 (a page view, not a form submit);
- booked (a meeting from a form raised in Q4, any status): l1, l2 (cancelled later: still
  booked), l4, l5 (raised 31 Dec 23:59:59, booked 29 s into 2027: raised in Q4 counts) and l9
  = 5. Not l3: its only meeting was booked by the rep, not from a form;
- rate = 5 / 6 * 100 = 83.33… → 83.3 (%);
- minutes, each booked lead's first meeting (the earliest booked): l1 12 (Demo request, booked
  5 Oct, before Webinar booking's 4 on 6 Oct), l2 30.25, l4 120 (20 Nov, not the 5 of 1 Dec),
  l5 0.5, l9 45 → sorted 0.5, 12, 30.25, 45, 120 → median 30.25 → 30.3 (half up, as every
  minute figure rounds).

Campaign Webinar (the booking form's campaign): hand-raises l1, l2, l3 = 3, booked l1, l2 = 2:
66.7 %, median of 12 and 30.25 = 21.125 → 21.1. Source "paid" (l4 only): 1 / 1 = 100.0 %,
120.0 minutes.
2026-Q3: l6 alone, booked 61 s after its form: 100.0 %, 1.0166… → 1.0 minutes.
2027-Q1: l7 raised a hand and booked nothing: 0.0 %, minutes None. 2026-Q2: no hand-raise:
both None (shown "—").
As of the end of 31 Dec (00:00 1 Jan, the last day's snapshot): l5's booking 29 s later is not
yet known: 4 / 6 = 66.7 %, median of 12, 30.25, 45, 120 = 37.625 → 37.6.
As of 10 Oct 09:15: hand-raises l1, l2 = 2, booked l1 (l2 booked at 09:30:15) = 1: 50.0 %,
12.0 minutes.
"""

from __future__ import annotations

import statistics
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.goals import metrics
from apps.goals.metrics import Segment, meetings
from apps.goals.models import LOWER_IS_BETTER, JointGoal, Metric
from apps.goals.selectors import format_value
from apps.meetings.models import Meeting
from tests import factories
from tests.drilldown import assert_same, figure_links, read_drill
from tests.fixtures.booking import BookingWorld, at, build_booking_world

pytestmark = pytest.mark.django_db

D = Decimal
RATE = Metric.FORM_TO_MEETING_RATE
MINUTES = Metric.FORM_TO_MEETING_MINUTES
GOAL_RECORDS = r"/goals/\d+/records/"


@pytest.fixture
def booking(rep: Any) -> BookingWorld:
    return build_booking_world(rep)


def value(metric: str, quarter: Any, segment: Segment | None = None, **kwargs: Any) -> Any:
    return metrics.compute(metric, quarter, segment, **kwargs).value


def names(booking: BookingWorld, records: Any) -> set[str]:
    by_pk = {lead.pk: name for name, lead in booking.leads.items()}
    return {by_pk[record.pk if record._meta.model_name == "lead" else record.lead_id]
            for record in records}  # fmt: skip


# --- The figures ---------------------------------------------------------------------------------


def test_the_quarter_figures_are_the_hand_worked_ones(booking: BookingWorld) -> None:
    # when
    rate = metrics.compute(RATE, booking.q4)
    minutes = metrics.compute(MINUTES, booking.q4)

    # then
    assert (rate.value, rate.unit, rate.label) == (D("83.3"), "percent", "Form-to-meeting rate (%)")
    assert (minutes.value, minutes.unit) == (D("30.3"), "minutes")
    assert minutes.label == "Minutes from form to meeting (median)"
    assert format_value(rate.value, rate.unit) == "83.3%"
    assert format_value(minutes.value, minutes.unit) == "30.3 min"


def test_the_records_behind_them_are_the_hand_worked_leads_and_meetings(
    booking: BookingWorld,
) -> None:
    # when
    raised = metrics.drilldown(RATE, booking.q4)
    booked = meetings.booked_leads(booking.q4)
    first = metrics.drilldown(MINUTES, booking.q4)

    # then
    assert names(booking, raised) == {"l1", "l2", "l3", "l4", "l5", "l9"}
    assert names(booking, booked) == {"l1", "l2", "l4", "l5", "l9"}
    by_name = booking.meetings
    assert {m.pk for m in first} == {by_name[n].pk for n in ("l1", "l2", "l4", "l5", "l9")}
    waits = sorted(meetings.wait_minutes(m.raised_at, m.booked_at) for m in first)
    assert waits == [0.5, 12.0, 30.25, 45.0, 120.0]


def test_a_cancelled_meeting_still_counts_as_booked(booking: BookingWorld) -> None:
    # given every meeting cancelled after it was booked
    Meeting.objects.update(status=Meeting.Status.CANCELLED, cancelled_at=at(12, 31))

    # then nothing changes: the buyer booked at the hand-raise
    assert value(RATE, booking.q4) == D("83.3")
    assert value(MINUTES, booking.q4) == D("30.3")


def test_no_hand_raise_gives_none_and_no_booking_gives_zero(booking: BookingWorld) -> None:
    # then Q2 has nothing to divide by; Q1 has l7's hand-raise and no meeting
    assert value(RATE, booking.q2) is None
    assert value(MINUTES, booking.q2) is None
    assert format_value(value(RATE, booking.q2), "percent") == "—"
    assert value(RATE, booking.q1) == D("0.0")
    assert value(MINUTES, booking.q1) is None


def test_quarter_boundaries_follow_the_form_and_the_hand_raise(booking: BookingWorld) -> None:
    # then l6 (30 Sep 23:59:59, booked 1 Oct) is Q3's; l5 (31 Dec 23:59:59, booked in 2027)
    # is Q4's; l7 (1 Jan 2027 00:00) is Q1's
    assert (value(RATE, booking.q3), value(MINUTES, booking.q3)) == (D("100.0"), D("1.0"))
    assert names(booking, metrics.drilldown(RATE, booking.q3)) == {"l6"}
    assert "l5" in names(booking, meetings.booked_leads(booking.q4))
    assert names(booking, metrics.drilldown(RATE, booking.q1)) == {"l7"}


def test_a_lead_that_raised_a_hand_twice_counts_once_with_its_first_meeting(
    booking: BookingWorld,
) -> None:
    # then l1 (two forms) and l4 (twice on one) are one hand-raise each, timed by the meeting
    # they booked first (12 and 120 minutes, not 4 and 5)
    assert metrics.drilldown(RATE, booking.q4).count() == 6
    first = {m.lead_id: m for m in metrics.drilldown(MINUTES, booking.q4)}
    assert first[booking.leads["l1"].pk] == booking.meetings["l1"]
    assert first[booking.leads["l4"].pk] == booking.meetings["l4"]


def test_a_segment_narrows_by_the_booking_forms_campaign_and_the_leads_source(
    booking: BookingWorld,
) -> None:
    # when
    webinar = Segment(campaign_id=booking.webinar.pk)
    paid = Segment(source="paid")

    # then
    assert (value(RATE, booking.q4, webinar), value(MINUTES, booking.q4, webinar)) == (
        D("66.7"),
        D("21.1"),
    )
    assert names(booking, metrics.drilldown(RATE, booking.q4, webinar)) == {"l1", "l2", "l3"}
    assert (value(RATE, booking.q4, paid), value(MINUTES, booking.q4, paid)) == (
        D("100.0"),
        D("120.0"),
    )
    assert names(booking, metrics.drilldown(MINUTES, booking.q4, paid)) == {"l4"}


def test_as_of_a_moment_counts_the_hand_raises_and_bookings_made_before_it(
    booking: BookingWorld,
) -> None:
    # when: the last day's snapshot (00:00 1 Jan), and mid-morning on 10 October
    year_end = at(1, 1, year=2027)
    morning = at(10, 10, 9, 15)

    # then
    assert (
        value(RATE, booking.q4, as_of=year_end),
        value(MINUTES, booking.q4, as_of=year_end),
    ) == (
        D("66.7"),
        D("37.6"),
    )
    assert (value(RATE, booking.q4, as_of=morning), value(MINUTES, booking.q4, as_of=morning)) == (
        D("50.0"),
        D("12.0"),
    )


# --- In the registry, the admin and on /goals/ ---------------------------------------------------


def test_the_metrics_are_registered_with_their_direction() -> None:
    assert RATE in metrics.METRICS
    assert MINUTES in metrics.METRICS
    assert MINUTES in LOWER_IS_BETTER
    assert RATE not in LOWER_IS_BETTER


def test_a_new_minutes_goal_is_preset_lower_is_better(
    revops_client: Client, booking: BookingWorld
) -> None:
    # when RevOps adds the goal leaving the box as the add page showed it (unticked)
    data = {
        "quarter": str(booking.q4.pk),
        "metric": MINUTES,
        "name": "",
        "target": "30",
        "team_marketing": "on",
        "team_sales": "on",
        "segment_campaign": "",
        "segment_source": "",
        "segment_country": "",
        "segment_tier": "",
    }
    response = revops_client.post(reverse("admin:goals_jointgoal_add"), data)
    preset = revops_client.get(reverse("admin:goals_jointgoal_add") + f"?metric={MINUTES}")
    rate_preset = revops_client.get(reverse("admin:goals_jointgoal_add") + f"?metric={RATE}")

    # then a shorter wait is the better side; a higher rate is
    assert response.status_code == 302
    assert JointGoal.objects.get(metric=MINUTES).lower_is_better is True
    assert preset.context["adminform"].form["lower_is_better"].value() is True
    assert rate_preset.context["adminform"].form["lower_is_better"].value() is False


@pytest.fixture
def goals(booking: BookingWorld) -> dict[str, JointGoal]:
    goal = factories.JointGoalFactory
    return {
        "rate": goal(quarter=booking.q4, metric=RATE, target=D("40")),
        "minutes": goal(quarter=booking.q4, metric=MINUTES, target=D("15"), lower_is_better=True),
        "webinar": goal(
            quarter=booking.q4, metric=RATE, target=D("50"), segment_campaign=booking.webinar
        ),
    }


def test_the_goal_sheet_shows_them_and_each_links_to_records_that_add_up(
    manager_client: Client, booking: BookingWorld, goals: dict[str, JointGoal]
) -> None:
    # when
    response = manager_client.get("/goals/?quarter=2026-Q4")
    page = response.content.decode()
    links = {link.href: link for link in figure_links(page, GOAL_RECORDS)}

    # then every goal is a card whose actual links to its records
    cards = {card.goal.pk: card for card in response.context["sheet"].cards}
    assert cards[goals["rate"].pk].actual_text == "83.3%"
    assert cards[goals["minutes"].pk].actual_text == "30.3 min"
    assert cards[goals["minutes"].pk].status == "behind"  # 30.3 minutes against 15 or lower
    assert cards[goals["webinar"].pk].actual_text == "66.7%"
    assert cards[goals["webinar"].pk].status == "ahead"
    kinds = {goals["rate"].pk: "rate", goals["webinar"].pk: "rate", goals["minutes"].pk: "wait"}
    assert {int(href.split("/")[2]) for href in links} == set(kinds)
    for href, link in links.items():
        drill = read_drill(manager_client, href)
        assert_same(kinds[int(href.split("/")[2])], link.number, drill, href)


def test_the_rate_goal_lists_the_hand_raises_and_the_booked_leads(
    manager_client: Client, booking: BookingWorld, goals: dict[str, JointGoal]
) -> None:
    # when
    url = reverse("goals:records", args=[goals["rate"].pk])
    denominator = read_drill(manager_client, url)
    numerator = read_drill(manager_client, url + "?part=numerator")

    # then
    assert denominator.value_text == "83.3%"
    assert denominator.parts == {"numerator": (5, None), "denominator": (6, None)}
    assert names(booking, denominator.records) == {"l1", "l2", "l3", "l4", "l5", "l9"}
    assert names(booking, numerator.records) == {"l1", "l2", "l4", "l5", "l9"}


def test_the_minutes_goal_lists_each_first_meeting_fastest_first(
    manager_client: Client, booking: BookingWorld, goals: dict[str, JointGoal]
) -> None:
    # when
    response = manager_client.get(reverse("goals:records", args=[goals["minutes"].pk]))
    drill = response.context["drill"]
    page = response.content.decode()

    # then the five first meetings, the median (30.25) in the middle, cancelled l2 among them
    assert (drill.value_text, drill.total, drill.kind) == ("30.3 min", 5, "meeting")
    waits = [round(m.wait_minutes, 2) for m in drill.page]
    assert waits == [0.5, 12.0, 30.25, 45.0, 120.0]
    assert statistics.median(waits) == 30.25
    assert [m.lead_id for m in drill.page][2] == booking.leads["l2"].pk
    assert "Cancelled" in page
    assert "fastest first" in page
    assert "Demo request" in page


def test_a_sales_rep_sees_the_count_but_lists_only_the_meetings_of_their_leads(
    client: Client, other_rep: Any, booking: BookingWorld, goals: dict[str, JointGoal]
) -> None:
    # given another rep, who owns none of the leads
    client.force_login(other_rep)

    # when
    drill = client.get(reverse("goals:records", args=[goals["minutes"].pk])).context["drill"]

    # then all five are counted, none listed
    assert (drill.total, drill.visible, len(drill.page)) == (5, 0, 0)
