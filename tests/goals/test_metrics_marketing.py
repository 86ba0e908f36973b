"""The marketing figures computed by hand for the world of conftest.py, and the grouped table
pinned to the metrics module's one-campaign-at-a-time definitions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from apps.goals import metrics
from apps.goals.metrics import Segment, compute
from apps.goals.models import Metric
from apps.opportunities.attribution import Touch
from tests.fixtures.marketing import World, at

D = Decimal


def _row(rows, label):  # type: ignore[no-untyped-def]
    return next(row for row in rows if row.label == label)


def test_campaign_table_is_computed_by_hand(world: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    # when (W-shaped, the page's default model)
    with django_assert_max_num_queries(9):
        table = metrics.campaign_performance(world.q4)

    # then: rows for the Q4 campaigns and the Q3 one that still has Q4 figures, by name
    assert [row.label for row in table.campaigns] == ["Old ebook", "Search", "Webinar"]
    webinar = _row(table.campaigns, "Webinar")
    # leads whose source campaign is Webinar created in Q4: a1, a2, a3 (31 Dec 23:59:59); a4
    # (1 Jan) is out -> 3. ready in Q4: a1, a2 -> 2; both attempted -> follow-up 100.0;
    # speeds 4 and 10 -> median 7.0. opportunities created in Q4: o1 10,000 + o2 5,000 -> 2,
    # pipeline 15,000.00. closed in Q4: o1 won, o2 lost -> won 1, sourced revenue 10,000.00,
    # win rate 50.0. influenced: Webinar touched Xeno before o1 (t2, t5) and Zephyr before o3
    # (t9) -> 10,000 + 2,000 = 12,000.00. attributed (W-shaped, see below): 6,200.00.
    # cost: 1,000 spread over the quarter -> 1,000.00; per ready 500.00, per won 1,000.00
    # ROI (6,200 - 1,000) / 1,000 = 520.0 %
    assert (webinar.leads, webinar.ready, webinar.follow_up_rate) == (3, 2, D("100.0"))
    assert webinar.speed_to_lead_median == D("7.0")
    assert (webinar.opportunities, webinar.pipeline) == (2, D("15000.00"))
    assert (webinar.won_deals, webinar.won_revenue, webinar.win_rate) == (
        1,
        D("10000.00"),
        D("50.0"),
    )
    assert (webinar.influenced_revenue, webinar.attributed_revenue) == (
        D("12000.00"),
        D("6200.00"),
    )
    assert (webinar.cost, webinar.cost_per_ready_lead, webinar.cost_per_won_deal) == (
        D("1000.00"),
        D("500.00"),
        D("1000.00"),
    )
    assert webinar.roi == D("520.0")
    search = _row(table.campaigns, "Search")
    # leads created: b2, b3 (b1 was created 30 Sep 23:59) -> 2; ready: b1 (1 Oct 00:00), b2 -> 2
    # follow-up 1 / 2 = 50.0; speed [6] -> 6.0; opportunities created: o4 7,000 (o3 in Sep)
    # closed: o3 won 1 Oct 00:00 -> 1 won, 2,000.00 sourced, win rate 100.0; influenced o1 and
    # o3 -> 12,000.00; attributed 2,200.00; cost 3 x 1,000 -> 1,500.00 per ready, 3,000.00 per
    # won; ROI (2,200 - 3,000) / 3,000 = -26.666... -> -26.7
    assert (search.leads, search.ready, search.follow_up_rate) == (2, 2, D("50.0"))
    assert search.speed_to_lead_median == D("6.0")
    assert (search.opportunities, search.pipeline) == (1, D("7000.00"))
    assert (search.won_deals, search.won_revenue, search.win_rate) == (1, D("2000.00"), D("100.0"))
    assert (search.influenced_revenue, search.attributed_revenue) == (
        D("12000.00"),
        D("2200.00"),
    )
    assert (search.cost_per_ready_lead, search.cost_per_won_deal, search.roi) == (
        D("1500.00"),
        D("3000.00"),
        D("-26.7"),
    )
    ebook = _row(table.campaigns, "Old ebook")
    # a Q3 campaign whose spend is all dated in Q3: no Q4 spend, so cost "—" and no ROI;
    # c1 created and ready in Q4, speed 20; o5 created in Q4 (3,333.33) but won on 1 Jan 2027:
    # no Q4 win, no win rate; yet it gets W-shaped credit for Q4's wins: 3,600.00
    assert (ebook.leads, ebook.ready, ebook.speed_to_lead_median) == (1, 1, D("20.0"))
    assert (ebook.opportunities, ebook.pipeline, ebook.won_deals) == (1, D("3333.33"), 0)
    assert (ebook.win_rate, ebook.cost, ebook.cost_per_ready_lead) == (None, None, None)
    assert (ebook.cost_per_won_deal, ebook.roi) == (None, None)
    assert (ebook.influenced_revenue, ebook.attributed_revenue) == (D("12000.00"), D("3600.00"))
    # the lead without a campaign (n1) is on its own line, outside ROI
    apart = table.no_campaign
    assert (apart.leads, apart.ready, apart.won_revenue, apart.attributed_revenue) == (
        1,
        1,
        D("0.00"),
        D("0.00"),
    )
    assert (apart.cost, apart.roi) == (None, None)
    total = table.total
    # 7 leads (3 + 2 + 1 + n1), 6 ready, 5 followed -> 83.3; speeds 4, 10, 6, 20, 8 -> 8.0
    # 4 opportunities, 25,333.33 pipeline; 3 closed, 2 won -> 66.7; 12,000.00 won, all of it
    # credited to campaigns; cost 4,000 -> 666.67 per ready, 2,000.00 per won;
    # ROI (12,000 - 4,000) / 4,000 = 200.0
    assert (total.leads, total.ready, total.follow_up_rate, total.speed_to_lead_median) == (
        7,
        6,
        D("83.3"),
        D("8.0"),
    )
    assert (total.opportunities, total.pipeline, total.won_deals, total.win_rate) == (
        4,
        D("25333.33"),
        2,
        D("66.7"),
    )
    assert (total.won_revenue, total.attributed_revenue, total.cost) == (
        D("12000.00"),
        D("12000.00"),
        D("4000.00"),
    )
    assert total.cost_per_ready_lead == D("666.67")
    assert (total.cost_per_won_deal, total.roi) == (D("2000.00"), D("200.0"))
    # channels: one campaign each; the lead without a campaign is the separate line
    assert [(row.label, row.leads, row.ready) for row in table.channels] == [
        ("Content / SEO", 1, 1),
        ("Paid search", 2, 2),
        ("Webinar", 3, 2),
    ]
    assert _row(table.channels, "Paid search").roi == D("-26.7")


def test_first_touch_roi_counts_the_sourced_revenue(world: World) -> None:
    # under first touch a campaign's attributed revenue is what it sourced:
    # Webinar (10,000 - 1,000) / 1,000 = 900.0 %, Search (2,000 - 3,000) / 3,000 = -33.3 %
    table = metrics.campaign_performance(world.q4, "first_touch")
    webinar, search = _row(table.campaigns, "Webinar"), _row(table.campaigns, "Search")
    assert (webinar.attributed_revenue, webinar.roi) == (D("10000.00"), D("900.0"))
    assert (search.attributed_revenue, search.roi) == (D("2000.00"), D("-33.3"))


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "w_shaped"])
def test_the_table_and_attribution_agree_to_the_cent(world: World, model: str) -> None:
    # every campaign's attributed revenue in the table is its credit in the attribution
    # section, and first touch equals the sourced ("by campaign") won revenue
    table = metrics.campaign_performance(world.q4, model)
    credit = metrics.attribution(world.q4, model)
    assert {
        row.key: row.attributed_revenue for row in table.campaigns if row.attributed_revenue
    } == {row.campaign_id: row.credit for row in credit.campaigns}
    assert table.no_campaign.attributed_revenue == credit.unattributed
    if model == "first_touch":
        assert {row.key: row.won_revenue for row in table.campaigns if row.won_revenue} == {
            row.campaign_id: row.credit for row in credit.campaigns
        }


def test_grouped_rows_equal_the_metrics_module_for_each_campaign(world: World) -> None:
    # given
    table = metrics.campaign_performance(world.q4)
    fields = {
        Metric.SALES_READY_LEADS: "ready",
        Metric.FOLLOW_UP_RATE: "follow_up_rate",
        Metric.SPEED_TO_LEAD_MEDIAN: "speed_to_lead_median",
        Metric.PIPELINE_CREATED: "pipeline",
        Metric.REVENUE_WON: "won_revenue",
        Metric.WIN_RATE: "win_rate",
        Metric.COST_PER_READY_LEAD: "cost_per_ready_lead",
        Metric.COST_PER_WON_DEAL: "cost_per_won_deal",
    }
    for row in table.campaigns:
        for metric, name in fields.items():
            # then
            expected = compute(metric, world.q4, Segment(campaign_id=row.key)).value
            assert getattr(row, name) == expected, (row.label, metric)
        assert (
            row.opportunities
            == metrics.drilldown(
                Metric.PIPELINE_CREATED, world.q4, Segment(campaign_id=row.key)
            ).count()
        )
    for metric, name in fields.items():
        assert getattr(table.total, name) == compute(metric, world.q4).value, metric


def test_q3_table_uses_its_own_window(world: World) -> None:
    # when: Q3 (1 Jul - 30 Sep): b1 created 30 Sep 23:59, x2 1 Sep, z2 1 Aug; nothing ready
    table = metrics.campaign_performance(world.q3)
    # then: the ebook's 500 is a Q3 cost with no ready lead and no win
    ebook = _row(table.campaigns, "Old ebook")
    assert (ebook.cost, ebook.cost_per_ready_lead, ebook.roi) == (D("500.00"), None, D("-100.0"))
    assert (_row(table.campaigns, "Search").leads, table.total.leads) == (1, 3)
    assert table.total.ready == 0


# --- Attribution -------------------------------------------------------------------------


def _credits(result) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    return {row.name: row.credit for row in result.campaigns}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # o1 (10,000; Xeno; touches t1 Old ebook, t2 Webinar, t3 Search, t4 Search, t5 Webinar)
        # o3 (2,000; Zephyr; touches t8 Search, t9 Webinar, t10 Old ebook)
        # first touch is the primary lead's source campaign (its own first campaign touch, not
        # the account's): o1 -> a1's t2 Webinar 10,000; o3 -> b1's t8 Search 2,000 — the same as
        # the "by campaign" won revenue
        ("first_touch", {"Webinar": D("10000.00"), "Search": D("2000.00")}),
        # last touch: o1 -> t5 Webinar 10,000; o3 -> t10 Old ebook 2,000
        ("last_touch", {"Webinar": D("10000.00"), "Old ebook": D("2000.00")}),
        # linear: o1 2,000 a touch -> Old ebook 2,000, Webinar 4,000, Search 4,000;
        # o3 2,000 / 3 = 666.666...: 199,998 cents floored, 2 cents left go to the first two
        # campaigns in touch order (Search, Webinar) -> 666.67, 666.67, 666.66
        # -> Webinar 4,666.67, Search 4,666.67, Old ebook 2,666.66 (sum 12,000.00)
        (
            "linear",
            {"Webinar": D("4666.67"), "Search": D("4666.67"), "Old ebook": D("2666.66")},
        ),
        # W-shaped: o1: first t1 30% Old ebook 3,000; lead creation t2 (a1's first) 30% and
        # opportunity creation t5 30% Webinar 6,000; the rest t3, t4 5% each Search 1,000.
        # o3: first t8 30% + lead creation t8 (b1's first) 30% Search 1,200; opportunity
        # creation t10 30% Old ebook 600; the rest t9 10% Webinar 200.
        # -> Webinar 6,200, Old ebook 3,600, Search 2,200 (sum 12,000.00)
        (
            "w_shaped",
            {"Webinar": D("6200.00"), "Old ebook": D("3600.00"), "Search": D("2200.00")},
        ),
    ],
)
def test_attribution_models_by_hand(
    world: World, model: str, expected: dict[str, Decimal], django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # when (four queries alone: on the performance page the credits and the deals grouped by
    # campaign are the table's own reads, shared)
    with django_assert_num_queries(4):
        result = metrics.attribution(world.q4, model)
    with django_assert_num_queries(2):
        deals = metrics.attributed_deals(world.q4, model)
    # then
    assert _credits(result) == expected
    assert result.won_revenue == D("12000.00") == compute(Metric.REVENUE_WON, world.q4).value
    assert result.won_deals == 2
    assert result.attributed == D("12000.00")
    assert result.unattributed == D("0.00")
    # both are credited: the owning rep with the whole deal, the campaigns with its shares
    assert [(deal.name, deal.owner_name, deal.amount) for deal in deals] == [
        ("Zephyr rollout", "Sam Rep", D("2000.00")),  # closed 1 Oct 00:00, in the quarter
        ("Xeno platform", "Sam Rep", D("10000.00")),
    ]
    for deal in deals:
        assert sum(share.amount for share in deal.shares) == deal.amount
    # the page's largest deals (biggest first) carry the same shares as the CSV's rows
    assert [(d.name, d.shares) for d in result.largest_deals] == [
        (d.name, d.shares) for d in reversed(deals)
    ]
    assert all(row.reps == ("Sam Rep",) for row in result.campaigns)


@pytest.mark.parametrize(
    ("model", "search", "webinar_deals"),
    # Search had o3's 2,000 under first touch; under W-shaped 2,200 of o1 and o3, which
    # Webinar shares too: all Sam's. Sara's new 500 win has one touch, a Search one, so each
    # model gives Search all of it
    [
        ("first_touch", (D("2500.00"), 2), 1),
        ("w_shaped", (D("2700.00"), 3), 2),
    ],
)
def test_a_campaigns_credit_names_every_rep_behind_it(
    world: World, model: str, search: tuple[Decimal, int], webinar_deals: int
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from tests.fixtures.marketing import make_lead

    # given: a third Q4 win, 500 for Sara, from a lead Search brought in on 3 Nov
    account = factories.AccountFactory(name="Umber")
    lead = make_lead(created=at(11, 3), campaign=world.search, account=account)
    factories.OpportunityFactory(
        account=account,
        primary_lead=lead,
        owner=world.sara,
        amount=D("500.00"),
        created_at=at(11, 4),
        stage="won",
        closed_at=at(11, 20),
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        result = metrics.attribution(world.q4, model)
    # then Search is credited with both reps' wins and names both reps; Webinar only Sam's
    rows = {row.name: (row.credit, row.deals, row.reps) for row in result.campaigns}
    assert rows["Search"] == (*search, ("Sam Rep", "Sara Rep"))
    assert rows["Webinar"][1:] == (webinar_deals, ("Sam Rep",))
    # and the credits are summed by campaign and rep ids, named after: the grouped statement
    # joins neither campaigns nor users
    [grouped] = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "credited" in q["sql"]]
    assert 'JOIN "campaigns_campaign"' not in grouped
    assert 'JOIN "users_user"' not in grouped
    if model != "first_touch":  # and the credits carry their deal's owner: no deal is read
        assert 'JOIN "opportunities_opportunity"' not in grouped


def test_a_deal_without_campaign_touches_is_unattributed(world: World) -> None:
    # given: a Q4 win whose account has no campaign touchpoint
    from tests import factories

    account = factories.AccountFactory(name="Quiet")
    factories.OpportunityFactory(
        account=account,
        owner=world.sara,
        amount=D("999.99"),
        created_at=at(10, 2),
        stage="won",
        closed_at=at(12, 31, 23, 59, 59),
    )
    # when
    result = metrics.attribution(world.q4, "linear")
    # then
    assert result.won_revenue == D("12999.99")
    assert result.unattributed == D("999.99")
    assert result.attributed == D("12000.00")


def test_w_shaped_weights_with_coinciding_roles() -> None:
    def t(pk: int, lead: int) -> Touch:
        return Touch(pk, lead, pk, at(10, pk))

    # one touch holds every role: it gets everything
    assert metrics.touch_weights([t(1, 1)], "w_shaped", 1) == {0: Fraction(1)}
    # two touches, the first is also the lead-creation touch, no other touches: 30 + 30 to the
    # first, 30 to the last, the 10 spread over both -> 65 / 35
    assert metrics.touch_weights([t(1, 1), t(2, 1)], "w_shaped", 1) == {
        0: Fraction(65, 100),
        1: Fraction(35, 100),
    }
    # a primary lead without touches: lead creation falls back to the first touch
    assert metrics.touch_weights([t(1, 7), t(2, 7), t(3, 7)], "w_shaped", 9) == {
        0: Fraction(6, 10),
        1: Fraction(1, 10),
        2: Fraction(3, 10),
    }


def test_split_cents_adds_up_exactly() -> None:
    # 100.00 in thirds: 3,333.33... cents each, one cent left over goes to the first
    third = Fraction(1, 3)
    assert metrics.split_cents(D("100.00"), [("a", third), ("b", third), ("c", third)]) == {
        "a": D("33.34"),
        "b": D("33.33"),
        "c": D("33.33"),
    }


# --- Reasons ---------------------------------------------------------------------------


def test_reasons_over_time_by_week(world: World, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    # when
    with django_assert_num_queries(1):
        over_time = metrics.reasons_over_time(world.q4)
    # then: 92 days -> 14 weeks from 1 Oct; the last holds 31 Dec alone
    assert len(over_time.weeks) == 14
    assert over_time.weeks[-1] == date(2026, 12, 31)
    assert [label for _, label in over_time.reasons] == ["Student", "No budget"]
    # d1 12 Oct -> week 1 (8-14 Oct); d2 3 Nov -> day 33 -> week 4; d3 31 Dec 23:59:59 ->
    # week 13; d4 (Sep) and d5 (1 Jan) are outside
    student = [0] * 14
    student[4] = student[13] = 1
    no_budget = [0] * 14
    no_budget[1] = 1
    assert over_time.series(world.student.pk) == student
    assert over_time.series(world.no_budget.pk) == no_budget
    assert sum(over_time.week_totals()) == 3


def test_breakdown_records_match_the_counts(world: World) -> None:
    # given: by reason in Q4 Student 2 (d2, d3), No budget 1 (d1)
    rows = metrics.disqualification_breakdown(world.q4, by="reason")
    assert [(row.label, row.count, row.rate) for row in rows] == [
        ("Student", 2, D("33.3")),  # 2 / 6 ready leads
        ("No budget", 1, D("16.7")),  # 1 / 6
    ]
    for by in ("reason", "campaign", "asset", "source", "rep"):
        for row in metrics.disqualification_breakdown(world.q4, by=by):  # type: ignore[arg-type]
            records = metrics.disqualification_records(world.q4, by, row.key)
            assert records.count() == row.count, (by, row.label)
