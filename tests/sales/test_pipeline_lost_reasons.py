"""The pipeline's lost-reasons panels and overdue flags, on a hand-worked example.

Sam (a rep) lost four deals in the last 90 days:

    deal    reason   amount   primary lead's source campaign
    P1      Price    1,000    Webinar
    P2      Price    2,500    Webinar
    P3      Price      500    (no primary lead: "No campaign")
    T1      Timing   4,000    Search

so Price is 3 deals, 4,000.00, 75% of his lost deals and Timing 1 deal, 4,000.00, 25%; by
campaign Webinar lost 2 (both Price), Search 1 (Timing), "No campaign" 1 (Price). A Price deal
lost 120 days ago is outside the window. Sara lost a Timing deal of 7,000 three days ago: Max
(the manager) sees the team, so for him Price is 3 of 5 deals (60%) and Timing 2 deals,
11,000.00 (40%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.leads.models import Lead
from apps.opportunities.models import LostReason, Opportunity
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal
PIPELINE = "/sales/pipeline/"


@dataclass
class Losses:
    price: LostReason
    timing: LostReason
    webinar: Campaign
    search: Campaign


def _lead_from(campaign: Campaign) -> Lead:
    """A lead whose first campaign touch (its source campaign) is `campaign`."""
    lead = factories.LeadFactory(status=Lead.Status.CONVERTED)
    factories.TouchpointFactory(lead=lead, campaign=campaign)
    return lead


def _lose(
    owner: User,
    name: str,
    reason: LostReason,
    amount: str,
    *,
    campaign: Campaign | None = None,
    days_ago: int = 5,
    details: str = "",
) -> Opportunity:
    return factories.OpportunityFactory(
        owner=owner,
        name=name,
        amount=D(amount),
        primary_lead=_lead_from(campaign) if campaign else None,
        stage=Opportunity.Stage.LOST,
        closed_at=timezone.now() - timedelta(days=days_ago),
        lost_reason=reason,
        lost_details=details,
    )


@pytest.fixture
def losses(rep: User, other_rep: User) -> Losses:
    world = Losses(
        price=factories.LostReasonFactory(name="Price"),
        timing=factories.LostReasonFactory(name="Timing"),
        webinar=factories.CampaignFactory(name="Webinar"),
        search=factories.CampaignFactory(name="Search"),
    )
    _lose(rep, "P1", world.price, "1000", campaign=world.webinar, details="Asked for 30% off")
    _lose(rep, "P2", world.price, "2500", campaign=world.webinar, days_ago=20)
    _lose(rep, "P3", world.price, "500", days_ago=60)
    _lose(rep, "T1", world.timing, "4000", campaign=world.search, days_ago=10)
    _lose(rep, "Old", world.price, "9999", campaign=world.webinar, days_ago=120)
    _lose(other_rep, "Sara's", world.timing, "7000", campaign=world.search, days_ago=3)
    return world


def _rows(html: str, section_id: str) -> list[str]:
    """The text of each body and foot row of one section's table, tags dropped."""
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


# --- Lost reasons --------------------------------------------------------------------------


def test_lost_reasons_panel_counts_the_reps_deals_by_reason(
    sales_client: Client, losses: Losses
) -> None:
    # when
    response = sales_client.get(PIPELINE)

    # then
    lost = response.context["lost"]
    assert [(line.name, line.count, line.amount, line.share) for line in lost.lines] == [
        ("Price", 3, D("4000.00"), D(75)),
        ("Timing", 1, D("4000.00"), D(25)),
    ]
    assert (lost.count, lost.amount) == (4, D("8000.00"))
    assert _rows(response.content.decode(), "lost-reasons") == [
        "Price 3 4,000.00 75%",
        "Timing 1 4,000.00 25%",
        "All reasons 4 8,000.00",
    ]


def test_lost_reasons_panel_counts_the_teams_deals_for_a_manager(
    manager_client: Client, losses: Losses
) -> None:
    # when
    response = manager_client.get(PIPELINE)

    # then
    assert _rows(response.content.decode(), "lost-reasons") == [
        "Price 3 4,000.00 60%",
        "Timing 2 11,000.00 40%",
        "All reasons 5 15,000.00",
    ]


def test_lost_reasons_by_campaign(sales_client: Client, losses: Losses) -> None:
    # when
    response = sales_client.get(PIPELINE)

    # then: most lost first, "No campaign" after the campaigns it ties with
    campaigns = response.context["lost"].campaigns
    assert [(c.name, [cell.count for cell in c.cells], c.count) for c in campaigns] == [
        ("Webinar", [2, 0], 2),
        ("Search", [0, 1], 1),
        ("No campaign", [1, 0], 1),
    ]
    assert _rows(response.content.decode(), "lost-by-campaign") == [
        "Webinar 2 0 2",
        "Search 0 1 1",
        "No campaign 1 0 1",
        "All campaigns 3 1 4",
    ]


def test_every_count_links_to_the_deals_behind_it(sales_client: Client, losses: Losses) -> None:
    # given
    html = sales_client.get(PIPELINE).content.decode()
    price, timing, webinar, search = (
        losses.price.pk,
        losses.timing.pk,
        losses.webinar.pk,
        losses.search.pk,
    )
    links = {
        f"?lost_reason={price}": ["P1", "P2", "P3"],
        f"?lost_reason={timing}": ["T1"],
        "?lost_reason=all": ["P1", "T1", "P2", "P3"],
        f"?lost_reason={price}&amp;campaign={webinar}": ["P1", "P2"],
        f"?lost_reason={price}&amp;campaign=none": ["P3"],
        f"?lost_reason=all&amp;campaign={search}": ["T1"],
    }

    for link, deals in links.items():
        # when
        assert f'href="{PIPELINE}{link}"' in html
        response = sales_client.get(PIPELINE + link.replace("&amp;", "&"))

        # then: newest loss first, only the rep's own, nothing older than 90 days
        assert response.status_code == 200
        assert [o.name for o in response.context["page"]] == deals
    listed = sales_client.get(PIPELINE, {"lost_reason": price}).content.decode()
    assert "The 3 deals worth 4,000.00 lost in the last 90 days for this reason" in listed
    assert "Asked for 30% off" in listed


@pytest.mark.parametrize(
    "query",
    [{"lost_reason": "abc"}, {"lost_reason": "999999"}, {"lost_reason": "all", "campaign": "x"}],
)
def test_lost_deals_of_an_unknown_reason_or_campaign_are_not_found(
    sales_client: Client, losses: Losses, query: dict[str, str]
) -> None:
    assert sales_client.get(PIPELINE, query).status_code == 404


def test_a_card_offers_the_active_reasons_and_shows_a_lost_deals_reason(
    sales_client: Client, rep: User, losses: Losses
) -> None:
    # given
    factories.OpportunityFactory(owner=rep, name="Open deal")
    factories.LostReasonFactory(name="Retired reason", is_active=False)

    # when
    html = sales_client.get(PIPELINE).content.decode()

    # then
    assert f'<option value="{losses.price.pk}">Price</option>' in html
    assert "Retired reason" not in html
    assert "Price — Asked for 30% off" in html


# --- Overdue -------------------------------------------------------------------------------


def test_open_deals_past_their_expected_close_are_flagged_and_counted(
    sales_client: Client, rep: User
) -> None:
    # given
    today = timezone.localdate()
    for name, days in [("A", 1), ("B", 12), ("C", 45), ("Today", 0), ("Next week", -7)]:
        factories.OpportunityFactory(
            owner=rep, name=name, stage="demo", expected_close=today - timedelta(days=days)
        )
    factories.OpportunityFactory(owner=rep, name="No date")
    factories.OpportunityFactory(
        owner=rep,
        name="Won late",
        stage="won",
        closed_at=timezone.now(),
        expected_close=today - timedelta(days=30),
    )

    # when
    response = sales_client.get(PIPELINE)

    # then
    html = response.content.decode()
    assert response.context["board"].overdue_count == 3
    assert re.search(r"stat--warning[^>]*><span class=\"stat__value\">3</span>", html)
    badges = re.findall(r'<span class="badge (badge--[a-z-]+)">(Overdue by [^<]+)</span>', html)
    assert sorted(badges) == [
        ("badge--danger-soft", "Overdue by 45 days"),
        ("badge--warning", "Overdue by 1 day"),
        ("badge--warning", "Overdue by 12 days"),
    ]
    demo = next(c for c in response.context["board"].columns if c.stage == "demo")
    assert [o.name for o in demo.opportunities][:3] == ["C", "B", "A"]  # most overdue first


# --- Queries -------------------------------------------------------------------------------


def _more_losses(rep: User, losses: Losses, n: int) -> None:
    """n more lost deals of the rep, across both reasons and campaigns, and n overdue ones."""
    today = timezone.localdate()
    for i in range(n):
        reason = losses.price if i % 2 else losses.timing
        _lose(
            rep, f"More {i}", reason, "100", campaign=[losses.webinar, losses.search, None][i % 3]
        )
        factories.OpportunityFactory(
            owner=rep, stage="proposal", expected_close=today - timedelta(days=i + 1)
        )


# session, user, roles; stage counts, totals and overdue; the cards; the reasons a card offers;
# lost by reason; lost by campaign and reason; unread badge, Today badge
PIPELINE_QUERIES = 10
# session, user, roles; the reason; the campaign; count and amount; the page; two badges
LOST_DEALS_QUERIES = 9


@pytest.mark.parametrize("client_fixture", ["sales_client", "manager_client"])
def test_pipeline_queries_do_not_grow_with_lost_or_overdue_deals(
    request: pytest.FixtureRequest,
    client_fixture: str,
    rep: User,
    losses: Losses,
    django_assert_max_num_queries: Any,
) -> None:
    # given
    client: Client = request.getfixturevalue(client_fixture)
    _more_losses(rep, losses, 2)
    with django_assert_max_num_queries(PIPELINE_QUERIES) as small:
        client.get(PIPELINE)

    # when
    _more_losses(rep, losses, 30)

    # then
    with django_assert_max_num_queries(len(small)):
        response = client.get(PIPELINE)
    assert response.context["lost"].count >= 36


def test_lost_deals_queries_do_not_grow_with_the_deals(
    sales_client: Client, rep: User, losses: Losses, django_assert_max_num_queries: Any
) -> None:
    # given
    url = f"{PIPELINE}?lost_reason={losses.price.pk}&campaign={losses.webinar.pk}"
    _more_losses(rep, losses, 2)
    with django_assert_max_num_queries(LOST_DEALS_QUERIES) as small:
        sales_client.get(url)

    # when
    _more_losses(rep, losses, 60)

    # then
    with django_assert_max_num_queries(len(small)):
        response = sales_client.get(url)
    assert len(response.context["page"]) == 12
    assert response.context["records"].count == 12
