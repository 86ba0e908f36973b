"""/marketing/performance/records/: every figure of the performance page links to the records
behind it, and the drill-down shows the same count or sum.

The page is rendered for the hand-worked marketing quarter (tests/fixtures/marketing.py) under
each attribution model; every link to a drill-down is followed and the records are checked to
add up to the figure the link showed (tests/drilldown.py says how for each kind of figure).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.goals import metrics, selectors
from tests import factories
from tests.drilldown import assert_same, figure_links, forged_cursor, read_drill
from tests.fixtures.marketing import World, at, make_lead

pytestmark = pytest.mark.django_db

D = Decimal
RECORDS = "/marketing/performance/records/"
# How each figure of the table relates to its records (tests.drilldown.assert_same).
KINDS: dict[str, str] = {
    "leads": "count",
    "ready": "count",
    "follow_up_rate": "rate",
    "speed_to_lead_median": "median",
    "opportunities": "count",
    "pipeline": "sum",
    "won_deals": "count",
    "won_revenue": "sum",
    "influenced_revenue": "sum",
    "attributed_revenue": "sum",
    "win_rate": "rate",
    "cost": "sum",
    "cost_per_ready_lead": "cost_per",
    "cost_per_won_deal": "cost_per",
    "roi": "roi",
}


def performance_page(client: Client, model: str) -> str:
    response = client.get(f"/marketing/performance/?quarter=2026-Q4&model={model}")
    assert response.status_code == 200
    return response.content.decode()


# --- Every figure, followed ---------------------------------------------------------------------


# First touch is read live from the source campaign; the other models from the stored credits.
@pytest.mark.parametrize("model", ["first_touch", "w_shaped"])
def test_every_figure_links_to_records_that_add_up_to_it(
    marketing_client: Client, world: World, model: str
) -> None:
    # given the page under the attribution model
    page = performance_page(marketing_client, model)
    links = figure_links(page, RECORDS)

    # then every figure of both tables (3 campaigns + 4 channels... + no campaign + total, 15
    # figures each), the totals, the funnel and the attribution card link to a drill-down
    figures = {link.query["figure"] for link in links}
    assert figures == set(KINDS)
    lines = {(link.query.get("campaign"), link.query.get("channel")) for link in links}
    campaigns = {str(c.pk) for c in (world.webinar, world.search, world.ebook)}
    assert {campaign for campaign, _ in lines} == campaigns | {"none", None}
    assert {"webinar", "paid_search", "content"} <= {channel for _, channel in lines}

    # when each link is followed (once: the no-campaign and total lines are in both tables),
    # then its records add up to the figure it showed
    for link in dict.fromkeys(links):
        assert link.query["quarter"] == "2026-Q4"
        assert link.query["model"] == model
        drill = read_drill(marketing_client, link.href)
        kind = "count" if link.shows == "count" else KINDS[link.query["figure"]]
        if kind == "count" and link.shows == "count":
            assert drill.total == link.number, link.href
            continue
        assert_same(kind, link.number, drill, link.href)


def test_sourced_revenue_of_a_campaign_lists_its_won_deals_and_their_sum(
    marketing_client: Client, world: World
) -> None:
    # when: Webinar's sourced revenue, from the page
    page = performance_page(marketing_client, "w_shaped")
    link = next(
        link
        for link in figure_links(page, RECORDS)
        if link.query
        == {"quarter": "2026-Q4", "model": "w_shaped", "figure": "won_revenue"}
        | {"campaign": str(world.webinar.pk)}
    )
    drill = read_drill(marketing_client, link.href)

    # then o1 (10,000, a1 came from the webinar) is the one deal, and the sum is the figure
    assert link.text == "10,000.00"
    assert [deal.name for deal in drill.records] == ["Xeno platform"]
    assert (drill.total, drill.amount, drill.value) == (1, D("10000"), D("10000"))


def test_attributed_revenue_lists_the_credit_rows_of_the_model(
    marketing_client: Client, world: World
) -> None:
    # when: Webinar's linear credit (4,666.67: see test_views.py)
    response = marketing_client.get(
        f"{RECORDS}?quarter=2026-Q4&model=linear&figure=attributed_revenue"
        f"&campaign={world.webinar.pk}"
    )

    # then the credits are Webinar's, under the linear model, and sum to the figure
    drill = response.context["drill"]
    assert drill.kind == "credit"
    assert {credit.campaign_id for credit in drill.page} == {world.webinar.pk}
    assert {credit.model for credit in drill.page} == {"linear"}
    assert drill.amount_text == drill.value_text == "4,666.67"
    assert 'id="records-amount">4,666.67</span>' in response.content.decode()


def test_no_campaign_attributed_revenue_lists_the_deals_no_campaign_is_credited_for(
    marketing_client: Client, world: World
) -> None:
    # given a deal won in Q4 on an account no campaign ever touched
    lead = make_lead(created=at(10, 2), ready=at(10, 2))
    factories.OpportunityFactory(
        account=factories.AccountFactory(),
        primary_lead=lead,
        owner=world.sam,
        name="Untouched",
        amount=D("750.00"),
        created_at=at(10, 3),
        stage="won",
        closed_at=at(10, 20),
    )

    # when
    response = marketing_client.get(
        f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=attributed_revenue&campaign=none"
    )

    # then that deal is the one listed, and the sum is the "no campaign" line's
    drill = response.context["drill"]
    assert [deal.name for deal in drill.page] == ["Untouched"]
    no_campaign = metrics.campaign_performance(world.q4, "w_shaped").no_campaign
    assert no_campaign.attributed_revenue == D("750.00")
    assert drill.amount_text == drill.value_text == "750"


def test_a_rate_shows_its_numerator_and_denominator_records(
    marketing_client: Client, world: World
) -> None:
    # when: the total win rate (o1 and o3 won, o2 lost in Q4: 66.7%)
    base = f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=win_rate"
    denominator = marketing_client.get(base)
    numerator = marketing_client.get(base + "&part=numerator")

    # then the denominator (listed first) is the three closed deals, the numerator the two won
    assert {o.name for o in denominator.context["drill"].page} == {
        "Xeno platform",
        "Yarrow pilot",
        "Zephyr rollout",
    }
    assert {o.name for o in numerator.context["drill"].page} == {"Xeno platform", "Zephyr rollout"}
    page = denominator.content.decode()
    assert 'id="figure-value">66.7%</span>' in page
    assert 'data-part="numerator">Won: <span class="part-count">2</span>' in page
    assert 'data-part="denominator">Closed: won or lost: <span class="part-count">3</span>' in page


def test_cost_lists_the_spend_entries_and_their_share_in_the_quarter(
    marketing_client: Client, world: World
) -> None:
    # when: Search's cost (1,000 in each of October, November and December)
    response = marketing_client.get(
        f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=cost&campaign={world.search.pk}"
    )

    # then
    drill = response.context["drill"]
    assert drill.kind == "spend"
    assert [row.share for row in drill.page] == [D("1000.00")] * 3
    assert drill.amount_text == drill.value_text == "3,000"


def test_a_campaign_without_spend_shows_a_dash_and_no_entries(
    marketing_client: Client, world: World
) -> None:
    response = marketing_client.get(
        f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=cost&campaign={world.ebook.pk}"
    )
    drill = response.context["drill"]
    assert (drill.value_text, drill.amount_text, drill.total) == ("—", "—", 0)
    assert "No records behind this figure yet." in response.content.decode()


# --- Long lists, bad input, who may read it -----------------------------------------------------


def test_a_long_list_is_paged_but_the_total_is_of_all_records(
    marketing_client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given pages of 2 records
    monkeypatch.setattr(selectors, "RECORD_PAGE_SIZE", 2)
    url = f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=leads"

    # when
    first = marketing_client.get(url)
    drill = first.context["drill"]
    nxt = marketing_client.get(
        f"{url}&after={drill.page.next_cursor}", headers={"HX-Request": "true"}
    )

    # then the total is the 7 leads created in Q4, two listed per page
    assert drill.total == 7
    assert len(drill.page.items) == 2
    assert 'id="records-total">7</span>' in first.content.decode()
    rows = nxt.content.decode()
    assert rows.lstrip().startswith('<div id="record-page">')
    listed = {int(pk) for pk in re.findall(r'class="row-title" href="/sales/leads/(\d+)/"', rows)}
    assert len(listed) == 2
    assert listed.isdisjoint({lead.pk for lead in drill.page})


@pytest.mark.parametrize(
    "query",
    [
        "figure=nonsense",
        "figure=ready&model=nonsense",
        "figure=ready&quarter=1999-Q1",
        "figure=ready&campaign=abc",
        "figure=ready&campaign=999999",
        "figure=ready&channel=carrier_pigeon",
        "figure=cost_per_ready_lead&part=nonsense",
        f"figure=ready&after={forged_cursor('abc')}",
        f"figure=cost&after={forged_cursor({'pk': 1})}",
        f"figure=speed_to_lead_median&after={forged_cursor('fast', 1)}",
    ],
)
def test_unknown_figure_line_or_quarter_is_404(
    marketing_client: Client, world: World, query: str
) -> None:
    response = marketing_client.get(f"{RECORDS}?quarter=2026-Q4&{query}")
    assert response.status_code == 404


@pytest.mark.parametrize("client_fixture", ["sales_client", "service_client"])
def test_records_are_forbidden_to_whom_the_page_is(
    request: pytest.FixtureRequest, client_fixture: str, world: World
) -> None:
    client = request.getfixturevalue(client_fixture)
    assert client.get(f"{RECORDS}?quarter=2026-Q4&figure=ready").status_code == 403


@pytest.mark.parametrize("client_fixture", ["manager_client", "revops_client"])
def test_sales_managers_and_revops_read_the_records(
    request: pytest.FixtureRequest, client_fixture: str, world: World
) -> None:
    client = request.getfixturevalue(client_fixture)
    assert client.get(f"{RECORDS}?quarter=2026-Q4&figure=ready").status_code == 200


# --- Queries --------------------------------------------------------------------------------------


def grow(world: World, n: int) -> None:
    """n more campaigns, each with a ready lead, a touch, spend and a won deal in Q4."""
    for i in range(n):
        campaign = factories.CampaignFactory(quarter=world.q4)
        factories.CampaignSpendFactory(campaign=campaign, amount=D("100"))
        account = factories.AccountFactory()
        lead = make_lead(created=at(10, 3), campaign=campaign, ready=at(10, 3), account=account)
        factories.OpportunityFactory(
            account=account,
            primary_lead=lead,
            owner=world.sam,
            amount=D(100 + i),
            created_at=at(10, 4),
            stage="won",
            closed_at=at(10, 9),
        )


def records_queries(client: Client, query: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{RECORDS}?quarter=2026-Q4&model=linear&{query}")
    assert response.status_code == 200
    return len(queries)


# session, user, roles, the quarter, the table (10), the sets' tallies, visible, page
RECORDS_MAX_QUERIES = 22


@pytest.mark.parametrize(
    "query",
    [
        "figure=ready",
        "figure=won_revenue",
        "figure=attributed_revenue",
        "figure=roi",
        "figure=cost_per_won_deal&channel=webinar",
        "figure=speed_to_lead_median",
    ],
)
def test_drilldown_queries_do_not_grow_with_the_data(
    marketing_client: Client, world: World, query: str, django_assert_max_num_queries: Any
) -> None:
    # given
    grow(world, 2)
    small = records_queries(marketing_client, query)

    # when the data grows
    grow(world, 12)

    # then
    with django_assert_max_num_queries(RECORDS_MAX_QUERIES):
        large = records_queries(marketing_client, query)
    assert large == small
