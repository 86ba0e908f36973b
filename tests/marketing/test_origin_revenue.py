"""Service-sourced revenue on /marketing/performance/ (issue 16): the deals each team sourced
(Opportunity.origin) as their own lines, each figure linked to its records; a lead Service
hands over is converted into a service-sourced deal whose win counts there and, for an
expansion, as the goal sheet's expansion revenue.

Hand-worked from the marketing world (tests/fixtures/marketing.py), 2026-Q4, with o2 (lost,
5,000) made sales-sourced and o3 (won 1 Oct, 2,000) and o4 (open, 7,000) service-sourced:
  Marketing: created o1 10,000 + o5 3,333.33 = 2 opps, 13,333.33; won o1 = 1, 10,000.00
  Sales:     created o2 = 1 opp, 5,000.00; won none = 0, 0.00
  Service:   created o4 = 1 opp, 7,000.00; won o3 = 1, 2,000.00
The lines add up to the quarter's pipeline created (25,333.33) and revenue won (12,000.00).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from apps.goals import metrics
from apps.goals.metrics import OriginRow
from apps.opportunities.models import Opportunity
from tests.drilldown import figure_links, read_drill
from tests.fixtures.marketing import World

pytestmark = pytest.mark.django_db

D = Decimal
RECORDS = "/marketing/performance/records/"


@pytest.fixture
def origins(world: World) -> World:
    Opportunity.objects.filter(pk=world.opportunities["o2"].pk).update(origin="sales")
    Opportunity.objects.filter(
        pk__in=[world.opportunities["o3"].pk, world.opportunities["o4"].pk]
    ).update(origin="service")
    return world


def test_revenue_by_origin_is_worked_by_hand(origins: World) -> None:
    rows = metrics.revenue_by_origin(origins.q4)
    assert rows == (
        OriginRow("marketing", "Marketing-sourced", 2, D("13333.33"), 1, D("10000.00")),
        OriginRow("sales", "Sales-sourced (outbound)", 1, D("5000.00"), 0, D("0.00")),
        OriginRow(
            "service", "Service-sourced (expansion and referrals)", 1, D("7000.00"), 1, D("2000.00")
        ),
    )
    # the lines add up to the quarter's unsegmented metrics
    assert sum(r.pipeline for r in rows) == metrics.pipeline_created(origins.q4).value
    assert sum(r.won_revenue for r in rows) == metrics.revenue_won(origins.q4).value


def test_the_origins_and_the_campaigns_come_from_one_read_of_the_quarters_deals(
    origins: World, django_assert_num_queries: Any
) -> None:
    # when the performance page's table and attribution card are computed in one block, then
    # the revenue by origin costs no query: it adds up the deals the table read
    with metrics.shared_reads():
        table = metrics.campaign_performance(origins.q4, "w_shaped")
        metrics.attribution(origins.q4, "w_shaped")
        with django_assert_num_queries(0):
            shared = metrics.revenue_by_origin(origins.q4)
    # and it is the same as read alone
    assert shared == metrics.revenue_by_origin(origins.q4)
    # and the Webinar's row adds up its deals of two origins: o1 (marketing, created 20 Oct,
    # won 15 Nov, 10,000) and o2 (sales, created 1 Nov, lost 1 Dec, 5,000)
    webinar = next(row for row in table.campaigns if row.key == origins.webinar.pk)
    assert (webinar.opportunities, webinar.pipeline) == (2, D("15000.00"))
    assert (webinar.won_deals, webinar.won_revenue, webinar.win_rate) == (
        1,
        D("10000.00"),
        D("50.0"),
    )


def test_the_page_shows_service_sourced_revenue_and_each_figure_drills_to_its_deals(
    marketing_client: Client, origins: World
) -> None:
    page = marketing_client.get("/marketing/performance/?quarter=2026-Q4&model=w_shaped")
    html = page.content.decode()
    assert "Service-sourced (expansion and referrals)" in html
    links = [link for link in figure_links(html, RECORDS) if "origin" in link.query]
    shown = {(link.query["origin"], link.query["figure"]): link.text for link in links}
    assert shown[("service", "won_revenue")] == "2,000.00"
    assert shown[("service", "pipeline")] == "7,000.00"
    assert shown[("marketing", "pipeline")] == "13,333.33"
    assert shown[("sales", "won_deals")] == "0"
    # when the service line's won revenue is followed, then it is o3, and sums to the figure
    link = next(
        lk
        for lk in links
        if lk.query["origin"] == "service" and lk.query["figure"] == "won_revenue"
    )
    drill = read_drill(marketing_client, link.href)
    assert [deal.name for deal in drill.records] == ["Zephyr rollout"]
    assert (drill.total, drill.amount, drill.value) == (1, D("2000.00"), D("2000.00"))
    assert "that this team sourced" in marketing_client.get(link.href).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("origin=partners&figure=won_revenue", id="unknown-origin"),
        pytest.param("origin=service&figure=ready", id="a-lead-figure"),
    ],
)
def test_an_origin_line_answers_only_its_deal_figures(
    marketing_client: Client, origins: World, query: str
) -> None:
    response = marketing_client.get(f"{RECORDS}?quarter=2026-Q4&model=w_shaped&{query}")
    assert response.status_code == 404
