"""The rules under the goal figures, case by case: the quarter window cut at a moment, the days
of a quarter, pace and status, a goal's segment, and how a won deal is split between campaigns
(W-shaped roles, cents that add up to the deal)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from apps.core.models import Quarter
from apps.goals import metrics
from apps.goals.metrics.base import window
from apps.goals.metrics.progress import pace_status
from apps.leads.models import Lead
from apps.opportunities.attribution import Touch, split_cents, touch_weights
from apps.opportunities.models import CampaignCredit, Opportunity
from tests import factories

D = Decimal
F = Fraction
Q4 = Quarter(name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31))  # 92 days
Q4_START = datetime(2026, 10, 1, tzinfo=UTC)
Q4_END = datetime(2027, 1, 1, tzinfo=UTC)  # the window is half-open: [start, end)


# --- The quarter window as the records stood at a moment ---


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(None, (Q4_START, Q4_END), id="no-moment-is-the-whole-quarter"),
        pytest.param(
            datetime(2026, 9, 15, tzinfo=UTC), (Q4_START, Q4_START), id="before-it-is-empty"
        ),
        pytest.param(
            datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            (Q4_START, datetime(2026, 11, 2, 9, 30, tzinfo=UTC)),
            id="inside-it-is-cut-at-the-moment",
        ),
        pytest.param(Q4_END, (Q4_START, Q4_END), id="at-its-end-is-the-whole-quarter"),
        pytest.param(
            datetime(2027, 2, 1, tzinfo=UTC), (Q4_START, Q4_END), id="after-it-is-the-whole-quarter"
        ),
    ],
)
def test_the_window_as_of_a_moment_is_the_quarter_to_that_moment(
    as_of: datetime | None, expected: tuple[datetime, datetime]
) -> None:
    # given the 2026-Q4 quarter, Oct 1 to Dec 31
    # when
    cut = window(Q4, as_of)
    # then
    assert cut == expected


# --- Days of the quarter ---


@pytest.mark.parametrize(
    ("today", "elapsed"),
    [
        pytest.param(date(2026, 9, 30), 0, id="the-day-before-none-has-elapsed"),
        pytest.param(date(2026, 10, 1), 1, id="the-first-day-counts-itself"),
        pytest.param(date(2026, 10, 30), 30, id="day-30"),
        pytest.param(date(2026, 12, 31), 92, id="the-last-day-all-have-elapsed"),
        pytest.param(date(2027, 1, 15), 92, id="after-it-stays-at-the-total"),
    ],
)
def test_elapsed_days_include_today_and_stop_at_the_quarter_bounds(
    today: date, elapsed: int
) -> None:
    # given the 92-day 2026-Q4 quarter
    # when
    days = metrics.quarter_days(Q4, today)
    # then
    assert days == (elapsed, 92)


# --- Pace status ---


@pytest.mark.parametrize(
    ("actual", "pace", "lower_is_better", "status"),
    [
        pytest.param("0", "0", False, "on_track", id="nothing-due-and-nothing-done-is-on-track"),
        pytest.param("0", "0", True, "on_track", id="nothing-due-nothing-used-is-on-track"),
        pytest.param("3", "0", False, "ahead", id="something-done-before-anything-is-due-is-ahead"),
        pytest.param("3", "0", True, "behind", id="something-used-when-nothing-is-allowed-behind"),
        pytest.param("110", "100", False, "on_track", id="exactly-10pct-above-is-on-track"),
        pytest.param("90", "100", False, "on_track", id="exactly-10pct-below-is-on-track"),
        pytest.param("110.01", "100", False, "ahead", id="more-than-10pct-above-is-ahead"),
        pytest.param("89.99", "100", False, "behind", id="more-than-10pct-below-is-behind"),
        pytest.param("110", "100", True, "on_track", id="lower-better-10pct-above-is-on-track"),
        pytest.param("110.01", "100", True, "behind", id="lower-better-above-the-band-is-behind"),
        pytest.param("89.99", "100", True, "ahead", id="lower-better-below-the-band-is-ahead"),
        pytest.param("0.5", "1", True, "ahead", id="lower-better-half-the-allowed-is-ahead"),
        pytest.param("0.5", "1", False, "behind", id="half-the-pace-is-behind"),
    ],
)
def test_on_track_is_within_ten_percent_of_the_pace_either_way(
    actual: str, pace: str, lower_is_better: bool, status: str
) -> None:
    # given an actual and the pace it is measured against
    # when
    result = pace_status(D(actual), D(pace), lower_is_better=lower_is_better)
    # then
    assert result == status


@pytest.mark.django_db
def test_goal_progress_counts_only_the_leads_of_the_goals_segment() -> None:
    # given two sales-ready leads in 2026-Q4, one from a referral and one from the web form,
    # and a goal of 10 sales-ready referral leads
    quarter = factories.QuarterFactory()
    for source in (Lead.Source.REFERRAL, Lead.Source.WEB_FORM):
        ready_at = datetime(2026, 10, 5, 10, tzinfo=UTC)
        lead = factories.LeadFactory(source=source, status=Lead.Status.READY, ready_at=ready_at)
        factories.LeadEventFactory(
            lead=lead, kind="status", old_value="nurture", new_value="ready", at=ready_at
        )
    goal = factories.JointGoalFactory(
        quarter=quarter, metric="sales_ready_leads", target=D("10"), segment_source="referral"
    )
    # when
    progress = metrics.goal_progress(goal, date(2026, 10, 30))
    # then the web-form lead does not count towards it
    assert progress.goal == goal
    assert progress.actual.value == D("1")
    assert progress.percent_of_target == D("10.0")  # 1 / 10


# --- Attribution: W-shaped roles and the cents of a split ---


def journey(*leads: int) -> list[Touch]:
    """One campaign touch per lead id given, oldest first, each on its own campaign."""
    return [
        Touch(
            pk=n,
            lead_id=lead,
            campaign_id=100 + n,
            occurred_at=datetime(2026, 10, n, tzinfo=UTC),
        )
        for n, lead in enumerate(leads, start=1)
    ]


@pytest.mark.parametrize(
    ("touches", "primary", "weights"),
    [
        pytest.param(journey(1), 1, {0: F(1)}, id="one-touch-holds-every-role"),
        pytest.param(
            journey(1, 2), 2, {0: F(7, 20), 1: F(13, 20)}, id="two-touches-share-the-rest"
        ),
        pytest.param(
            journey(1, 2, 2, 1),
            2,
            {0: F(3, 10), 1: F(3, 10), 2: F(1, 10), 3: F(3, 10)},
            id="lead-creation-is-the-primary-leads-first-touch",
        ),
        pytest.param(
            journey(1, 1, 1),
            None,
            {0: F(6, 10), 1: F(1, 10), 2: F(3, 10)},
            id="without-a-primary-lead-creation-is-the-first-touch",
        ),
        pytest.param(
            journey(1, 3, 3, 1, 1),
            2,
            {0: F(6, 10), 1: F(1, 30), 2: F(1, 30), 3: F(1, 30), 4: F(3, 10)},
            id="a-primary-lead-without-touches-falls-back-to-the-first",
        ),
    ],
)
def test_w_shaped_gives_thirty_percent_per_role_and_spreads_ten_over_the_rest(
    touches: list[Touch], primary: int | None, weights: dict[int, Fraction]
) -> None:
    # given a journey, oldest first, and the deal's primary lead
    # when
    result = touch_weights(touches, "w_shaped", primary)
    # then
    assert result == weights


def test_an_unknown_attribution_model_is_refused_by_name() -> None:
    # given a journey of two touches
    touches = journey(1, 2)
    # when / then
    with pytest.raises(ValueError, match=r"^Unknown attribution model 'u_shaped'\.$"):
        touch_weights(touches, "u_shaped", 1)


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        pytest.param(
            "100.00", [("a", F(1))], {"a": D("100.00")}, id="one-campaign-gets-the-whole-amount"
        ),
        pytest.param(
            "10.00",
            [("a", F(3, 10)), ("b", F(3, 10)), ("c", F(3, 10)), ("d", F(1, 10))],
            {"a": D("3.00"), "b": D("3.00"), "c": D("3.00"), "d": D("1.00")},
            id="whole-cents-split-exactly",
        ),
        pytest.param(
            "100.00",
            [("a", F(1, 3)), ("b", F(1, 3)), ("c", F(1, 3))],
            {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")},
            id="an-even-tie-gives-the-cent-to-the-earlier-campaign",
        ),
        pytest.param(
            "1.00",
            [("a", F(5, 6)), ("b", F(1, 6))],
            {"a": D("0.83"), "b": D("0.17")},
            id="the-left-cent-goes-to-the-largest-remainder",  # 83.33 and 16.67 cents
        ),
        pytest.param(
            "0.05",
            [("a", F(1, 4)), ("b", F(1, 4)), ("c", F(1, 4)), ("d", F(1, 4))],
            {"a": D("0.02"), "b": D("0.01"), "c": D("0.01"), "d": D("0.01")},
            id="a-cent-left-over-goes-once-to-the-first-of-equal-remainders",
        ),
        pytest.param(
            "7.00",
            [("a", F(4, 7)), ("b", F(2, 7)), ("c", F(1, 7))],
            {"a": D("4.00"), "b": D("2.00"), "c": D("1.00")},
            id="exact-sevenths-leave-nothing-over",
        ),
    ],
)
def test_split_cents_adds_up_to_the_deal_to_the_cent(
    amount: str, weights: list[tuple[Any, Fraction]], expected: dict[str, Decimal]
) -> None:
    # given a deal amount and the campaigns' shares of it
    # when
    split = split_cents(D(amount), weights)
    # then
    assert split == expected
    assert sum(split.values()) == D(amount)


@pytest.fixture
def three_way_deal(db):  # type: ignore[no-untyped-def]
    """A deal of 100.00 won after one touch from each of three campaigns, oldest first:
    Spring, Summer, Autumn (the factories credit it as change_stage does)."""
    account = factories.AccountFactory()
    for n, name in enumerate(("Spring", "Summer", "Autumn"), start=1):
        factories.TouchpointFactory(
            lead=factories.LeadFactory(account=account),
            campaign=factories.CampaignFactory(name=name),
            kind="form_submit",
            occurred_at=datetime(2026, 10, n, tzinfo=UTC),
        )
    return factories.OpportunityFactory(
        account=account,
        amount=D("100.00"),
        created_at=datetime(2026, 10, 10, tzinfo=UTC),
        stage=Opportunity.Stage.WON,
        closed_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_a_won_deal_split_three_ways_gives_the_odd_cent_to_the_oldest_campaign(three_way_deal):  # type: ignore[no-untyped-def]
    # given a deal of 100.00 won after touches of Spring, Summer and Autumn
    # when its linear credits are read
    credits = dict(
        CampaignCredit.objects.filter(
            opportunity=three_way_deal, model=CampaignCredit.Attribution.LINEAR
        ).values_list("campaign__name", "amount")
    )
    # then they add up to the deal to the cent
    assert credits == {"Spring": D("33.34"), "Summer": D("33.33"), "Autumn": D("33.33")}
