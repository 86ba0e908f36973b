"""Max marks a deal lost on the pipeline in a real browser (Debian's Chromium through
Playwright): without a reason he is refused on the reason's field, with one from the list the
deal leaves the open columns and the lost-reasons panel counts it, all without a reload."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from apps.opportunities.models import Opportunity
from tests import factories
from tests.browser import mark, sign_in, still_marked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPEN_COLUMNS = ("discovery", "demo", "proposal", "negotiation")


def column(page: Page, stage: str) -> Locator:
    """One stage's column of the board: its heading, total and cards."""
    return page.locator(f"section.board__column--{stage}")


@pytest.fixture
def deals(rep, other_rep):  # type: ignore[no-untyped-def]
    """Sam's proposal to lose, Sara's overdue demo, one Price loss already this quarter, and the
    reasons list RevOps keeps (one of them archived)."""
    today = timezone.localdate()
    price = factories.LostReasonFactory(name="Price", order=1)
    factories.LostReasonFactory(name="Timing", order=2)
    factories.LostReasonFactory(name="Chose a competitor", order=3)
    factories.LostReasonFactory(name="Legacy: no champion", order=4, is_active=False)
    factories.OpportunityFactory(
        owner=other_rep,
        name="Vandelay imports",
        amount=Decimal("5000"),
        stage=Opportunity.Stage.LOST,
        lost_reason=price,
        closed_at=timezone.now() - timedelta(days=10),
    )
    hooli = factories.OpportunityFactory(
        owner=rep,
        name="Hooli rollout",
        amount=Decimal("30000"),
        stage=Opportunity.Stage.PROPOSAL,
        expected_close=today + timedelta(days=20),
    )
    stark = factories.OpportunityFactory(
        owner=other_rep,
        name="Stark pilot",
        amount=Decimal("8000"),
        stage=Opportunity.Stage.DEMO,
        expected_close=today - timedelta(days=5),
    )
    return {"hooli": hooli, "stark": stark, "price": price}


def test_max_marks_a_deal_lost_only_with_a_reason_and_the_panel_counts_it(
    page: Page, live_server, manager, deals
) -> None:  # type: ignore[no-untyped-def]
    # given
    hooli: Opportunity = deals["hooli"]
    page.set_viewport_size({"width": 1500, "height": 1100})
    sign_in(page, live_server.url, "max", "My queue")
    page.goto(f"{live_server.url}/sales/pipeline/")
    expect(page.get_by_role("heading", name="Pipeline", exact=True)).to_be_visible()
    summary = page.get_by_role("region", name="Pipeline summary")
    expect(summary).to_contain_text(re.compile(r"2\s*Open opportunities"))
    expect(summary).to_contain_text(re.compile(r"1\s*Overdue: open past expected close"))
    expect(summary).to_contain_text("Lost, last 90 days · 1 deal")

    # then: the deal past its expected close is flagged, the one not yet due is not
    stark_card = page.locator(f"#opp-{deals['stark'].pk}")
    expect(stark_card.locator(".badge")).to_have_text("Overdue by 5 days")
    expect(page.locator(f"#opp-{hooli.pk}")).not_to_contain_text("Overdue")

    # and the reasons offered are the active list, in RevOps' order
    reason = page.get_by_label("Why was Hooli rollout lost?")
    expect(reason.locator("option")).to_have_text(
        ["Reason, if lost", "Price", "Timing", "Chose a competitor"]
    )
    mark(page)

    # when: lost, without choosing a reason
    page.get_by_label("Stage of Hooli rollout").select_option("lost")
    page.locator(f"#opp-{hooli.pk}").get_by_role("button", name="Move").click()

    # then: refused on the card, on the reason's field, and still an open proposal
    card = page.locator(f"#opp-{hooli.pk}")
    expect(card.get_by_role("alert")).to_have_text("Say why the deal was lost: choose a reason.")
    expect(page.get_by_label("Why was Hooli rollout lost?")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(column(page, "proposal")).to_contain_text("Hooli rollout")
    assert Opportunity.objects.get(pk=hooli.pk).stage == Opportunity.Stage.PROPOSAL
    still_marked(page)

    # when: the reason from the list, with a detail
    page.get_by_label("Stage of Hooli rollout").select_option("lost")
    page.get_by_label("Why was Hooli rollout lost?").select_option(label="Price")
    page.get_by_label("Details, if Hooli rollout is lost (optional)").fill(
        "Went with the cheaper tier elsewhere"
    )
    card.get_by_role("button", name="Move").click()

    # then: the deal is in the lost column and in no open one
    expect(page.locator("#pipeline-board .flash")).to_have_text("“Hooli rollout” moved to Lost.")
    expect(column(page, "lost").locator(f"#opp-{hooli.pk}")).to_contain_text(
        "Price — Went with the cheaper tier elsewhere"
    )
    for stage in OPEN_COLUMNS:
        expect(column(page, stage)).to_be_visible()
        expect(column(page, stage)).not_to_contain_text("Hooli rollout")
    expect(summary).to_contain_text(re.compile(r"1\s*Open opportunities"))
    expect(summary).to_contain_text("Lost, last 90 days · 2 deals")

    # ... and the lost-reasons panel counts it under Price
    panel = page.locator("#lost-reasons")
    price_row = panel.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Price"))
    expect(price_row.get_by_role("cell")).to_have_text(["2", "35,000.00", "100%"])
    expect(panel.get_by_role("row", name=re.compile("^All reasons"))).to_contain_text("35,000.00")
    still_marked(page)
    page.screenshot(path="/tmp/rd-sales-pipeline-lost.png", full_page=True)
    lost = Opportunity.objects.get(pk=hooli.pk)
    assert (lost.stage, lost.lost_reason_id) == (Opportunity.Stage.LOST, deals["price"].pk)
    assert lost.lost_details == "Went with the cheaper tier elsewhere"
