"""Every metric of the goal sheet against a small book of records worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import Quarter
from apps.goals import metrics
from apps.goals.metrics import Segment, compute, drilldown, revenue
from apps.goals.models import Metric
from apps.leads.models import Lead
from apps.routing.models import Holiday, SlaPolicy
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ready_lead(ready_at: datetime, **fields: Any) -> Lead:
    """A lead that became ready at `ready_at`, with the status event the metrics count (and,
    given a campaign, the campaign touch that makes it the lead's source campaign)."""
    if fields.get("owner") is not None:
        fields.setdefault("assigned_at", ready_at)
    lead = factories.LeadFactory(
        ready_at=ready_at,
        status=Lead.Status.WORKING if fields.get("owner") else Lead.Status.READY,
        **fields,
    )
    factories.LeadEventFactory(
        lead=lead, kind="status", old_value="nurture", new_value="ready", at=ready_at
    )
    if lead.campaign is not None:
        # the touch that brought the lead in: its first campaign touch, so its source campaign
        factories.TouchpointFactory(
            lead=lead, campaign=lead.campaign, kind="form_submit", occurred_at=ready_at
        )
    return lead


def quarters() -> SimpleNamespace:
    return SimpleNamespace(
        q3=factories.QuarterFactory(
            name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30)
        ),
        q4=factories.QuarterFactory(
            name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
        ),
        q1=factories.QuarterFactory(
            name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
        ),
    )


@pytest.fixture
def book(rep, other_rep):  # type: ignore[no-untyped-def]
    """The hand-worked book. No SLA policy is active, so speed is in plain minutes.

    Q4 cohort (ready events in [2026-10-01, 2027-01-01)), five leads:
      lead  campaign source    country        owner/breached   ready→first response  sla       attempts
      L1    A        web_form  US (acme)      sam              10:00→10:04 = 4 min   met       2
      L2    A        paid      "" → DE (glx)  sara / sam       10:00→10:10 = 10 min  breached  1
      L3    B        paid      DE (globex)    sara             09:00→09:30 = 30 min  met       3
      L4    B        web_form  US (acme)      sara / sara      never answered        breached  0
      L5    -        referral  US (none)      sam              Dec 31 23:59:59 → +3  met       1
    L1 became ready twice in Q4 (a dispute re-routed it): it still counts once.
    L6 became ready at 2027-01-01 00:00:00 (Q1, not Q4). L7 is Q3's only ready lead.
    acme is a target account in the US, globex a standard one in DE.
    """
    q = quarters()
    acme = factories.AccountFactory(name="Acme", country="US", tier="target")
    globex = factories.AccountFactory(name="Globex", country="DE", tier="standard")
    camp_a = factories.CampaignFactory(name="A", quarter=q.q4)
    camp_b = factories.CampaignFactory(name="B", quarter=q.q4)
    old = factories.CampaignFactory(name="Old", quarter=q.q3)
    # Spend in Q4: A 4000 over the quarter + 2000 on 15 Nov = 6000, B 3000; Old's 1000 is Q3's.
    spend = factories.CampaignSpendFactory
    spend(campaign=camp_a, starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), amount=4000)
    spend(campaign=camp_a, starts_on=date(2026, 11, 15), ends_on=date(2026, 11, 15), amount=2000)
    spend(campaign=camp_b, starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), amount=3000)
    spend(campaign=old, starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30), amount=1000)
    l1 = ready_lead(
        at(2026, 10, 5, 10),
        campaign=camp_a,
        source="web_form",
        country="US",
        account=acme,
        owner=rep,
        first_response_at=at(2026, 10, 5, 10, 4),
        sla_state="met",
        attempt_count=2,
    )
    factories.LeadEventFactory(
        lead=l1, kind="status", old_value="nurture", new_value="ready", at=at(2026, 10, 25)
    )
    l2 = ready_lead(
        at(2026, 10, 6, 10),
        campaign=camp_a,
        source="paid",
        country="",
        account=globex,
        owner=other_rep,
        breached_owner=rep,
        first_response_at=at(2026, 10, 6, 10, 10),
        sla_state="breached",
        attempt_count=1,
    )
    l3 = ready_lead(
        at(2026, 10, 7, 9),
        campaign=camp_b,
        source="paid",
        country="DE",
        account=globex,
        owner=other_rep,
        first_response_at=at(2026, 10, 7, 9, 30),
        sla_state="met",
        attempt_count=3,
    )
    l4 = ready_lead(
        at(2026, 11, 2, 12),
        campaign=camp_b,
        source="web_form",
        country="US",
        account=acme,
        owner=other_rep,
        breached_owner=other_rep,
        sla_state="breached",
        attempt_count=0,
    )
    l5 = ready_lead(
        at(2026, 12, 31, 23, 59, 59),
        source="referral",
        country="US",
        owner=rep,
        first_response_at=at(2027, 1, 1, 0, 2, 59),
        sla_state="met",
        attempt_count=1,
    )
    l6 = ready_lead(
        at(2027, 1, 1),
        source="web_form",
        country="US",
        owner=rep,
        first_response_at=at(2027, 1, 1, 0, 1),
        sla_state="met",
        attempt_count=1,
    )
    l7 = ready_lead(
        at(2026, 9, 15, 10),
        source="web_form",
        country="US",
        owner=rep,
        first_response_at=at(2026, 9, 15, 10, 20),
        sla_state="met",
        attempt_count=1,
    )
    # First-touch assets: L1 and L3 whitepaper (L3's page view has no asset, its later pricing
    # visit is not first), L4 pricing, L2 and L5 none.
    whitepaper = factories.AssetFactory(name="Whitepaper", campaign=camp_a)
    pricing = factories.AssetFactory(name="Pricing", campaign=camp_b, kind="pricing")
    factories.TouchpointFactory(lead=l1, asset=whitepaper, occurred_at=at(2026, 9, 1))
    factories.TouchpointFactory(lead=l3, occurred_at=at(2026, 10, 1))
    factories.TouchpointFactory(lead=l3, asset=whitepaper, occurred_at=at(2026, 10, 2))
    factories.TouchpointFactory(lead=l3, asset=pricing, occurred_at=at(2026, 10, 3))
    factories.TouchpointFactory(lead=l4, asset=pricing, occurred_at=at(2026, 10, 20))
    factories.TouchpointFactory(lead=l2, occurred_at=at(2026, 10, 1))
    # Disqualifications: three in Q4 (attempts 3, 0, 2; two junk), one in Q3 (6 attempts).
    budget = factories.DisqualificationReasonFactory(code="no-budget", label="No budget")
    spam = factories.DisqualificationReasonFactory(code="spam", label="Spam", is_junk=True)
    d1 = factories.DisqualificationFactory(
        lead=l3, rep=other_rep, reason=budget, attempts_at_time=3, at=at(2026, 11, 10)
    )
    d2 = factories.DisqualificationFactory(
        lead=l4, rep=other_rep, reason=spam, attempts_at_time=0, at=at(2026, 11, 20)
    )
    d3 = factories.DisqualificationFactory(
        lead=l2, rep=rep, reason=spam, attempts_at_time=2, at=at(2026, 12, 1)
    )
    factories.DisqualificationFactory(
        lead=l7, rep=rep, reason=budget, attempts_at_time=6, at=at(2026, 9, 20)
    )
    # Opportunities.
    o1 = factories.OpportunityFactory(  # Q4 → won in Q4 after 36.5 days
        account=acme,
        primary_lead=l1,
        owner=rep,
        amount=D("10000"),
        created_at=at(2026, 10, 10),
        stage="won",
        closed_at=at(2026, 11, 15, 12),
    )
    o2 = factories.OpportunityFactory(  # Q4 → lost in Q4
        account=globex,
        primary_lead=l3,
        owner=other_rep,
        amount=D("5000"),
        created_at=at(2026, 11, 1, 12),
        stage="lost",
        closed_at=at(2026, 12, 1, 12),
        lost_reason=factories.LostReasonFactory(name="Price"),
    )
    o3 = factories.OpportunityFactory(  # Q4 → won in Q1 2027
        account=acme,
        primary_lead=l2,
        owner=other_rep,
        amount=D("8000"),
        created_at=at(2026, 12, 10),
        stage="won",
        closed_at=at(2027, 1, 5),
    )
    o4 = factories.OpportunityFactory(  # Q3 → won in Q4 after 80 days, an expansion
        account=acme,
        owner=rep,
        amount=D("4000"),
        type="expansion",
        created_at=at(2026, 8, 1),
        stage="won",
        closed_at=at(2026, 10, 20),
    )
    o5 = factories.OpportunityFactory(  # Q4, still open
        account=globex,
        primary_lead=l5,
        owner=rep,
        amount=D("2000"),
        created_at=at(2026, 12, 20),
    )
    # Renewals due in Q4 (R6 is due in Q1).
    churn = factories.ChurnReasonFactory()
    renewals = [
        factories.RenewalFactory(
            account=acme,
            due_on=date(2026, 10, 15),
            amount=D("10000"),
            outcome="renewed",
            renewed_amount=D("12000"),
            closed_at=at(2026, 10, 10),
        ),
        factories.RenewalFactory(
            account=acme,
            due_on=date(2026, 11, 15),
            amount=D("5000"),
            outcome="renewed",
            renewed_amount=D("4000"),
            closed_at=at(2026, 11, 10),
        ),
        factories.RenewalFactory(
            account=globex,
            due_on=date(2026, 12, 1),
            amount=D("3000"),
            outcome="renewed",
            closed_at=at(2026, 11, 30),
        ),
        factories.RenewalFactory(
            account=globex,
            due_on=date(2026, 12, 15),
            amount=D("2000"),
            outcome="churned",
            churn_reason=churn,
            closed_at=at(2026, 12, 14),
        ),
        factories.RenewalFactory(
            account=globex, due_on=date(2026, 12, 31), amount=D("5000"), outcome="pending"
        ),
    ]
    factories.RenewalFactory(account=globex, due_on=date(2027, 1, 5), amount=D("9999"))
    return SimpleNamespace(
        **vars(q), acme=acme, globex=globex, camp_a=camp_a, camp_b=camp_b,
        whitepaper=whitepaper, pricing=pricing, budget=budget, spam=spam,
        leads=[l1, l2, l3, l4, l5], l6=l6, l7=l7, dqs=[d1, d2, d3],
        opps=[o1, o2, o3, o4, o5], renewals=renewals,
    )  # fmt: skip


def value(metric: str, quarter: Quarter, segment: Segment | None = None) -> Decimal | None:
    return compute(metric, quarter, segment).value


# --- Every metric, by hand ---


def test_every_metric_matches_the_hand_worked_book(book):  # type: ignore[no-untyped-def]
    # given the book above
    # when / then
    expected = {
        # L1..L5; L1's second ready event does not count twice, L6 is Q1's
        Metric.SALES_READY_LEADS: D("5"),
        # minutes [3, 4, 10, 30]: median (4 + 10) / 2, p90 sorted[ceil(3.6) - 1] = sorted[3]
        Metric.SPEED_TO_LEAD_MEDIAN: D("7.0"),
        Metric.SPEED_TO_LEAD_P90: D("30.0"),
        # met L1 L3 L5 / settled 5
        Metric.SLA_COMPLIANCE: D("60.0"),
        # attempts > 0: L1 L2 L3 L5 / 5
        Metric.FOLLOW_UP_RATE: D("80.0"),
        # (3 + 0 + 2) / 3 = 1.666…; Q3's 6 attempts are outside
        Metric.ATTEMPTS_BEFORE_DQ: D("1.7"),
        # 3 disqualifications / 5 ready
        Metric.DISQUALIFICATION_RATE: D("60.0"),
        metrics.JUNK_SHARE: D("40.0"),  # 2 spam / 5 ready
        # L1 (O1), L2 (O3), L3 (O2), L5 (O5) / 5
        Metric.READY_TO_OPPORTUNITY: D("80.0"),
        # created in Q4: O1 won, O2 lost, O3 won later, O5 open → 2 / 4
        Metric.OPPORTUNITY_TO_WON: D("50.0"),
        # closed in Q4: O1 won, O4 won, O2 lost → 2 / 3
        Metric.WIN_RATE: D("66.7"),
        # O1 10000 + O2 5000 + O3 8000 + O5 2000
        Metric.PIPELINE_CREATED: D("25000.00"),
        # won in Q4: O1 10000 + O4 4000 (O3 is Q1's)
        Metric.REVENUE_WON: D("14000.00"),
        # O1 36.5 days, O4 80 days → 58.25
        Metric.SALES_CYCLE_DAYS: D("58.3"),
        # spend dated in Q4: A 6000 + B 3000 (Old's is dated in Q3) = 9000 / 5 ready; / 2 won
        Metric.COST_PER_READY_LEAD: D("1800.00"),
        Metric.COST_PER_WON_DEAL: D("4500.00"),
        # retained min(12000,10000) + min(4000,5000) + 3000 + churned 0 + pending 0 = 17000
        # / due 10000 + 5000 + 3000 + 2000 + 5000 = 25000
        Metric.GROSS_REVENUE_RETENTION: D("68.0"),
        Metric.EXPANSION_REVENUE: D("4000.00"),  # O4
    }
    actual = {metric: value(metric, book.q4) for metric in expected}
    assert actual == expected


def test_inside_shared_reads_the_figures_of_one_cohort_read_it_once_and_agree(  # type: ignore[no-untyped-def]
    book, django_assert_num_queries
):
    # given: the cohort figures of the book, each computed alone
    cohort_metrics = (
        Metric.SALES_READY_LEADS,
        Metric.SLA_COMPLIANCE,
        Metric.FOLLOW_UP_RATE,
        Metric.READY_TO_OPPORTUNITY,
        Metric.SPEED_TO_LEAD_MEDIAN,
        Metric.SPEED_TO_LEAD_P90,
    )
    alone = {metric: value(metric, book.q4) for metric in cohort_metrics}
    # when: a page computes them all in one block: one grouped read of the cohort (its
    # counts and its answered leads' minutes)
    with metrics.shared_reads(), django_assert_num_queries(1):
        shared = {metric: value(metric, book.q4) for metric in cohort_metrics}
    # then
    assert (
        shared
        == alone
        == {
            Metric.SALES_READY_LEADS: D("5"),
            Metric.SLA_COMPLIANCE: D("60.0"),
            Metric.FOLLOW_UP_RATE: D("80.0"),
            Metric.READY_TO_OPPORTUNITY: D("80.0"),
            Metric.SPEED_TO_LEAD_MEDIAN: D("7.0"),
            Metric.SPEED_TO_LEAD_P90: D("30.0"),
        }
    )


def test_a_cohort_read_gives_the_speed_sets_asked_for_and_a_wider_read_answers_a_narrower(  # type: ignore[no-untyped-def]
    book, rep, other_rep, django_assert_num_queries
):
    # given the book's Q4 answers: sam 4 (L1, campaign A), 10 (L2, breached under sam, A) and
    # 3 (L5, no campaign); sara 30 (L3, B)
    sam = metrics.base.Speed(median=4.0, p90=10.0)
    campaign_a = metrics.base.Speed(median=7.0, p90=10.0)
    whole = metrics.base.Speed(median=7.0, p90=30.0)
    # when, in one block holding another figure's read and a read of every set of Q3, the
    # goal sheet's read (reps) and then the performance page's (campaigns, channels) are made
    with metrics.shared_reads(), django_assert_num_queries(3):
        metrics.base.shared(("deal_rows", book.q4.pk), list)
        q3 = metrics.base.cohort_read(book.q3)
        reps = metrics.base.cohort_read(book.q4, metrics.base.BY_REP)
        again = metrics.base.cohort_read(book.q4, metrics.base.BY_REP)
        whole_only = metrics.base.cohort_read(book.q4, frozenset())
        campaigns = metrics.base.cohort_read(book.q4, metrics.base.BY_CAMPAIGN)
    # then each has its own sets' figures and the whole cohort's, and none of the others
    assert again is reps
    assert whole_only is reps
    assert q3 is not reps
    assert q3.speed(*metrics.base.ALL) != whole
    assert reps.speed("rep", rep.pk) == sam
    assert reps.speed("rep", other_rep.pk) == metrics.base.Speed(median=30.0, p90=30.0)
    assert reps.speed("campaign", book.camp_a.pk) == metrics.base.NO_SPEED
    assert campaigns.speed("campaign", book.camp_a.pk) == campaign_a
    assert campaigns.speed("channel", book.camp_a.channel) != metrics.base.NO_SPEED
    assert campaigns.speed("rep", rep.pk) == metrics.base.NO_SPEED
    assert reps.speed(*metrics.base.ALL) == campaigns.speed(*metrics.base.ALL) == whole
    assert reps.groups == campaigns.groups
    # and a read of every set answers for either afterwards, without reading again
    with metrics.shared_reads(), django_assert_num_queries(1):
        every = metrics.base.cohort_read(book.q4)
        assert metrics.base.cohort_read(book.q4, metrics.base.BY_REP) is every
        assert metrics.base.cohort_read(book.q4, metrics.base.BY_CAMPAIGN) is every
    assert every.speed("rep", rep.pk) == sam
    assert every.speed("campaign", book.camp_a.pk) == campaign_a
    # and a set that does not exist is an error, not an empty figure
    with pytest.raises(ValueError, match="team"):
        metrics.base.cohort_read(book.q4, frozenset({"team"}))


def test_shared_reads_end_with_their_block_so_a_later_read_sees_new_records(book):  # type: ignore[no-untyped-def]
    # given: the cohort read inside a block
    with metrics.shared_reads():
        assert value(Metric.SALES_READY_LEADS, book.q4) == D("5")
        # a lead made ready meanwhile is not seen inside the same block (one page, one read)
        ready_lead(at(2026, 11, 2, 9), owner=book.leads[0].owner)
        assert value(Metric.SALES_READY_LEADS, book.q4) == D("5")
    # when / then: after the block every call reads the records again
    assert value(Metric.SALES_READY_LEADS, book.q4) == D("6")
    with metrics.shared_reads():
        assert value(Metric.SALES_READY_LEADS, book.q4) == D("6")
    # a segment and an as_of are separate reads
    with metrics.shared_reads():
        assert value(Metric.SALES_READY_LEADS, book.q4, Segment(campaign_id=book.camp_a.pk)) == D(
            "2"
        )
        assert value(Metric.SALES_READY_LEADS, book.q4) == D("6")


def test_every_metric_names_its_unit_and_label(book):  # type: ignore[no-untyped-def]
    # when
    results = {metric: compute(metric, book.q4) for metric in metrics.METRICS}
    # then
    assert results[Metric.SALES_READY_LEADS].unit == "count"
    assert results[Metric.SPEED_TO_LEAD_P90].unit == "minutes"
    assert results[Metric.WIN_RATE].unit == "percent"
    assert results[Metric.SALES_CYCLE_DAYS].unit == "days"
    assert results[Metric.COST_PER_WON_DEAL].unit == "money"
    assert results[Metric.REVENUE_WON].label == "Revenue won"
    assert results[metrics.JUNK_SHARE].label == "Junk share (%)"


def test_compute_refuses_an_unknown_metric(book):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="Unknown metric"):
        compute("happiness", book.q4)


def test_drilldown_returns_the_records_behind_each_number(book):  # type: ignore[no-untyped-def]
    # given
    l1, l2, l3, l4, l5 = book.leads
    o1, o2, o3, o4, o5 = book.opps

    def ids(metric: str) -> set[int]:
        return set(drilldown(metric, book.q4).values_list("pk", flat=True))

    # then
    assert ids(Metric.SALES_READY_LEADS) == {lead.pk for lead in book.leads}
    assert ids(Metric.SPEED_TO_LEAD_MEDIAN) == {l1.pk, l2.pk, l3.pk, l5.pk}
    assert ids(Metric.SLA_COMPLIANCE) == {lead.pk for lead in book.leads}
    assert ids(Metric.DISQUALIFICATION_RATE) == {dq.pk for dq in book.dqs}
    assert ids(metrics.JUNK_SHARE) == {book.dqs[1].pk, book.dqs[2].pk}
    assert ids(Metric.PIPELINE_CREATED) == {o1.pk, o2.pk, o3.pk, o5.pk}
    assert ids(Metric.WIN_RATE) == {o1.pk, o2.pk, o4.pk}
    assert ids(Metric.REVENUE_WON) == {o1.pk, o4.pk}
    assert ids(Metric.EXPANSION_REVENUE) == {o4.pk}
    assert ids(Metric.GROSS_REVENUE_RETENTION) == {r.pk for r in book.renewals}
    assert drilldown(Metric.REVENUE_WON, book.q4).model.__name__ == "Opportunity"


# --- Edges ---


def test_a_lead_ready_on_the_last_second_counts_and_the_next_second_does_not(rep):  # type: ignore[no-untyped-def]
    # given
    q = quarters()
    last = ready_lead(at(2026, 12, 31, 23, 59, 59))
    first_of_next = ready_lead(at(2027, 1, 1, 0, 0, 0))
    # when
    in_q4 = set(drilldown(Metric.SALES_READY_LEADS, q.q4).values_list("pk", flat=True))
    in_q1 = set(drilldown(Metric.SALES_READY_LEADS, q.q1).values_list("pk", flat=True))
    # then
    assert in_q4 == {last.pk}
    assert in_q1 == {first_of_next.pk}
    assert value(Metric.SALES_READY_LEADS, q.q4) == D("1")


def test_speed_to_lead_counts_working_minutes_across_a_weekend(rep):  # type: ignore[no-untyped-def]
    # given 09:00-17:00 Monday to Friday in UTC
    q = quarters()
    SlaPolicy.objects.create(
        name="Office", business_hours_only=True, time_zone="UTC", work_days="0,1,2,3,4",
        day_start=time(9), day_end=time(17),
    )  # fmt: skip
    ready_lead(
        at(2026, 10, 16, 16, 55),  # Friday
        owner=rep, first_response_at=at(2026, 10, 19, 9, 10), sla_state="breached",
        breached_owner=rep,
    )  # fmt: skip
    # when
    median = value(Metric.SPEED_TO_LEAD_MEDIAN, q.q4)
    p90 = value(Metric.SPEED_TO_LEAD_P90, q.q4)
    # then 5 minutes on Friday + 10 on Monday
    assert median == D("15.0")
    assert p90 == D("15.0")


def test_an_opportunity_counts_as_pipeline_when_created_and_revenue_when_won(rep):  # type: ignore[no-untyped-def]
    # given an opportunity created in Q4 and won in Q1
    q = quarters()
    factories.OpportunityFactory(
        owner=rep, amount=D("8000"), created_at=at(2026, 12, 10), stage="won",
        closed_at=at(2027, 1, 5),
    )  # fmt: skip
    # then
    assert value(Metric.PIPELINE_CREATED, q.q4) == D("8000.00")
    assert value(Metric.REVENUE_WON, q.q4) == D("0.00")
    assert value(Metric.PIPELINE_CREATED, q.q1) == D("0.00")
    assert value(Metric.REVENUE_WON, q.q1) == D("8000.00")
    assert value(Metric.OPPORTUNITY_TO_WON, q.q4) == D("100.0")  # won at any time so far
    assert value(Metric.WIN_RATE, q.q4) is None  # nothing closed in Q4
    assert value(Metric.WIN_RATE, q.q1) == D("100.0")


def test_a_quarter_without_data_gives_none_or_zero(db):  # type: ignore[no-untyped-def]
    # given
    q = quarters()
    # when
    results = {metric: value(metric, q.q4) for metric in metrics.METRICS}
    # then counts and sums are zero, everything divided or averaged is None
    assert results == {
        Metric.SALES_READY_LEADS: D("0"),
        Metric.PIPELINE_CREATED: D("0.00"),
        Metric.REVENUE_WON: D("0.00"),
        Metric.EXPANSION_REVENUE: D("0.00"),
        Metric.HELD_TOO_LONG: D("0"),
        **{
            metric: None
            for metric in metrics.METRICS
            if metric
            not in {
                Metric.SALES_READY_LEADS,
                Metric.PIPELINE_CREATED,
                Metric.REVENUE_WON,
                Metric.EXPANSION_REVENUE,
                Metric.HELD_TOO_LONG,
            }
        },
    }
    assert all(row.count == 0 for row in metrics.disqualification_breakdown(q.q4, by="rep"))


def test_cost_with_campaign_spend_but_no_results_is_none(db):  # type: ignore[no-untyped-def]
    # given money spent in Q4, no lead ready and nothing won
    q = quarters()
    factories.CampaignSpendFactory(amount=D("5000"))
    # then
    assert revenue.campaign_cost(q.q4) == D("5000.00")
    assert value(Metric.COST_PER_READY_LEAD, q.q4) is None
    assert value(Metric.COST_PER_WON_DEAL, q.q4) is None


def test_cost_is_the_spend_dated_in_the_quarter_whatever_quarter_was_planned(db):  # type: ignore[no-untyped-def]
    # given a campaign planned for Q3 that spent 9,200.00 over 1 Sep - 1 Dec (92 days),
    # and a ready lead in each quarter
    q = quarters()
    webinars = factories.CampaignFactory(
        quarter=q.q3, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 1)
    )
    factories.CampaignSpendFactory(
        campaign=webinars, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 1), amount=9200
    )
    ready_lead(at(2026, 9, 10), campaign=webinars)
    ready_lead(at(2026, 10, 10), campaign=webinars)
    # when
    q3_cost, q4_cost = revenue.campaign_cost(q.q3), revenue.campaign_cost(q.q4)
    # then: Q3 holds 30 of the 92 days (3,000.00), Q4 the other 62 (6,200.00); they add up
    assert (q3_cost, q4_cost) == (D("3000.00"), D("6200.00"))
    assert q3_cost + q4_cost == D("9200.00")
    assert value(Metric.COST_PER_READY_LEAD, q.q3) == D("3000.00")
    assert value(Metric.COST_PER_READY_LEAD, q.q4) == D("6200.00")


def test_cost_without_spend_in_the_quarter_is_none_and_a_zero_entry_is_zero(db):  # type: ignore[no-untyped-def]
    # given a ready lead in Q4 and a campaign whose only spend is in Q3
    q = quarters()
    campaign = factories.CampaignFactory(quarter=q.q4)
    factories.CampaignSpendFactory(
        campaign=campaign, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30)
    )
    ready_lead(at(2026, 10, 10), campaign=campaign)
    # then no spend recorded in Q4: "—", not 0.00
    assert revenue.campaign_cost(q.q4) is None
    assert value(Metric.COST_PER_READY_LEAD, q.q4) is None
    # when a zero entry is recorded in Q4, the cost is 0.00
    factories.CampaignSpendFactory(
        campaign=campaign, starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 1), amount=0
    )
    assert revenue.campaign_cost(q.q4) == D("0.00")
    assert value(Metric.COST_PER_READY_LEAD, q.q4) == D("0.00")


# --- Segments ---


def test_segment_by_country_falls_back_to_the_account_country(book):  # type: ignore[no-untyped-def]
    # given L2 has no country of its own; its account Globex is in DE
    l1, l2, l3, l4, l5 = book.leads
    de = Segment(country="DE")
    # when
    leads = set(drilldown(Metric.SALES_READY_LEADS, book.q4, de).values_list("pk", flat=True))
    # then
    assert leads == {l2.pk, l3.pk}
    assert value(Metric.SALES_READY_LEADS, book.q4, Segment(country="us")) == D("3")  # L1 L4 L5
    # opportunities by account country: Globex's O2 5000 + O5 2000
    assert value(Metric.PIPELINE_CREATED, book.q4, de) == D("7000.00")


def test_segment_by_source_tier_and_campaign(book):  # type: ignore[no-untyped-def]
    # given
    paid = Segment(source="paid")
    target = Segment(tier="target")
    camp_a = Segment(campaign_id=book.camp_a.pk)
    # then paid: L2 breached, L3 met
    assert value(Metric.SALES_READY_LEADS, book.q4, paid) == D("2")
    assert value(Metric.SLA_COMPLIANCE, book.q4, paid) == D("50.0")
    # target accounts: Acme's L1 and L4; renewals 10000 + 4000 retained of 15000 due
    assert value(Metric.SALES_READY_LEADS, book.q4, target) == D("2")
    assert value(Metric.GROSS_REVENUE_RETENTION, book.q4, target) == D("93.3")
    # campaign A: L1 and L2; pipeline through their O1 10000 + O3 8000
    assert value(Metric.SALES_READY_LEADS, book.q4, camp_a) == D("2")
    assert value(Metric.PIPELINE_CREATED, book.q4, camp_a) == D("18000.00")
    # cost of A alone (6000) / A's 2 ready leads; / A's 1 won deal (O1)
    assert value(Metric.COST_PER_READY_LEAD, book.q4, camp_a) == D("3000.00")
    assert value(Metric.COST_PER_WON_DEAL, book.q4, camp_a) == D("6000.00")
    # cost ignores country: the same 9000 / 5 as without a segment
    assert value(Metric.COST_PER_READY_LEAD, book.q4, Segment(country="DE")) == D("1800.00")


def test_segment_from_goal_reads_the_goal_fields(book):  # type: ignore[no-untyped-def]
    # given
    plain = factories.JointGoalFactory(quarter=book.q4)
    sliced = factories.JointGoalFactory(
        quarter=book.q4, segment_campaign=book.camp_b, segment_country="DE"
    )
    # then
    assert Segment.from_goal(plain) is None
    assert Segment.from_goal(sliced) == Segment(campaign_id=book.camp_b.pk, country="DE")
    assert value(Metric.SALES_READY_LEADS, book.q4, Segment.from_goal(sliced)) == D("1")  # L3


# --- Disqualification breakdown ---


def breakdown(quarter: Quarter, by: Any) -> dict[Any, tuple[int, Decimal | None, Decimal | None]]:
    return {
        row.key: (row.count, row.share, row.rate)
        for row in metrics.disqualification_breakdown(quarter, by=by)
    }


def test_disqualification_breakdown_by_reason_campaign_source_asset_and_rep(book, rep, other_rep):  # type: ignore[no-untyped-def]
    # given D1 L3 budget (sara), D2 L4 spam (sara), D3 L2 spam (sam); 5 ready leads
    # then by reason: rate over all 5 ready leads, so the rates add up to 60.0
    assert breakdown(book.q4, "reason") == {
        book.spam.pk: (2, D("66.7"), D("40.0")),
        book.budget.pk: (1, D("33.3"), D("20.0")),
    }
    # by campaign: B has L3 L4 ready and both disqualified; A has L1 L2, one disqualified
    assert breakdown(book.q4, "campaign") == {
        book.camp_b.pk: (2, D("66.7"), D("100.0")),
        book.camp_a.pk: (1, D("33.3"), D("50.0")),
    }
    # by source: paid L2 L3 both; web_form L1 L4, one
    assert breakdown(book.q4, "source") == {
        "paid": (2, D("66.7"), D("100.0")),
        "web_form": (1, D("33.3"), D("50.0")),
    }
    # by first-touch asset: whitepaper L1 L3 (L3 out), pricing L4 (out), none L2 L5 (L2 out)
    assert breakdown(book.q4, "asset") == {
        book.whitepaper.pk: (1, D("33.3"), D("50.0")),
        book.pricing.pk: (1, D("33.3"), D("100.0")),
        None: (1, D("33.3"), D("50.0")),
    }
    # by rep: sara's cohort L3 L4 (2 of 2), sam's L1 L2 L5 (1 of 3)
    assert breakdown(book.q4, "rep") == {
        other_rep.pk: (2, D("66.7"), D("100.0")),
        rep.pk: (1, D("33.3"), D("33.3")),
    }
    labels = {row.key: row.label for row in metrics.disqualification_breakdown(book.q4, by="asset")}
    assert labels[book.pricing.pk] == "Pricing"
    by_rep = metrics.disqualification_breakdown(book.q4, by="rep")
    assert [row.label for row in by_rep] == ["Sara Rep", "Sam Rep"]


def test_disqualification_breakdown_refuses_an_unknown_grouping(book):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="Unknown breakdown"):
        metrics.disqualification_breakdown(book.q4, by="colour")  # type: ignore[arg-type]


# --- SLA scoreboard ---


def figures(rows: tuple[metrics.Figure, ...]) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    return {row.metric: (row.value, row.previous) for row in rows}


def test_sla_scoreboard_gives_both_sides_for_team_and_reps_beside_last_quarter(
    book, rep, other_rep
):  # type: ignore[no-untyped-def]
    # given a Q4 target of 10 sales-ready leads, and a segmented goal that is not the target
    factories.JointGoalFactory(quarter=book.q4, metric="sales_ready_leads", target=D("10"))
    factories.JointGoalFactory(
        quarter=book.q4, metric="sales_ready_leads", target=D("3"), segment_country="DE"
    )
    # when
    board = metrics.sla_scoreboard(book.q4)
    # then Q3 had only L7 (20 min, met, followed) and one disqualification with 6 attempts
    assert board.previous_quarter == book.q3
    assert figures(board.marketing) == {
        Metric.SALES_READY_LEADS: (D("5"), D("1")),
        Metric.DISQUALIFICATION_RATE: (D("60.0"), D("100.0")),
        metrics.JUNK_SHARE: (D("40.0"), D("0.0")),
    }
    assert board.marketing[0].target == D("10")
    # the team's figures are the metric functions' figures
    assert figures(board.sales) == {
        Metric.SPEED_TO_LEAD_MEDIAN: (D("7.0"), D("20.0")),
        Metric.SPEED_TO_LEAD_P90: (D("30.0"), D("20.0")),
        Metric.SLA_COMPLIANCE: (D("60.0"), D("100.0")),
        Metric.FOLLOW_UP_RATE: (D("80.0"), D("100.0")),
        Metric.ATTEMPTS_BEFORE_DQ: (D("1.7"), D("6.0")),
        Metric.WIN_RATE: (D("66.7"), None),
    }
    # sam: L1 (4 min, met), L2 (breached under sam, 10 min), L5 (3 min, met); D3 with 2
    # attempts; owns O1 and O4, both won in Q4. sara: L3 (30 min, met), L4 (breached, never
    # answered, no attempt); D1 3 + D2 0 attempts; owns O2, lost in Q4.
    by_rep = {row.rep_id: row for row in board.reps}
    assert [row.name for row in board.reps] == ["Sam Rep", "Sara Rep"]
    assert by_rep[rep.pk].leads == 3
    assert figures(by_rep[rep.pk].figures) == {
        Metric.SPEED_TO_LEAD_MEDIAN: (D("4.0"), D("20.0")),
        Metric.SPEED_TO_LEAD_P90: (D("10.0"), D("20.0")),  # sorted [3, 4, 10][ceil(2.7) - 1]
        Metric.SLA_COMPLIANCE: (D("66.7"), D("100.0")),
        Metric.FOLLOW_UP_RATE: (D("100.0"), D("100.0")),
        Metric.ATTEMPTS_BEFORE_DQ: (D("2.0"), D("6.0")),
        Metric.WIN_RATE: (D("100.0"), None),
    }
    assert by_rep[other_rep.pk].leads == 2
    assert figures(by_rep[other_rep.pk].figures) == {
        Metric.SPEED_TO_LEAD_MEDIAN: (D("30.0"), None),
        Metric.SPEED_TO_LEAD_P90: (D("30.0"), None),
        Metric.SLA_COMPLIANCE: (D("50.0"), None),
        Metric.FOLLOW_UP_RATE: (D("50.0"), None),
        Metric.ATTEMPTS_BEFORE_DQ: (D("1.5"), None),
        Metric.WIN_RATE: (D("0.0"), None),
    }


def test_sla_scoreboard_without_a_previous_quarter(book):  # type: ignore[no-untyped-def]
    # when
    board = metrics.sla_scoreboard(book.q3)
    without = metrics.sla_scoreboard(book.q4, previous=False)
    # then
    assert board.previous_quarter is None
    assert all(row.previous is None for row in board.marketing + board.sales)
    assert without.previous_quarter is None
    assert all(row.previous is None for row in without.sales)


# --- Goal progress ---


def test_goal_progress_paces_a_cumulative_goal_linearly(book):  # type: ignore[no-untyped-def]
    # given revenue won 14000 against 42000, on day 30 of 92 (2026-10-30)
    goal = factories.JointGoalFactory(quarter=book.q4, metric="revenue_won", target=D("42000"))
    # when
    progress = metrics.goal_progress(goal, date(2026, 10, 30))
    # then
    assert (progress.elapsed_days, progress.total_days) == (30, 92)
    assert progress.actual.value == D("14000.00")
    assert progress.percent_of_target == D("33.3")  # 14000 / 42000
    assert progress.pace == D("13695.65")  # 42000 * 30 / 92
    assert progress.forecast == D("42933.33")  # 14000 / 30 * 92
    assert progress.status == "on_track"  # |14000 - 13695.65| <= 1369.57


def test_goal_progress_of_a_count_goal_behind_pace(book):  # type: ignore[no-untyped-def]
    # given 5 sales-ready leads against 92, on day 30
    goal = factories.JointGoalFactory(quarter=book.q4, metric="sales_ready_leads", target=D("92"))
    # when
    progress = metrics.goal_progress(goal, date(2026, 10, 30))
    # then
    assert progress.percent_of_target == D("5.4")  # 5 / 92
    assert progress.pace == D("30")  # 92 * 30 / 92
    assert progress.forecast == D("15")  # 5 / 30 * 92 = 15.33
    assert progress.status == "behind"


def test_goal_progress_of_rate_goals_paces_at_the_target_and_inverts_lower_is_better(book):  # type: ignore[no-untyped-def]
    # given median speed 7.0 against 5 minutes, cost per ready lead 1800 against 2100
    slow = factories.JointGoalFactory(
        quarter=book.q4, metric="speed_to_lead_median", target=D("5"), lower_is_better=True
    )
    cheap = factories.JointGoalFactory(
        quarter=book.q4, metric="cost_per_ready_lead", target=D("2100"), lower_is_better=True
    )
    rate = factories.JointGoalFactory(quarter=book.q4, metric="win_rate", target=D("70"))
    today = date(2026, 10, 30)
    # when
    slow_p, cheap_p, rate_p = (metrics.goal_progress(g, today) for g in (slow, cheap, rate))
    # then
    assert (slow_p.percent_of_target, slow_p.pace, slow_p.forecast) == (D("140.0"), D("5"), None)
    assert slow_p.status == "behind"  # 7.0 is more than 10% above 5
    assert (cheap_p.percent_of_target, cheap_p.status) == (D("85.7"), "ahead")  # 1800 / 2100
    assert (rate_p.actual.value, rate_p.pace, rate_p.status) == (D("66.7"), D("70"), "on_track")


def test_goal_progress_before_and_after_the_quarter(book):  # type: ignore[no-untyped-def]
    # given Q1 goals seen in Q4 (O3's 8000 already won in Q1, no disqualification yet)
    # and a Q3 goal seen in Q4
    future = factories.JointGoalFactory(quarter=book.q1, metric="revenue_won", target=D("9000"))
    past = factories.JointGoalFactory(quarter=book.q3, metric="sales_ready_leads", target=D("2"))
    nothing = factories.JointGoalFactory(
        quarter=book.q1, metric="attempts_before_dq", target=D("6")
    )
    today = date(2026, 10, 30)
    # when
    future_p, past_p, nothing_p = (metrics.goal_progress(g, today) for g in (future, past, nothing))
    # then
    assert (future_p.elapsed_days, future_p.pace, future_p.forecast) == (0, D("0.00"), None)
    assert future_p.status == "ahead"
    assert (past_p.elapsed_days, past_p.total_days) == (92, 92)
    assert (past_p.actual.value, past_p.pace, past_p.forecast) == (D("1"), D("2"), D("1"))
    assert past_p.status == "behind"
    assert (nothing_p.actual.value, nothing_p.percent_of_target, nothing_p.status) == (
        None,
        None,
        None,
    )


# --- Query counts ---


def grow(quarter: Quarter, reps: list[Any], size: int) -> None:
    """`size` more ready leads per rep, each answered, attempted, disqualified and converted."""
    reason = factories.DisqualificationReasonFactory(code="junk", is_junk=True)
    campaign = factories.CampaignFactory(quarter=quarter)
    asset = factories.AssetFactory(campaign=campaign)
    for owner in reps:
        for n in range(size):
            ready = at(2026, 10, 5 + n % 20, 10)
            lead = ready_lead(
                ready, owner=owner, campaign=campaign, first_response_at=at(2026, 10, 5 + n % 20, 11),
                sla_state="met" if n % 2 else "breached", breached_owner=owner, attempt_count=n % 3,
            )  # fmt: skip
            factories.TouchpointFactory(lead=lead, asset=asset, occurred_at=ready)
            factories.DisqualificationFactory(
                lead=lead, rep=owner, reason=reason, attempts_at_time=n, at=at(2026, 11, 1)
            )
            factories.OpportunityFactory(
                primary_lead=lead, owner=owner, created_at=at(2026, 10, 20), stage="won",
                closed_at=at(2026, 11, 20),
            )  # fmt: skip
            factories.RenewalFactory(due_on=date(2026, 11, 1), amount=D("100"))


def query_counts(quarter: Quarter) -> dict[str, int]:
    counts: dict[str, int] = {}
    calls: dict[str, Any] = {
        **{f"compute:{m}": (lambda m=m: compute(m, quarter)) for m in metrics.METRICS},
        **{f"drilldown:{m}": (lambda m=m: list(drilldown(m, quarter))) for m in metrics.METRICS},
        **{
            f"breakdown:{by}": (lambda by=by: metrics.disqualification_breakdown(quarter, by=by))
            for by in ("reason", "campaign", "asset", "source", "rep")
        },
        "scoreboard": lambda: metrics.sla_scoreboard(quarter),
    }
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as context:
            call()
        counts[name] = len(context.captured_queries)
    return counts


def test_query_counts_do_not_grow_with_the_data(rep, other_rep, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    # given a business-hours policy with a holiday (so its calendar is read too)
    q = quarters()
    policy = SlaPolicy.objects.create(name="Office", business_hours_only=True)
    Holiday.objects.create(policy=policy, date=date(2026, 12, 25))
    grow(q.q4, [rep, other_rep], 2)
    small = query_counts(q.q4)
    # when the data grows fivefold
    grow(q.q4, [rep, other_rep], 8)
    large = query_counts(q.q4)
    # then
    assert large == small
    assert max(v for k, v in small.items() if k.startswith("compute:")) <= 3
    assert max(v for k, v in small.items() if k.startswith("drilldown:")) == 1
    assert max(v for k, v in small.items() if k.startswith("breakdown:")) <= 3
    with django_assert_max_num_queries(13):
        metrics.sla_scoreboard(q.q4)
    with django_assert_max_num_queries(3):
        compute(Metric.SPEED_TO_LEAD_P90, q.q4)
