"""Mia recycles a disqualified lead to nurture with a re-engage day, in a real browser (Debian's
Chromium through Playwright): the item leaves the open queue, the lead is nurture again, nothing
counts as a dispute, and on the re-engage day she is told in the app."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.feedback import services
from apps.feedback.models import Disqualification
from apps.leads.models import Lead
from apps.notifications.models import Notification
from apps.users.models import User
from tests import factories
from tests.browser import mark, sign_in, still_marked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _disqualified_by(rep: User, first_name: str, last_name: str, note: str) -> Disqualification:
    """An open review item: `rep` took the lead out of their queue as not ready to buy yet."""
    lead = factories.LeadFactory(
        first_name=first_name,
        last_name=last_name,
        status=Lead.Status.DISQUALIFIED,
        owner=rep,
        assigned_at=timezone.now() - timedelta(days=3),
        disqualified_at=timezone.now(),
    )
    reason = factories.DisqualificationReasonFactory(code="not-now", label="Not buying this year")
    return factories.DisqualificationFactory(
        lead=lead, rep=rep, reason=reason, note=note, attempts_at_time=2
    )


def test_mia_recycles_a_lead_to_nurture_and_is_told_on_its_re_engage_day(
    page: Page, live_server, marketer, manager, rep
) -> None:  # type: ignore[no-untyped-def]
    # given: two open items; Rhea's budget comes back next quarter
    rhea = _disqualified_by(rep, "Rhea", "Recycle", "Budget frozen until the spring.")
    other = _disqualified_by(rep, "Otto", "Open", "Wrong department.")
    wake = timezone.localdate() + timedelta(days=45)
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")
    page.get_by_role("navigation", name="Marketing").get_by_role("link", name="Feedback").click()
    expect(page.locator("#queue-title")).to_contain_text("2 open")
    mark(page)

    # when: she recycles Rhea's lead, to wake on `wake`
    item = page.locator(f"#review-item-{rhea.pk}")
    item.get_by_label("Re-engage on").fill(wake.isoformat())
    item.get_by_role("button", name="Acknowledge and recycle to nurture").click()

    # then: the item shows the decision in place and no longer offers a review
    done = page.locator(f"#review-item-{rhea.pk}")
    expect(done.get_by_role("status")).to_contain_text(
        f"Acknowledged and recycled to nurture, wakes {wake.day} {wake:%b %Y}"
    )
    expect(done.get_by_role("status")).to_contain_text("by Mia Marketer")
    expect(done.get_by_role("button")).to_have_count(0)
    counts = page.locator("#review-counts")
    expect(counts).to_contain_text(re.compile(r"1\s*Awaiting review"))
    expect(counts).to_contain_text(re.compile(r"1\s*Recycled to nurture"))
    expect(counts).to_contain_text(re.compile(r"0\s*Disputed"))
    expect(counts).to_contain_text(re.compile(r"0\s*Acknowledged"))
    still_marked(page)

    # ... and once the page is read again, only Otto's item is left in the open queue
    page.reload()
    expect(page.locator("#queue-title")).to_contain_text("1 open")
    expect(page.locator(f"#review-item-{rhea.pk}")).to_have_count(0)
    expect(page.locator(f"#review-item-{other.pk}")).to_be_visible()

    # ... the lead is nurture again, in no rep's hands
    page.goto(f"{live_server.url}/sales/leads/{rhea.lead_id}/")
    expect(page.get_by_role("heading", name="Rhea Recycle")).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("Nurture")
    expect(page.locator(".fact").filter(has_text="Owner")).to_contain_text("None")
    lead = Lead.objects.get(pk=rhea.lead_id)
    assert (lead.status, lead.owner_id) == (Lead.Status.NURTURE, None)

    # ... recycled with its day, which is not a dispute: no outcome, no manager told
    rhea.refresh_from_db()
    assert rhea.review_status == Disqualification.Review.RECYCLED
    assert rhea.review_status != Disqualification.Review.DISPUTED
    assert (rhea.reengage_on, rhea.dispute_outcome, rhea.reviewer) == (wake, "", marketer)
    assert not Notification.objects.filter(recipient=manager).exists()
    assert not Notification.objects.filter(recipient=marketer).exists()

    # when: the re-engage day comes (the daily job), twice
    assert services.wake_recycled_leads(today=wake - timedelta(days=1)) == 0
    assert services.wake_recycled_leads(today=wake) == 1
    assert services.wake_recycled_leads(today=wake) == 0

    # then: Mia sees one unread notice in the navigation, and what it says
    page.reload()
    unread = page.locator("#unread-count")
    expect(unread).to_be_visible()
    expect(unread).to_contain_text("1")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Notif")
    ).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    notice = page.locator(".notice").filter(has_text="Time to re-engage Rhea Recycle")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Recycled lead to re-engage")
    expect(notice).to_contain_text(f"its re-engage day is {wake:%d %b %Y}. It is nurture now.")
    expect(notice.get_by_role("link", name="Open Rhea Recycle")).to_be_visible()
    page.screenshot(path="/tmp/rd-mkt-recycle-wake.png", full_page=True)
