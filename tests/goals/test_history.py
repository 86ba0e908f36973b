"""Goal history from day one: a snapshot for every elapsed day, rebuilt from the records as
they stood at the end of that day, equal to what the nightly job records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.core.models import Quarter
from apps.feedback.models import Disqualification
from apps.goals import history, metrics, services
from apps.goals.models import GoalSnapshot, JointGoal, Metric
from apps.leads.models import Activity, Lead, LeadEvent
from apps.opportunities.models import Opportunity
from apps.service.models import Renewal
from apps.users.models import User
from tests import factories
from tests.goals.test_metrics import at, ready_lead

pytestmark = pytest.mark.django_db

D = Decimal
OCT = [date(2026, 10, day) for day in range(1, 11)]  # the elapsed days when "today" is Oct 10
TODAY = OCT[-1]
HISTORY_METRICS = (
    Metric.SALES_READY_LEADS,
    Metric.SLA_COMPLIANCE,
    Metric.FOLLOW_UP_RATE,
    Metric.DISQUALIFICATION_RATE,
    Metric.READY_TO_OPPORTUNITY,
    Metric.PIPELINE_CREATED,
    Metric.REVENUE_WON,
    Metric.WIN_RATE,
)


def q4() -> Quarter:
    return factories.QuarterFactory(
        name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )


def answered(lead: Lead, *, rep: User, when: datetime) -> None:
    """The rep's first attempt on the lead at `when` (the Activity and the lead's counter)."""
    factories.ActivityFactory(lead=lead, rep=rep, occurred_at=when)
    Lead.objects.filter(pk=lead.pk).update(first_response_at=when, attempt_count=1)


def disqualify(lead: Lead, *, rep: User, when: datetime) -> None:
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.DISQUALIFIED, disqualified_at=when)
    factories.DisqualificationFactory(lead=lead, rep=rep, at=when, attempts_at_time=0)


@pytest.fixture
def october(rep: User) -> SimpleNamespace:
    """The hand-worked book, Q4 2026, "today" being Oct 10 (times UTC):

    lead  ready             answer / SLA                        later
    L1    Oct 2 10:00       attempt Oct 2 10:04, met             opportunity created Oct 3
                                                                 (1,000), won Oct 6 12:00
    L2    Oct 4 09:00       due 09:05, breached; attempt Oct 7
    L3    Oct 4 15:00       -                                    disqualified Oct 5 11:00
    L4    Oct 9 23:59:59    -
    L5    Oct 10 00:00:00   -
    L0    Sep 30 23:59:59   (last quarter: never in this cohort)
    lost  -                 an opportunity without lead created Oct 8, lost Oct 9 09:00
    """
    quarter = q4()
    book = SimpleNamespace(quarter=quarter)
    book.l1 = ready_lead(
        at(2026, 10, 2, 10),
        owner=rep,
        sla_state=Lead.SlaState.MET,
        sla_due_at=at(2026, 10, 2, 10, 5),
    )
    answered(book.l1, rep=rep, when=at(2026, 10, 2, 10, 4))
    factories.OpportunityFactory(
        primary_lead=book.l1,
        owner=rep,
        amount=D("1000"),
        created_at=at(2026, 10, 3, 9),
        stage=Opportunity.Stage.WON,
        closed_at=at(2026, 10, 6, 12),
    )
    book.l2 = ready_lead(
        at(2026, 10, 4, 9),
        owner=rep,
        sla_state=Lead.SlaState.BREACHED,
        sla_due_at=at(2026, 10, 4, 9, 5),
        sla_breached_at=at(2026, 10, 4, 9, 5),
        breached_owner=rep,
    )
    answered(book.l2, rep=rep, when=at(2026, 10, 7, 11))
    book.l3 = ready_lead(at(2026, 10, 4, 15))
    disqualify(book.l3, rep=rep, when=at(2026, 10, 5, 11))
    book.l4 = ready_lead(at(2026, 10, 9, 23, 59, 59))
    book.l5 = ready_lead(at(2026, 10, 10))
    ready_lead(at(2026, 9, 30, 23, 59, 59))
    factories.OpportunityFactory(
        owner=rep,
        amount=D("500"),
        created_at=at(2026, 10, 8, 9),
        stage=Opportunity.Stage.LOST,
        closed_at=at(2026, 10, 9, 9),
        lost_reason=factories.LostReasonFactory(name="Budget cut"),
        lost_details="No budget",
    )
    book.goals = {
        metric: factories.JointGoalFactory(quarter=quarter, metric=metric, target=D("50"))
        for metric in HISTORY_METRICS
    }
    return book


def snapshots(goal: JointGoal) -> dict[date, Decimal | None]:
    return dict(GoalSnapshot.objects.filter(goal=goal).values_list("on", "actual"))


# --- An independent count from the raw records -------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """Every record the history reads, fetched once as plain tuples: the reference below
    counts them in Python, day by day, without the metric code."""

    ready: dict[int, list[datetime]]  # lead -> times it became ready
    leads: dict[int, dict[str, Any]]
    attempts: dict[int, list[datetime]]  # lead -> attempt times
    dqs: list[datetime]
    opportunities: list[dict[str, Any]]

    @classmethod
    def load(cls) -> Raw:
        ready: dict[int, list[datetime]] = {}
        for lead_id, when in LeadEvent.objects.filter(kind="status", new_value="ready").values_list(
            "lead_id", "at"
        ):
            ready.setdefault(lead_id, []).append(when)
        attempts: dict[int, list[datetime]] = {}
        for lead_id, when in Activity.objects.values_list("lead_id", "occurred_at"):
            attempts.setdefault(lead_id, []).append(when)
        return cls(
            ready=ready,
            leads={
                row["id"]: row
                for row in Lead.objects.values(
                    "id", "sla_state", "first_response_at", "sla_breached_at"
                )
            },
            attempts=attempts,
            dqs=list(Disqualification.objects.values_list("at", flat=True)),
            opportunities=list(Opportunity.objects.values()),
        )


def reference(raw: Raw, quarter: Quarter, day: date) -> dict[str, Decimal | None]:
    """The history's figures for `day`, counted by hand from the raw records: everything
    stamped from the quarter's first 00:00 UTC up to (not including) 00:00 UTC after `day`."""
    start = history.end_of_day(quarter.starts_on - timedelta(days=1))
    end = history.end_of_day(day)

    def inside(when: datetime | None) -> bool:
        return when is not None and start <= when < end

    def before(when: datetime | None) -> bool:
        return when is not None and when < end

    def pct(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (D(part) * 100 / whole).quantize(D("0.1"), rounding=ROUND_HALF_UP)

    cohort = [lead for lead, times in raw.ready.items() if any(inside(t) for t in times)]
    met = sum(
        1
        for lead in cohort
        if raw.leads[lead]["sla_state"] == "met" and before(raw.leads[lead]["first_response_at"])
    )
    breached = sum(
        1
        for lead in cohort
        if raw.leads[lead]["sla_state"] == "breached" and before(raw.leads[lead]["sla_breached_at"])
    )
    followed = sum(1 for lead in cohort if any(before(t) for t in raw.attempts.get(lead, [])))
    with_opportunity = sum(
        1
        for lead in cohort
        if any(o["primary_lead_id"] == lead and before(o["created_at"]) for o in raw.opportunities)
    )
    created = [o for o in raw.opportunities if inside(o["created_at"])]
    closed = [o for o in raw.opportunities if inside(o["closed_at"])]
    won = [o for o in closed if o["stage"] == "won"]
    return {
        Metric.SALES_READY_LEADS: D(len(cohort)),
        Metric.SLA_COMPLIANCE: pct(met, met + breached),
        Metric.FOLLOW_UP_RATE: pct(followed, len(cohort)),
        Metric.DISQUALIFICATION_RATE: pct(sum(1 for t in raw.dqs if inside(t)), len(cohort)),
        Metric.READY_TO_OPPORTUNITY: pct(with_opportunity, len(cohort)),
        Metric.PIPELINE_CREATED: sum((o["amount"] for o in created), D("0.00")),
        Metric.REVENUE_WON: sum((o["amount"] for o in won), D("0.00")),
        Metric.WIN_RATE: pct(len(won), len(closed)),
    }


# --- The rebuild -------------------------------------------------------------------------------


def test_rebuild_writes_each_elapsed_day_equal_to_a_count_from_the_raw_records(october):  # type: ignore[no-untyped-def]
    # when
    result = services.rebuild_goal_history(quarters=[october.quarter], today=TODAY)
    # then one snapshot per goal and elapsed day (Oct 1..10), none for the days to come
    goals = len(HISTORY_METRICS)
    assert (result.days, result.goals, result.written, result.unchanged) == (
        10,
        goals,
        10 * goals,
        0,
    )
    assert GoalSnapshot.objects.count() == 10 * goals
    raw = Raw.load()
    for metric, goal in october.goals.items():
        expected = {day: reference(raw, october.quarter, day)[metric] for day in OCT}
        assert snapshots(goal) == expected, metric


def test_rebuild_gives_the_hand_worked_history(october):  # type: ignore[no-untyped-def]
    # when
    services.rebuild_goal_history(quarters=[october.quarter], today=TODAY)

    # then, day by day from Oct 1 to Oct 10 (worked out in the fixture's table)
    def by_day(metric: str) -> list[Decimal | None]:
        return [snapshots(october.goals[metric])[day] for day in OCT]

    assert by_day(Metric.SALES_READY_LEADS) == [D(n) for n in (0, 1, 1, 3, 3, 3, 3, 3, 4, 5)]
    assert by_day(Metric.REVENUE_WON) == [D(0)] * 5 + [D(1000)] * 5
    none, rate = None, D
    assert by_day(Metric.DISQUALIFICATION_RATE) == [
        none, rate("0"), rate("0"), rate("0"), *[rate("33.3")] * 4, rate("25"), rate("20")
    ]  # fmt: skip
    assert by_day(Metric.SLA_COMPLIANCE) == [none, rate("100"), rate("100"), *[rate("50")] * 7]
    assert by_day(Metric.FOLLOW_UP_RATE) == [
        none, rate("100"), rate("100"), *[rate("33.3")] * 3, rate("66.7"), rate("66.7"),
        rate("50"), rate("40"),
    ]  # fmt: skip
    assert by_day(Metric.READY_TO_OPPORTUNITY) == [
        none, rate("0"), rate("100"), *[rate("33.3")] * 5, rate("25"), rate("20")
    ]  # fmt: skip
    assert by_day(Metric.PIPELINE_CREATED) == [D(0)] * 2 + [D(1000)] * 5 + [D(1500)] * 3
    assert by_day(Metric.WIN_RATE) == [none] * 5 + [rate("100")] * 3 + [rate("50")] * 2


def test_a_state_reached_later_is_not_on_an_earlier_day(rep):  # type: ignore[no-untyped-def]
    # given a lead ready on day 1, answered on day 4 and disqualified on day 5: its state now
    quarter = q4()
    lead = ready_lead(
        at(2026, 10, 1, 9),
        owner=rep,
        sla_state=Lead.SlaState.MET,
        sla_due_at=at(2026, 10, 4, 9),
    )
    answered(lead, rep=rep, when=at(2026, 10, 4, 8))
    disqualify(lead, rep=rep, when=at(2026, 10, 5, 10))
    dq_goal = factories.JointGoalFactory(quarter=quarter, metric=Metric.DISQUALIFICATION_RATE)
    sla_goal = factories.JointGoalFactory(quarter=quarter, metric=Metric.SLA_COMPLIANCE)
    # when
    services.rebuild_goal_history(quarters=[quarter], today=date(2026, 10, 6))
    # then day 3 shows the lead as it was then: ready, not answered, not disqualified
    assert metrics.compute(Metric.DISQUALIFICATION_RATE, quarter).value == D("100.0")
    assert snapshots(dq_goal)[date(2026, 10, 3)] == D("0.0")
    assert snapshots(dq_goal)[date(2026, 10, 4)] == D("0.0")
    assert snapshots(dq_goal)[date(2026, 10, 5)] == D("100.0")
    assert snapshots(sla_goal)[date(2026, 10, 3)] is None  # the clock was still running
    assert snapshots(sla_goal)[date(2026, 10, 4)] == D("100.0")


def test_rebuilding_again_changes_nothing(october):  # type: ignore[no-untyped-def]
    # given a rebuilt history
    services.rebuild_goal_history(quarters=[october.quarter], today=TODAY)
    before = list(
        GoalSnapshot.objects.order_by("pk").values_list("pk", "goal", "on", "actual", "taken_at")
    )
    # when
    again = services.rebuild_goal_history(quarters=[october.quarter], today=TODAY)
    # then
    assert (again.written, again.unchanged) == (0, len(before))
    after = list(
        GoalSnapshot.objects.order_by("pk").values_list("pk", "goal", "on", "actual", "taken_at")
    )
    assert after == before


def test_rebuild_replaces_a_wrong_snapshot_and_keeps_one_row_per_day(october):  # type: ignore[no-untyped-def]
    # given a snapshot of Oct 3 that disagrees with the records
    goal = october.goals[Metric.SALES_READY_LEADS]
    GoalSnapshot.objects.create(goal=goal, on=date(2026, 10, 3), actual=D("99"))
    # when
    services.rebuild_goal_history(quarters=[october.quarter], today=TODAY)
    # then
    assert GoalSnapshot.objects.filter(goal=goal, on=date(2026, 10, 3)).get().actual == D("1")
    assert GoalSnapshot.objects.filter(goal=goal).count() == len(OCT)


def test_rebuild_without_quarters_covers_every_quarter_that_has_begun(october):  # type: ignore[no-untyped-def]
    # given a goal of Q3 (ended) and of 2027-Q1 (not begun)
    q3 = factories.QuarterFactory(
        name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30)
    )
    q3_goal = factories.JointGoalFactory(quarter=q3, metric=Metric.SALES_READY_LEADS)
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    q1_goal = factories.JointGoalFactory(quarter=q1, metric=Metric.SALES_READY_LEADS)
    # when
    result = services.rebuild_goal_history(today=TODAY)
    # then Q3 has its 92 days (the lead ready on Sep 30 at the end), Q4 its 10, Q1 nothing
    assert result.quarters == ("2026-Q3", "2026-Q4")
    assert result.days == 92 + 10
    q3_history = snapshots(q3_goal)
    assert len(q3_history) == 92
    assert q3_history[date(2026, 9, 29)] == D("0")
    assert q3_history[date(2026, 9, 30)] == D("1")
    assert snapshots(q1_goal) == {}


def test_rebuild_reads_a_few_aggregates_per_goal_and_day_whatever_the_data_size(  # type: ignore[no-untyped-def]
    rep, django_assert_max_num_queries
):
    # given one goal of each history metric, and 2 then 12 answered leads
    quarter = q4()
    for metric in HISTORY_METRICS:
        factories.JointGoalFactory(quarter=quarter, metric=metric)

    def add_leads(count: int) -> None:
        for n in range(count):
            lead = ready_lead(at(2026, 10, 1 + n % 3, 9), owner=rep, sla_state=Lead.SlaState.MET)
            answered(lead, rep=rep, when=at(2026, 10, 1 + n % 3, 10))

    def queries_of_a_rebuild() -> int:
        GoalSnapshot.objects.all().delete()
        with django_assert_max_num_queries(10_000) as captured:
            services.rebuild_goal_history(quarters=[quarter], today=date(2026, 10, 5))
        return len(captured.captured_queries)

    add_leads(2)
    small = queries_of_a_rebuild()
    add_leads(10)
    # when / then: the same count at both sizes, a handful per goal and day
    assert queries_of_a_rebuild() == small
    assert small <= 2 * len(HISTORY_METRICS) * 5 + 5


# --- Nightly and rebuilt agree -------------------------------------------------------------------


@pytest.fixture
def this_quarter(rep: User) -> SimpleNamespace:
    """A quarter around the real today with records for every metric, all stamped before now."""
    today = timezone.localdate()
    now = timezone.now()
    quarter = factories.QuarterFactory(
        name="2099-Q1", starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=70)
    )

    def days_ago(days: float) -> datetime:
        return now - timedelta(days=days)

    campaign = factories.CampaignFactory()
    factories.CampaignSpendFactory(
        campaign=campaign, starts_on=quarter.starts_on, ends_on=quarter.ends_on
    )
    met = ready_lead(
        days_ago(10),
        owner=rep,
        campaign=campaign,
        sla_state=Lead.SlaState.MET,
        sla_due_at=days_ago(9),
    )
    answered(met, rep=rep, when=days_ago(9.9))
    ready_lead(
        days_ago(5),
        owner=rep,
        sla_state=Lead.SlaState.BREACHED,
        sla_due_at=days_ago(4.9),
        sla_breached_at=days_ago(4.9),
        breached_owner=rep,
    )
    junk = ready_lead(days_ago(3))
    disqualify(junk, rep=rep, when=days_ago(1))
    ready_lead(days_ago(0.01), owner=rep, sla_state=Lead.SlaState.PENDING, sla_due_at=now)
    factories.OpportunityFactory(
        primary_lead=met,
        owner=rep,
        amount=D("4000"),
        created_at=days_ago(8),
        stage=Opportunity.Stage.WON,
        closed_at=days_ago(2),
    )
    factories.OpportunityFactory(
        owner=rep,
        amount=D("700"),
        type=Opportunity.Type.EXPANSION,
        created_at=days_ago(6),
        stage=Opportunity.Stage.WON,
        closed_at=days_ago(0.5),
    )
    factories.OpportunityFactory(owner=rep, created_at=days_ago(1))
    factories.RenewalFactory(
        due_on=today - timedelta(days=3),
        outcome=Renewal.Outcome.RENEWED,
        renewed_amount=D("20000"),
        closed_at=days_ago(3),
    )
    factories.RenewalFactory(due_on=today + timedelta(days=3))
    return SimpleNamespace(quarter=quarter, today=today)


def test_the_nightly_snapshot_equals_the_rebuilt_one_for_today(this_quarter):  # type: ignore[no-untyped-def]
    # given a goal of every metric
    goals = [
        factories.JointGoalFactory(quarter=this_quarter.quarter, metric=metric)
        for metric in Metric.values
    ]
    # when the nightly job runs, then the history is rebuilt
    assert services.snapshot_goals() == len(goals)
    nightly = {goal.pk: snapshots(goal)[this_quarter.today] for goal in goals}
    rebuilt = services.rebuild_goal_history(quarters=[this_quarter.quarter])
    # then today's rows already held the rebuilt values, and equal the live actuals
    assert GoalSnapshot.objects.filter(on=this_quarter.today).count() == len(goals)
    assert rebuilt.written == rebuilt.days * len(goals) - len(goals)  # all but today's
    for goal in goals:
        assert snapshots(goal)[this_quarter.today] == nightly[goal.pk], goal.metric
        live = metrics.compute(goal.metric, this_quarter.quarter).value
        assert nightly[goal.pk] == live, goal.metric
    assert {nightly[goal.pk] for goal in goals} != {None}  # the book gives the metrics values


def test_every_metric_as_of_the_end_of_today_is_its_live_value(this_quarter):  # type: ignore[no-untyped-def]
    # when / then: as_of only leaves out what is stamped later, and nothing is
    tonight = history.end_of_day(this_quarter.today)
    for metric in metrics.METRICS:
        live = metrics.compute(metric, this_quarter.quarter)
        assert metrics.compute(metric, this_quarter.quarter, as_of=tonight) == live, metric


# --- The command -------------------------------------------------------------------------------


def test_command_rebuilds_the_named_quarter_and_says_what_it_wrote(october):  # type: ignore[no-untyped-def]
    # given
    days = len(history.elapsed_days(october.quarter, timezone.localdate()))
    out = StringIO()
    # when
    call_command("rebuild_goal_history", "--quarter", "2026-Q4", stdout=out)
    call_command("rebuild_goal_history", "--quarter", "2026-Q4", stdout=out)
    # then
    goals = len(HISTORY_METRICS)
    first, second = out.getvalue().splitlines()
    assert first.startswith(
        f"Rebuilt 2026-Q4: {days} days of {goals} goals; {days * goals} snapshots written, "
        "0 unchanged"
    )
    assert f"0 snapshots written, {days * goals} unchanged" in second
    assert GoalSnapshot.objects.count() == days * goals


def test_command_refuses_an_unknown_quarter(october):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="No quarter is named '1999-Q1'"):
        call_command("rebuild_goal_history", "--quarter", "1999-Q1", stdout=StringIO())


def test_every_metric_as_of_before_the_quarter_counts_nothing_of_it(this_quarter):  # type: ignore[no-untyped-def]
    # given a moment before the quarter opened (nothing of the quarter is known yet)
    before = history.end_of_day(this_quarter.quarter.starts_on - timedelta(days=1))
    # when / then: the windowed metrics read an empty window: no rate, no average, no money
    for metric in metrics.METRICS:
        if metric == Metric.GROSS_REVENUE_RETENTION:
            continue  # renewals due in the quarter are known before it opens (not windowed)
        value = metrics.compute(metric, this_quarter.quarter, as_of=before).value
        assert value in (None, D(0)), metric


def test_command_refuses_an_empty_quarter_name(october):  # type: ignore[no-untyped-def]
    # an empty --quarter is a mistake, not "the current quarter"
    with pytest.raises(CommandError, match="No quarter is named ''"):
        call_command("rebuild_goal_history", "--quarter", "", stdout=StringIO())
    assert not GoalSnapshot.objects.exists()
