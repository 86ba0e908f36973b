"""The pipeline: opportunities by stage with totals, stage changes in place, won and lost."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account
from apps.opportunities.models import Opportunity
from tests import factories
from tests.sales.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_rep_sees_own_opportunities_by_stage_with_totals(
    sales_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    factories.OpportunityFactory(owner=rep, name="Mine A", amount=Decimal("1000"), stage="demo")
    factories.OpportunityFactory(owner=rep, name="Mine B", amount=Decimal("2500"), stage="demo")
    factories.OpportunityFactory(owner=other_rep, name="Theirs", amount=Decimal("9999"))

    # when
    response = sales_client.get("/sales/pipeline/")

    # then
    html = response.content.decode()
    assert "Mine A" in html
    assert "Mine B" in html
    assert "Theirs" not in html
    demo = next(c for c in response.context["board"].columns if c.stage == "demo")
    assert (demo.count, demo.total) == (2, Decimal("3500"))
    assert response.context["board"].open_total == Decimal("3500")


def test_manager_sees_the_team(manager_client: Client, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    factories.OpportunityFactory(owner=rep, name="Sam's deal")
    factories.OpportunityFactory(owner=other_rep, name="Sara's deal")

    # when
    html = manager_client.get("/sales/pipeline/").content.decode()

    # then
    assert "Sam&#x27;s deal" in html
    assert "Sara&#x27;s deal" in html


def test_stage_change_in_place(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=rep)

    # when
    response = sales_client.post(
        f"/sales/pipeline/{opportunity.pk}/stage/", {"stage": "proposal"}, headers=HTMX
    )

    # then
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="pipeline-board"')
    opportunity.refresh_from_db()
    assert opportunity.stage == "proposal"


def test_won_makes_the_account_a_customer(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=rep)

    # when
    response = sales_client.post(f"/sales/pipeline/{opportunity.pk}/stage/", {"stage": "won"})

    # then
    assert response.status_code == 302
    opportunity.account.refresh_from_db()
    assert opportunity.account.lifecycle == Account.Lifecycle.CUSTOMER


def test_lost_without_a_reason_is_refused_on_the_card(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=rep)

    # when
    in_place = sales_client.post(
        f"/sales/pipeline/{opportunity.pk}/stage/",
        {"stage": "lost", "lost_reason": "", "lost_details": "They went quiet"},
        headers=HTMX,
    )
    plain = sales_client.post(f"/sales/pipeline/{opportunity.pk}/stage/", {"stage": "lost"})

    # then
    assert in_place.status_code == 422
    assert in_place["HX-Retarget"] == f"#opp-{opportunity.pk}"
    assert "Say why the deal was lost: choose a reason." in in_place.content.decode()
    assert 'value="They went quiet"' in in_place.content.decode()
    assert plain.status_code == 422
    assert "Say why the deal was lost: choose a reason." in plain.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == "discovery"


def test_lost_with_a_reason(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=rep)
    price = factories.LostReasonFactory(name="Price")

    # when
    sales_client.post(
        f"/sales/pipeline/{opportunity.pk}/stage/",
        {"stage": "lost", "lost_reason": str(price.pk), "lost_details": " 20% over budget "},
    )

    # then
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.lost_reason, opportunity.lost_details) == (
        "lost",
        price,
        "20% over budget",
    )


def test_closed_deal_cannot_move(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=rep, stage="won", closed_at=timezone.now())

    # when
    response = sales_client.post(f"/sales/pipeline/{opportunity.pk}/stage/", {"stage": "demo"})

    # then
    assert response.status_code == 422
    assert "already won" in response.content.decode()


def test_rep_cannot_move_another_reps_deal(sales_client: Client, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=other_rep)

    # when
    response = sales_client.post(f"/sales/pipeline/{opportunity.pk}/stage/", {"stage": "won"})

    # then
    assert response.status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.stage == "discovery"


def test_marketing_reads_the_pipeline_but_cannot_move_deals(marketing_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(owner=rep, name="Read only")

    # when
    page = marketing_client.get("/sales/pipeline/")
    response = marketing_client.post(f"/sales/pipeline/{opportunity.pk}/stage/", {"stage": "won"})

    # then
    assert "Read only" in page.content.decode()
    assert 'name="stage"' not in page.content.decode()
    assert response.status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.stage == Opportunity.Stage.DISCOVERY


def test_empty_pipeline_says_how_deals_get_here(sales_client: Client) -> None:
    # when
    html = sales_client.get("/sales/pipeline/").content.decode()

    # then
    assert "No opportunities yet." in html
