"""The rep's day in a real browser (Debian's Chromium through Playwright).

What a rep relies on:
- an open queue stays live: a lead routed to them shows up within seconds as a toast, in the
  navigation badges and in the counts, without losing the page of the queue they are reading;
- the newest urgent lead is on top of the queue when they go back to it;
- logging a call ticks the play's due call step, in one action;
- an email step arrives filled in from the lead, is sent from the app, and is logged;
- a disqualification reason's spread rules cannot be gamed with quick repeated attempts.

`window.__marker` surviving each step proves the page was never reloaded.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.feedback.models import Disqualification
from apps.leads.models import Activity, Lead
from apps.notifications.models import Notification
from apps.plays.models import LeadPlayStep
from apps.routing import services as routing
from apps.sales.selectors import PAGE_SIZE
from apps.users.models import User
from tests import factories
from tests.browser import mark, sign_in, still_marked
from tests.fixtures.leads import make_hand_raiser
from tests.sales.conftest import fill_attempt_form, owned_lead, with_play

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp"
# live.js polls every 3 s: a routing must show within 5 s; a little slack for the round trips
LIVE_MS = 6000
QUEUE_SIZE = 55  # more than two pages of PAGE_SIZE


def _row_ids(page: Page) -> list[str]:
    return page.locator("#queue-list tbody tr").evaluate_all("rows => rows.map(row => row.id)")


@pytest.fixture
def full_queue(rep: User, policy) -> list[Lead]:  # type: ignore[no-untyped-def]
    """Sam holds 55 leads with running clocks, all due after a fresh routing's clock (the policy
    gives 5 minutes), in a known order; two are untouched hand-raisers (on his Today list) and
    two old notices are unread. A routing rule sends every new lead to him alone."""
    rep.capacity = 100  # routing skips a rep at capacity (default 25)
    rep.save(update_fields=["capacity"])
    rule = factories.RoutingRuleFactory(name="Everyone", order=1)
    factories.PoolMemberFactory(rule=rule, rep=rep)
    now = timezone.now()
    leads = [
        owned_lead(
            rep,
            first_name="Queued",
            last_name=f"Lead{n:02d}",
            score=50,
            sla_due_at=now + timedelta(minutes=30 + n),
            ready_reason=Lead.ReadyReason.HAND_RAISER if n < 2 else "",
        )
        for n in range(QUEUE_SIZE)
    ]
    for title in ("Weekly digest", "Capacity check"):
        factories.NotificationFactory(recipient=rep, kind=Notification.Kind.CAPACITY, title=title)
    # older than any open page's news window: counted as unread, never announced as a toast
    Notification.objects.update(created_at=now - timedelta(hours=2))
    return leads


def test_a_routed_lead_shows_up_live_without_losing_the_queue_page(
    page: Page, live_server, full_queue: list[Lead], rep: User
) -> None:  # type: ignore[no-untyped-def]
    # given: sam reads the second page of his queue
    sign_in(page, live_server.url, "sam", "My queue")
    open_leads = page.locator("#queue-counts .stat").filter(has_text="Open leads")
    expect(open_leads.locator(".stat__value")).to_have_text(str(QUEUE_SIZE))
    expect(page.locator("#today-count [data-count]")).to_have_text("2")
    expect(page.locator("#unread-count [data-count]")).to_have_text("2")
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-queue.png", full_page=True)
    mark(page)
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"[?&]after="))
    second_page = [f"lead-{lead.pk}" for lead in full_queue[PAGE_SIZE : 2 * PAGE_SIZE]]
    expect(page.locator("#queue-list tbody tr").first).to_contain_text("Queued Lead25")
    assert _row_ids(page) == second_page
    url_on_page_two = page.url
    # a re-fetched list replaces this element: the flag going away proves the list refreshed
    page.evaluate("document.getElementById('queue-list').dataset.stale = '1'")
    expect(page.locator("#toasts .toast")).to_have_count(0)

    # when: a hand-raiser is routed to him while the page is open
    nia = make_hand_raiser()
    routing.route_lead(lead_id=nia.pk)
    nia.refresh_from_db()
    assert nia.owner_id == rep.pk, "routing should give Nia to sam"

    # then: within a poll or two, a toast links to her, and the badges and counts move
    toast = page.locator("#toasts .toast").filter(has_text="New lead: Nia Fresh")
    expect(toast).to_be_visible(timeout=LIVE_MS)
    expect(toast.locator(".toast__title")).to_have_attribute("href", f"/sales/leads/{nia.pk}/")
    expect(page.locator("#toasts .toast")).to_have_count(1)  # old notices are not announced
    expect(page.locator("#today-count")).to_be_visible()
    expect(page.locator("#today-count [data-count]")).to_have_text("3", timeout=LIVE_MS)
    expect(page.locator("#unread-count [data-count]")).to_have_text("3", timeout=LIVE_MS)
    expect(open_leads.locator(".stat__value")).to_have_text(str(QUEUE_SIZE + 1), timeout=LIVE_MS)
    expect(page.locator("#queue-list[data-stale]")).to_have_count(0, timeout=LIVE_MS)
    # and he is still on page two, reading the same rows
    assert page.url == url_on_page_two
    assert _row_ids(page) == second_page
    expect(page.locator("#queue-list")).not_to_contain_text("Nia Fresh")
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-queue-page2-toast.png", full_page=True)

    # when: back to the top of the queue
    page.get_by_role("link", name="Back to the most urgent").click()

    # then: her clock is due soonest, so she leads the queue
    rows = page.locator("#queue-list tbody tr")
    expect(rows.first).to_contain_text("Nia Fresh")
    expect(rows.nth(1)).to_contain_text("Queued Lead00")
    expect(rows).to_have_count(PAGE_SIZE)
    assert "after=" not in page.url
    still_marked(page)

    # and on a phone the queue rows are cards, not a squeezed table
    page.set_viewport_size({"width": 390, "height": 844})
    expect(rows.first).to_be_visible()
    assert rows.first.evaluate("row => getComputedStyle(row).display") == "block"
    # the whole page is 25 cards long: the top (counts, filters, first cards) and the pager
    top = {"x": 0, "y": 0, "width": 390, "height": 1800}
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-queue-390.png", full_page=True, clip=top)
    page.locator("#queue-list .pager").scroll_into_view_if_needed()
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-queue-390-pager.png")


def test_logging_a_call_ticks_the_due_call_step(page: Page, live_server, rep: User) -> None:  # type: ignore[no-untyped-def]
    # given: a lead whose play has a call due now and another call due in three days
    lead = owned_lead(rep, first_name="Cora", last_name="Caller")
    due_now, later = with_play(lead, "Call within five minutes", "Call again on day three")
    LeadPlayStep.objects.filter(pk=later.pk).update(due_at=timezone.now() + timedelta(days=3))
    sign_in(page, live_server.url, "sam", "My queue")
    page.goto(f"{live_server.url}/sales/leads/{lead.pk}/")
    expect(page.locator(f"#step-{due_now.pk}")).not_to_have_class(re.compile(r"\bstep--done\b"))
    mark(page)

    # when
    fill_attempt_form(
        page, channel="call", outcome="voicemail", note="Left a voicemail about the demo."
    )

    # then: one action logs the call and ticks the due step, not the later one
    expect(
        page.get_by_role("status").filter(
            has_text="Attempt logged; “Call within five minutes” is done."
        )
    ).to_be_visible()
    expect(page.locator(f"#step-{due_now.pk}")).to_have_class(re.compile(r"\bstep--done\b"))
    expect(page.locator(f"#step-{later.pk}")).not_to_have_class(re.compile(r"\bstep--done\b"))
    expect(page.get_by_role("button", name="Mark “Call again on day three” done")).to_be_visible()
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-lead-call.png", full_page=True)
    due_now.refresh_from_db()
    later.refresh_from_db()
    assert due_now.completed_by_id == rep.pk
    assert later.completed_at is None


def test_rep_sends_a_templated_email_from_the_step(page: Page, live_server, rep: User) -> None:  # type: ignore[no-untyped-def]
    # given: an email step whose template uses the lead's name, company, asset and the rep's
    # name, and {title}, which this lead lacks
    lead = owned_lead(
        rep,
        first_name="Elsa",
        last_name="Mailer",
        email="elsa@umbrella.example",
        title="",
        account=factories.AccountFactory(name="Umbrella Logistics", domain="umbrella.example"),
    )
    guide = factories.AssetFactory(name="Pricing guide")
    factories.TouchpointFactory(lead=lead, kind="download", asset=guide)
    (step,) = with_play(lead, "Send the pricing one-pager")
    LeadPlayStep.objects.filter(pk=step.pk).update(
        channel="email",
        template=(
            "Subject: The {asset} for {company}\n"
            "Hi {first_name},\n\n"
            "Thanks for reading the {asset}. As {title} at {company}, what matters most?\n\n"
            "{rep_name}"
        ),
    )
    sign_in(page, live_server.url, "sam", "My queue")
    page.goto(f"{live_server.url}/sales/leads/{lead.pk}/")
    mark(page)
    item = page.locator(f"#step-{step.pk}")

    # then: the email is filled in from the lead, with a word where a value is missing
    subject = "The Pricing guide for Umbrella Logistics"
    expect(item.locator(f"#step-{step.pk}-subject")).to_have_text(subject)
    text = item.locator(f"#step-{step.pk}-text")
    expect(text).to_contain_text("Hi Elsa,")
    expect(text).to_contain_text(
        "Thanks for reading the Pricing guide. As your role at Umbrella Logistics"
    )
    expect(text).to_contain_text("Sam Rep")
    expect(text).not_to_contain_text("{")
    expect(item.get_by_role("button", name="Copy")).to_be_visible()
    mailto = item.get_by_role("link", name="Open in mail app")
    expect(mailto).to_have_attribute("href", re.compile(r"^mailto:elsa%40umbrella\.example\?"))

    # when: he sends it from Revenue Desk as it stands
    item.get_by_text("Send from Revenue Desk").click()
    expect(item.get_by_label("Subject", exact=True)).to_have_value(subject)
    body = item.get_by_label("Message to elsa@umbrella.example")
    expect(body).to_have_value(re.compile(r"^Hi Elsa,"))
    item.get_by_role("button", name="Send email").click()

    # then: sent once, to the lead, logged as an email attempt that ticks the step
    expect(
        page.get_by_role("status").filter(
            has_text="Email sent to elsa@umbrella.example and logged."
        )
    ).to_be_visible()
    expect(page.locator(f"#step-{step.pk}")).to_have_class(re.compile(r"\bstep--done\b"))
    attempt = page.locator("#activity-list .timeline__item").first
    expect(attempt).to_contain_text("Email")
    expect(attempt).to_contain_text("Sent (no reply yet)")
    expect(attempt).to_contain_text(f"Subject: {subject}")
    expect(attempt).to_contain_text("Hi Elsa,")
    expect(page.locator(".events")).to_contain_text("Attempt logged: Email · Sent (no reply yet)")
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-lead-email.png", full_page=True)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["elsa@umbrella.example"]
    assert sent.subject == subject
    assert sent.body.startswith("Hi Elsa,")
    assert "{" not in sent.body
    assert sent.body.rstrip().endswith("Sam Rep")
    activity = Activity.objects.get(lead=lead)
    assert (activity.channel, activity.outcome) == ("email", Activity.Outcome.SENT)


def test_quick_repeated_attempts_do_not_earn_a_spread_out_reason(
    page: Page, live_server, rep: User, unreachable
) -> None:  # type: ignore[no-untyped-def]
    # given: a reason that needs six attempts over two days on two channels
    lead = owned_lead(rep, first_name="Una", last_name="Reachable")
    sign_in(page, live_server.url, "sam", "My queue")
    page.goto(f"{live_server.url}/sales/leads/{lead.pk}/")
    mark(page)
    attempts = page.locator(".fact").filter(has_text="Attempts").locator(".fact__value")

    # when: six unanswered calls in a row, then disqualify with that reason
    form = page.locator("#attempt-form")
    for n in range(1, 7):
        form.get_by_label("Outcome", exact=True).select_option("no_answer")
        form.get_by_role("button", name="Log attempt").click()
        expect(attempts).to_have_text(str(n))
    page.get_by_text("Disqualify", exact=True).first.click()
    disqualify = page.locator("#disqualify-form")
    disqualify.get_by_label("Reason", exact=True).select_option(
        label="Unreachable after 6 attempts (after 6 attempts, on 2 different days, on 2 channels)"
    )
    disqualify.get_by_label("Note for marketing").fill("Six calls, nobody picked up.")
    disqualify.get_by_role("button", name="Disqualify").click()

    # then: refused in place, naming the rule that is not met
    refusal = disqualify.get_by_text(
        "“Unreachable after 6 attempts” needs attempts on at least 2 different days; they fall on 1."
    )
    expect(refusal).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("Working")
    still_marked(page)
    page.screenshot(path=f"{SCREENSHOTS}/rd-day-refusal.png", full_page=True)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.WORKING
    assert lead.attempt_count == 6
    assert not Disqualification.objects.filter(lead=lead).exists()


def _axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2 A and AA violations on the page as it is now (with what is open)."""
    page.evaluate(Axe().axe_script)
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [f"{v['id']}: {v['help']}" for v in results["violations"]]


def test_the_queue_is_worked_from_the_keyboard(
    page: Page, live_server, full_queue: list[Lead]
) -> None:  # type: ignore[no-untyped-def]
    # given sam on his queue
    sign_in(page, live_server.url, "sam", "My queue")
    mark(page)
    rows = page.locator("#queue-list tbody tr")

    # when he presses j twice and k once
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")

    # then the first lead is selected, its link focused
    expect(rows.first).to_have_class(re.compile(r"\bis-selected\b"))
    expect(rows.first.get_by_role("link", name="Queued Lead00")).to_be_focused()

    # when he asks for help, the shortcuts are listed, accessibly, and Escape closes them
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    assert _axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # when he presses a on the selected lead, its page opens on the attempt form
    page.keyboard.press("a")
    expect(page.get_by_role("heading", name="Queued Lead00")).to_be_visible()
    expect(page.locator("#attempt-form").get_by_label("Channel", exact=True)).to_be_focused()

    # and g then t takes him to Today
    page.locator("body").click(
        position={"x": 5, "y": 5}
    )  # out of the form: shortcuts are off in fields
    page.keyboard.press("g")
    page.keyboard.press("t")
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    # j and Enter open the first lead of the day
    page.wait_for_load_state("load")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sales/leads/\d+/$"))


def test_a_toast_is_accessible_and_can_be_dismissed(
    page: Page, live_server, full_queue: list[Lead], rep: User
) -> None:  # type: ignore[no-untyped-def]
    # given sam on his queue, and a hand-raiser routed to him
    sign_in(page, live_server.url, "sam", "My queue")
    mark(page)
    nia = make_hand_raiser()
    routing.route_lead(lead_id=nia.pk)
    toast = page.locator("#toasts .toast")
    expect(toast).to_be_visible(timeout=LIVE_MS)

    # then the page with its toast passes axe, and the toast goes when dismissed
    assert _axe_violations(page) == []
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)
    still_marked(page)
