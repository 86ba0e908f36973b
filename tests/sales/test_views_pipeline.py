"""The pipeline: opportunities by stage with totals, stage changes in place, won and lost."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account
from apps.opportunities.models import Opportunity
from apps.opportunities.selectors import PER_STAGE, offered_lost_reasons
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
    # the card is marked and its reason list points at the message
    card = in_place.content.decode()
    assert f'<article id="opp-{opportunity.pk}" class="opp opp--error">' in card
    assert (
        f'id="opp_{opportunity.pk}_lost_reason" aria-invalid="true" '
        f'aria-describedby="opp_{opportunity.pk}_error"'
    ) in card
    assert f'<p class="field__error" id="opp_{opportunity.pk}_error" role="alert">' in card
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


def test_a_full_column_shows_its_first_cards_soonest_close_then_largest(
    sales_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given: PER_STAGE + 3 demo deals of the rep: closing on three days (two of them tied
    # on day and amount), some without a close date, and the other rep's deal closing first
    today = timezone.localdate()
    account = factories.AccountFactory(owner=rep)
    deal = factories.OpportunityFactory

    def demo(name: str, days: int | None, amount: int, owner=rep):  # type: ignore[no-untyped-def]
        close = None if days is None else today + timedelta(days=days)
        return deal(
            owner=owner,
            account=account,
            name=name,
            stage="demo",
            amount=Decimal(amount),
            expected_close=close,
        )

    demo("Theirs", 0, 9999, owner=other_rep)
    tied_first, tied_second = demo("Tie 1", 2, 500), demo("Tie 2", 2, 500)
    expected = [demo("Soonest", 1, 100), demo("Day 2 large", 2, 800), tied_first, tied_second]
    expected += [demo(f"Later {i}", 3, 1000 - i) for i in range(PER_STAGE - len(expected))]
    undated = [demo(f"Undated {i}", None, 5000 + i) for i in range(3)]

    # when
    response = sales_client.get("/sales/pipeline/")

    # then: the column counts every deal of the rep and shows the first PER_STAGE in order
    # (expected close, soonest first; then the larger amount; then the older deal), the
    # undated ones last, beyond the column's cards
    column = next(c for c in response.context["board"].columns if c.stage == "demo")
    assert column.count == PER_STAGE + len(undated)
    assert [o.name for o in column.opportunities] == [o.name for o in expected]
    assert tied_first.pk < tied_second.pk


def _selected(html: str, select_id: str) -> list[str]:
    """The values of the selected options of one <select>."""
    block = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)" selected>', block)


def test_a_refused_card_keeps_what_the_rep_chose_and_the_others_show_their_stage(
    sales_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given: two deals, and two reasons offered
    refused = factories.OpportunityFactory(owner=rep, stage="demo")
    other = factories.OpportunityFactory(owner=rep, stage="proposal")
    factories.LostReasonFactory(name="Budget")
    price = factories.LostReasonFactory(name="Price")

    # when: one is marked lost for Price with details over the 200-character limit
    response = sales_client.post(
        f"/sales/pipeline/{refused.pk}/stage/",
        {"stage": "lost", "lost_reason": str(price.pk), "lost_details": "x" * 201},
    )

    # then: its card still says lost and Price; the other card shows its own stage and no
    # reason; each list offers every choice
    html = response.content.decode()
    assert response.status_code == 422
    assert _selected(html, f"opp_{refused.pk}_stage") == ["lost"]
    assert _selected(html, f"opp_{refused.pk}_lost_reason") == [str(price.pk)]
    assert _selected(html, f"opp_{other.pk}_stage") == ["proposal"]
    assert _selected(html, f"opp_{other.pk}_lost_reason") == []
    other_reasons = html.split(f'id="opp_{other.pk}_lost_reason"', 1)[1].split("</select>")[0]
    offered = offered_lost_reasons()  # with the reasons a migration adds, where it ran
    assert {"Budget", "Price"} <= {reason.name for reason in offered}
    assert other_reasons.count("<option") == 1 + len(offered)  # and "Reason, if lost"
    refused.refresh_from_db()
    assert refused.stage == "demo"
