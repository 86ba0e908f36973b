"""A deal keeps its primary lead's source campaign (the lead's first campaign touch, as its
facts hold it), which every report groups and filters deals by: set when the lead converts,
moved when an older campaign touch arrives, and taken again when RevOps changes the primary
lead in the admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.campaigns.models import Campaign
from apps.goals.metrics.marketing import FIRST_TOUCH, attribution, campaign_performance
from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead, LeadFacts
from apps.opportunities.models import Opportunity
from apps.opportunities.services import change_stage, convert_lead
from apps.routing import services as routing
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db

ON = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)


def _owned_lead(rep: User, email: str, campaign: Campaign | None) -> Lead:
    """A ready lead brought in by a touch of `campaign` on ON, claimed by the rep."""
    lead = factories.LeadFactory(email=email, status="ready", account=factories.AccountFactory())
    if campaign is not None:
        factories.TouchpointFactory(lead=lead, campaign=campaign, occurred_at=ON)
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    return lead


def _older_touch(campaign: Campaign) -> None:
    """Ana's touch of `campaign` on 1 Oct, nine days before the one that brought her in,
    arriving at intake now (last month's clicks, imported late)."""
    intake_lead(
        data=IntakeData(
            email="ana@northwind.example", campaign=campaign, occurred_at=ON - timedelta(days=9)
        )
    )


def _source_of(deal: Opportunity) -> int | None:
    return Opportunity.objects.values_list("source_campaign_id", flat=True).get(pk=deal.pk)


@pytest.fixture
def webinar(db) -> Campaign:  # type: ignore[no-untyped-def]
    return factories.CampaignFactory(name="Autumn webinar")


@pytest.fixture
def search(db) -> Campaign:  # type: ignore[no-untyped-def]
    return factories.CampaignFactory(name="Paid search")


def test_a_deal_takes_its_leads_source_campaign_when_the_lead_converts(
    agreement, pool, policy, rep, webinar
) -> None:  # type: ignore[no-untyped-def]
    lead = _owned_lead(rep, "ana@northwind.example", webinar)

    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")

    assert deal.source_campaign_id == webinar.pk
    assert _source_of(deal) == webinar.pk


def test_an_older_campaign_touch_after_the_conversion_moves_the_deals_source(
    agreement, pool, policy, rep, webinar, search
) -> None:  # type: ignore[no-untyped-def]
    # given a deal from a lead the webinar brought in on 10 Oct
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")

    # when a paid-search touch from 1 Oct arrives
    _older_touch(search)

    # then paid search is the lead's first campaign touch, on its facts and on its deal
    assert LeadFacts.objects.get(lead=lead).source_campaign_id == search.pk
    assert _source_of(deal) == search.pk


def test_a_deal_without_a_campaign_gets_one_with_its_leads_first_campaign_touch(
    agreement, pool, policy, rep, search
) -> None:  # type: ignore[no-untyped-def]
    lead = _owned_lead(rep, "bo@contoso.example", None)
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Contoso", amount="800")
    assert deal.source_campaign_id is None

    intake_lead(data=IntakeData(email="bo@contoso.example", campaign=search, occurred_at=ON))

    assert _source_of(deal) == search.pk


def test_first_touch_revenue_follows_the_moved_source_on_the_performance_page(
    agreement, pool, policy, rep, webinar, search
) -> None:  # type: ignore[no-untyped-def]
    quarter = factories.QuarterFactory()  # 2026-Q4; the deal is won today, inside it
    # given a deal won for 5,000 in Q4, first credited to the webinar
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")
    change_stage(opportunity_id=deal.pk, actor=rep, stage=Opportunity.Stage.WON)
    # when an older paid-search touch arrives
    _older_touch(search)
    # then under first touch the by-campaign table and the attribution both credit paid search
    table = campaign_performance(quarter, FIRST_TOUCH)
    won = {row.label: row.won_revenue for row in table.campaigns}
    assert (won["Paid search"], won["Autumn webinar"]) == (5000, 0)
    credited = {row.name: row.credit for row in attribution(quarter, FIRST_TOUCH).campaigns}
    assert credited == {"Paid search": 5000}


def test_the_quarters_deals_are_grouped_by_campaign_without_reading_the_leads_facts(
    agreement, pool, policy, rep, webinar
) -> None:  # type: ignore[no-untyped-def]
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")

    with CaptureQueriesContext(connection) as queries:
        campaign_performance(factories.QuarterFactory(), FIRST_TOUCH)

    # the deals (SQLite) or their cells (PostgreSQL: DealCell, which carry the deal's copy)
    deal_tables = ('FROM "opportunities_opportunity"', 'FROM "opportunities_dealcell"')
    deal_reads = [q["sql"] for q in queries if any(table in q["sql"] for table in deal_tables)]
    assert deal_reads
    # the copy on the deal is read; joining every lead's facts row cost 58 ms at 100k leads
    assert not [sql for sql in deal_reads if "leads_leadfacts" in sql]


def test_the_api_lists_a_campaigns_deals_by_the_moved_source(
    agreement, pool, policy, rep, rep_api, webinar, search
) -> None:  # type: ignore[no-untyped-def]
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")
    _older_touch(search)

    def listed(campaign: Campaign) -> list[tuple[int, int]]:
        response = rep_api.get("/api/v1/opportunities/", {"campaign": campaign.pk})
        assert response.status_code == 200
        return [(row["id"], row["source_campaign"]) for row in response.json()["results"]]

    assert listed(search) == [(deal.pk, search.pk)]
    assert listed(webinar) == []


def _change_form(deal: Opportunity, **changes: Any) -> dict[str, Any]:
    """The admin's change form for the deal as it stands, with `changes` made."""
    return {
        "account": deal.account_id,
        "primary_lead": deal.primary_lead_id or "",
        "owner": deal.owner_id,
        "name": deal.name,
        "amount": str(deal.amount),
        "stage": deal.stage,
        "type": deal.type,
        "origin": deal.origin,
        "created_at_0": deal.created_at.strftime("%Y-%m-%d"),
        "created_at_1": deal.created_at.strftime("%H:%M:%S"),
        "expected_close": "",
        "closed_at_0": "",
        "closed_at_1": "",
        "lost_reason": "",
        "lost_details": "",
        "term_months": deal.term_months,
        **changes,
    }


def test_changing_the_primary_lead_in_the_admin_brings_that_leads_source_campaign(
    agreement, pool, policy, rep, revops_client, webinar, search
) -> None:  # type: ignore[no-untyped-def]
    # given a webinar deal, and another lead of the account that paid search brought in
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")
    champion = factories.LeadFactory(account=lead.account)
    factories.TouchpointFactory(lead=champion, campaign=search, occurred_at=ON)
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])

    # when RevOps makes the champion the primary lead
    response = revops_client.post(url, _change_form(deal, primary_lead=champion.pk))

    # then the deal is credited to the champion's source campaign
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _source_of(deal) == search.pk

    # and an edit that leaves the primary lead alone keeps it
    deal.refresh_from_db()
    response = revops_client.post(url, _change_form(deal, name="Northwind rollout"))
    assert response.status_code == 302
    assert _source_of(deal) == search.pk
