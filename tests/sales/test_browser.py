"""A rep works leads in a real browser (Debian's Chromium through Playwright): every action
updates the page in place, which `window.__marker` surviving each step proves."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.feedback.models import Disqualification
from apps.leads.models import Lead
from apps.opportunities.models import Opportunity
from tests import factories
from tests.browser import mark, sign_in, still_marked
from tests.sales.conftest import fill_attempt_form, owned_lead, pool_lead, with_play

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp"


@pytest.fixture
def demo_data(rep, other_rep, policy):  # type: ignore[no-untyped-def]
    """Sam's routed leads with a journey and a play, a pool lead, a reason needing 2 attempts."""
    now = timezone.now()
    account = factories.AccountFactory(
        name="Globex Corporation", domain="globex.example", tier="target", industry="Logistics"
    )
    webinar = factories.CampaignFactory(name="Q4 Ops Webinar")
    guide = factories.AssetFactory(
        name="Pricing guide",
        campaign=webinar,
        intent_note="Comparing vendors on price: the budget is already set.",
        engagement_weight=15,
    )
    demo = factories.AssetFactory(
        name="Book a demo",
        campaign=webinar,
        hand_raiser=True,
        intent_note="Asked for a demo: wants to see routing live this quarter.",
        engagement_weight=30,
    )
    gina = owned_lead(
        rep,
        first_name="Gina",
        last_name="Globex",
        email="gina@globex.example",
        title="VP Operations",
        buying_role="decision_maker",
        account=account,
        campaign=webinar,
        score=72,
        fit_score=40,
        engagement_score=32,
        sla_due_at=now + timedelta(minutes=4),
    )
    factories.TouchpointFactory(lead=gina, kind="download", asset=guide, campaign=webinar)
    factories.TouchpointFactory(lead=gina, kind="form_submit", asset=demo, campaign=webinar)
    with_play(gina, "Call within five minutes", "Send the pricing one-pager")
    factories.LeadFactory(
        first_name="Carl",
        last_name="Champion",
        email="carl@globex.example",
        title="Ops Manager",
        buying_role="champion",
        account=account,
    )
    ned = owned_lead(
        rep,
        first_name="Ned",
        last_name="Noreply",
        email="ned@initech.example",
        account=factories.AccountFactory(name="Initech", domain="initech.example"),
        score=35,
        sla_state=Lead.SlaState.BREACHED,
        sla_due_at=now - timedelta(minutes=20),
        sla_breached_at=now - timedelta(minutes=20),
    )
    owned_lead(
        rep,
        first_name="Wanda",
        last_name="Working",
        status=Lead.Status.WORKING,
        sla_state=Lead.SlaState.MET,
        first_response_at=now,
        score=18,
        sla_due_at=now + timedelta(hours=1),
    )
    pool_lead(first_name="Polly", last_name="Pool", score=64, campaign=webinar)
    reason = factories.DisqualificationReasonFactory(
        code="no-response", label="No response", min_attempts=2
    )
    factories.DisqualificationReasonFactory(code="bad-fit", label="Bad fit", note_required=True)
    return {"gina": gina, "ned": ned, "reason": reason}


def test_rep_works_a_lead_end_to_end_without_a_reload(page: Page, live_server, demo_data) -> None:  # type: ignore[no-untyped-def]
    # given
    gina: Lead = demo_data["gina"]
    sign_in(page, live_server.url, "sam", "My queue")
    expect(page.locator("[data-due]").first).to_have_text(re.compile(r"\d+:\d\d left"))
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-queue.png", full_page=True)

    # when: open the routed lead
    page.get_by_role("link", name="Gina Globex").click()
    expect(page.get_by_role("heading", name="Gina Globex")).to_be_visible()
    expect(page.get_by_text("Why they raised a hand")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-lead.png", full_page=True)
    mark(page)

    # log an attempt
    fill_attempt_form(
        page, channel="call", outcome="connected", note="Spoke with Gina: evaluating two vendors."
    )

    # then the call ticks the play's due call step: one action, not two
    expect(
        page.get_by_role("status").filter(
            has_text="Attempt logged; “Call within five minutes” is done."
        )
    ).to_be_visible()
    expect(page.get_by_text("Spoke with Gina: evaluating two vendors.")).to_be_visible()
    expect(page.locator(".badges").get_by_text("Working")).to_be_visible()
    expect(page.locator("#counts-strip")).to_contain_text("0 clock running")
    still_marked(page)

    # when: complete the next play step, saying how it went (it is an attempt too)
    page.get_by_label("Outcome of “Send the pricing one-pager”").select_option("connected")
    page.get_by_role("button", name="Mark “Send the pricing one-pager” done").click()

    # then
    expect(
        page.get_by_role("status").filter(
            has_text="Attempt logged; “Send the pricing one-pager” is done."
        )
    ).to_be_visible()
    still_marked(page)

    # when: convert
    page.get_by_text("Convert to opportunity", exact=True).first.click()
    page.get_by_label("Opportunity name").fill("Globex routing rollout")
    page.get_by_label("Amount").fill("48,000")
    page.get_by_label("Expected close").fill("2026-12-18")
    page.get_by_role("button", name="Convert to opportunity").click()

    # then
    expect(
        page.get_by_text("Converted: opportunity “Globex routing rollout” opened.")
    ).to_be_visible()
    expect(page.locator(".badges").get_by_text("Converted")).to_be_visible()
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-lead-converted.png", full_page=True)
    opportunity = Opportunity.objects.get(primary_lead=gina)
    assert opportunity.amount == Decimal("48000")


def test_rep_is_refused_a_disqualification_then_succeeds_after_attempts(
    page: Page, live_server, demo_data
) -> None:  # type: ignore[no-untyped-def]
    # given
    ned: Lead = demo_data["ned"]
    sign_in(page, live_server.url, "sam", "My queue")
    page.goto(f"{live_server.url}/sales/leads/{ned.pk}/")
    mark(page)

    # when: disqualify with a reason that needs two attempts
    page.get_by_text("Disqualify", exact=True).first.click()
    page.get_by_label("Reason", exact=True).select_option(label="No response (after 2 attempts)")
    page.get_by_role("button", name="Disqualify").click()

    # then: the refusal is shown in place, next to the reason
    refusal = page.locator("#disqualify-form").get_by_text(
        "“No response” needs at least 2 contact attempts; 0 logged so far."
    )
    expect(refusal).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-refusal.png", full_page=True)
    still_marked(page)

    # when: log two attempts, then disqualify again
    for outcome in ("no_answer", "voicemail"):
        page.get_by_label("Outcome", exact=True).select_option(outcome)
        page.get_by_role("button", name="Log attempt").click()
        expect(page.get_by_role("status").filter(has_text="Attempt logged.")).to_be_visible()
    expect(page.locator(".fact").filter(has_text="Attempts")).to_contain_text("2")
    page.get_by_text("Disqualify", exact=True).first.click()
    page.get_by_label("Reason", exact=True).select_option(label="No response (after 2 attempts)")
    page.get_by_label("Note for marketing").fill("Two calls, no answer.")
    page.get_by_role("button", name="Disqualify").click()

    # then
    expect(page.get_by_text("Disqualified. Marketing will review the reason.")).to_be_visible()
    still_marked(page)
    assert Disqualification.objects.get(lead=ned).attempts_at_time == 2


@pytest.mark.parametrize("width", [1024, 1280, 1600])
def test_a_steps_outcome_fields_and_mark_done_button_fit_inside_the_step(  # type: ignore[no-untyped-def]
    page: Page, live_server, demo_data, width: int
) -> None:
    # given: the lead page beside its account column, at a laptop's and a desktop's width
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, "sam", "My queue")
    page.get_by_role("link", name="Gina Globex").click()
    expect(page.get_by_role("heading", name="Gina Globex")).to_be_visible()

    # then: every control of "Mark done" lies inside its step, none is cut off, and the
    # outcome select is wide enough to read its placeholder
    outside = page.evaluate(
        """() => [...document.querySelectorAll('form.step__done')].flatMap(form => {
            const box = form.closest('.step').getBoundingClientRect();
            return [...form.querySelectorAll('select, input:not([type=hidden]), button')]
                .map(el => [el.name || el.textContent.trim(), el.getBoundingClientRect()])
                .filter(([, r]) => r.left < box.left || r.right > box.right + 0.5 || r.width < 40)
                .map(([name]) => name);
        })"""
    )
    assert outside == []
    select = page.get_by_label("Outcome of “Call within five minutes”")
    assert select.evaluate("el => el.scrollWidth <= el.clientWidth")
    button = page.get_by_role("button", name="Mark “Call within five minutes” done")
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport(ratio=1)
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-lead-steps-{width}.png", full_page=True)


def test_rep_filters_the_queue_in_place(page: Page, live_server, demo_data) -> None:  # type: ignore[no-untyped-def]
    # given
    sign_in(page, live_server.url, "sam", "My queue")
    mark(page)

    # when
    page.get_by_label("Search by name, email or company").fill("globex")

    # then
    rows = page.locator("#queue-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Gina Globex")
    assert "q=globex" in page.url
    still_marked(page)


def test_manager_toggles_availability_and_wins_a_deal_in_place(
    page: Page, live_server, demo_data, manager, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    factories.OpportunityFactory(
        owner=other_rep, name="Initech expansion", amount=Decimal("18000"), stage="proposal"
    )
    factories.OpportunityFactory(owner=other_rep, name="Umbrella pilot", amount=Decimal("6500"))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("max")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/sales/team/")
    mark(page)

    # when
    page.locator(f"#rep-{other_rep.pk}").get_by_role("button", name="Mark out of office").click()

    # then
    expect(page.get_by_text("Sara Rep is out of office.")).to_be_visible()
    expect(page.locator(f"#rep-{other_rep.pk}")).to_contain_text("Out of office")
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-team.png", full_page=True)

    # when: the pipeline, a deal won in place
    page.get_by_role("link", name="Pipeline").first.click()
    mark(page)
    card = page.locator("article.opp").filter(has_text="Initech expansion")
    card.get_by_label("Stage of Initech expansion").select_option("won")
    card.get_by_role("button", name="Move").click()

    # then
    expect(page.get_by_text("“Initech expansion” won")).to_be_visible()
    expect(page.locator("#stage-won").locator("..")).to_contain_text("18,000")
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-sales-pipeline.png", full_page=True)
