"""One source-campaign definition: a lead's first campaign touch, earliest `occurred_at`, ties
broken by the touch that was recorded first. The campaign and channel tables, first-touch
attribution, the disqualification reason analytics and the lead-flow sources all read it, so
they agree lead for lead and to the cent, including for leads whose campaign field (the
creating touch's) says something else."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.feedback.models import Disqualification
from apps.goals import metrics
from apps.leads.models import Lead
from apps.opportunities.models import Opportunity
from apps.routing.capacity import lead_flow
from tests import factories
from tests.fixtures.marketing import at, make_lead, touch

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def story(rep):  # type: ignore[no-untyped-def]
    q4 = factories.QuarterFactory(
        name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )
    webinar = factories.CampaignFactory(name="Webinar", channel="webinar", quarter=q4)
    search = factories.CampaignFactory(name="Search", channel="paid_search", quarter=q4)
    leads = {
        # came in on a page view without a campaign; the webinar then the search touched it
        "late": make_lead(
            created=at(11, 1), ready=at(11, 20), responded_after=5, **_owned(rep, 11, 20)
        ),
        # created by a search touch; a webinar touch at the very same instant, recorded after
        "tie": make_lead(
            created=at(11, 5, 10),
            campaign=search,
            journey=True,
            ready=at(11, 21),
            responded_after=5,
            **_owned(rep, 11, 21),
        ),
        # no campaign touch at all
        "direct": make_lead(
            created=at(11, 6), ready=at(11, 22), responded_after=5, **_owned(rep, 11, 22)
        ),
        # the webinar brought it in; disqualified later
        "junk": make_lead(
            created=at(11, 7), campaign=webinar, ready=at(11, 23), **_owned(rep, 11, 23)
        ),
    }
    touch(leads["late"], None, at(11, 1))
    touch(leads["late"], webinar, at(11, 2))
    touch(leads["late"], search, at(11, 3))
    touch(leads["tie"], search, at(11, 5, 10))
    touch(leads["tie"], webinar, at(11, 5, 10))
    for name, amount in (("late", "10000.00"), ("tie", "4000.00"), ("direct", "2500.00")):
        lead = leads[name]
        factories.OpportunityFactory(
            account=lead.account,
            primary_lead=lead,
            owner=rep,
            amount=D(amount),
            created_at=at(11, 24),
            stage=Opportunity.Stage.WON,
            closed_at=at(11, 25),
        )
    reason = factories.DisqualificationReasonFactory(label="No budget")
    Lead.objects.filter(pk=leads["junk"].pk).update(status=Lead.Status.DISQUALIFIED)
    factories.DisqualificationFactory(lead=leads["junk"], reason=reason, rep=rep, at=at(11, 27))
    return q4, webinar, search, leads


def test_every_report_credits_the_first_campaign_touch(story) -> None:  # type: ignore[no-untyped-def]
    q4, webinar, search, leads = story
    # given: the lead's own campaign field is the creating touch's, which is not the source
    assert leads["late"].campaign_id is None
    sources = {name: lead.facts.source_campaign_id for name, lead in _fresh(leads).items()}
    assert sources == {"late": webinar.pk, "tie": search.pk, "direct": None, "junk": webinar.pk}
    by_source = {webinar.pk: ("late", "junk"), search.pk: ("tie",), None: ("direct",)}

    # the campaign table: ready leads and sourced revenue per source campaign
    table = metrics.campaign_performance(q4, "first_touch")
    rows = {row.key: row for row in table.campaigns}
    assert (rows[webinar.pk].ready, rows[webinar.pk].won_revenue) == (2, D("10000.00"))
    assert (rows[search.pk].ready, rows[search.pk].won_revenue) == (1, D("4000.00"))
    assert (table.no_campaign.ready, table.no_campaign.won_revenue) == (1, D("2500.00"))
    # the channel table groups the same rows
    channels = {row.key: row for row in table.channels}
    assert channels["webinar"].won_revenue == rows[webinar.pk].won_revenue
    assert channels["paid_search"].won_revenue == rows[search.pk].won_revenue
    assert sum(row.ready for row in table.channels) + table.no_campaign.ready == 4

    # first-touch attribution credits exactly the sourced revenue, to the cent
    credit = metrics.attribution(q4, "first_touch")
    assert {row.campaign_id: row.credit for row in credit.campaigns} == {
        webinar.pk: D("10000.00"),
        search.pk: D("4000.00"),
    }
    assert credit.unattributed == D("2500.00") == table.no_campaign.attributed_revenue

    # the reason analytics put the disqualification on the same campaign, out of its ready leads
    breakdown = metrics.disqualification_breakdown(q4, "campaign")
    assert [(row.key, row.count, row.rate) for row in breakdown] == [(webinar.pk, 1, D("50.0"))]
    records = metrics.disqualification_records(q4, "campaign", webinar.pk)
    assert [dq.lead_id for dq in records] == [leads["junk"].pk]
    assert Disqualification.objects.count() == 1

    # the lead-flow sources count the ready arrivals per source campaign
    flow = lead_flow(now=at(12, 1), days=14)
    arrivals = {source.campaign_id: source.ready for source in flow.top_campaigns}
    assert arrivals == {key: len(names) for key, names in by_source.items()}


def _owned(rep, month: int, day: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"owner": rep, "assigned_at": at(month, day), "account": factories.AccountFactory()}


def _fresh(leads: dict[str, Lead]) -> dict[str, Lead]:
    return {
        name: Lead.objects.select_related("facts").get(pk=lead.pk) for name, lead in leads.items()
    }
