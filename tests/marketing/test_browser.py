"""Mia reviews disqualifications in a real browser (Debian's Chromium through Playwright): each
review replaces its item in place, which `window.__marker` surviving each step proves."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.feedback.models import Disqualification
from apps.leads.models import Lead
from apps.users.models import Role
from tests import factories
from tests.browser import sign_in
from tests.fixtures.marketing import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp"


@pytest.fixture
def mia(transactional_db):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(username="mia", first_name="Mia", last_name="Marketer")
    user.groups.add(Group.objects.get_or_create(name=Role.MARKETING)[0])
    return user


def test_mia_acknowledges_one_item_and_disputes_another_in_place(
    page: Page, live_server, mia, world: World
) -> None:  # type: ignore[no-untyped-def]
    # given
    d1, d2 = world.disqualifications["d1"], world.disqualifications["d2"]
    Lead.objects.filter(pk=d2.lead_id).update(status=Lead.Status.DISQUALIFIED)
    page.set_viewport_size({"width": 1400, "height": 1000})
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")
    expect(page.locator("#lead-flow")).to_contain_text("Lead flow vs sales capacity")
    page.goto(f"{live_server.url}/marketing/feedback/?quarter=2026-Q4")
    expect(page.get_by_role("heading", name="What sales did with your leads")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/rd-mkt-feedback.png", full_page=True)
    page.wait_for_function("() => window.htmx !== undefined")  # htmx bound first
    page.evaluate("window.__marker = 1")

    # when: acknowledge d1 with an action note
    first = page.locator(f"#review-item-{d1.pk}")
    first.get_by_label("Action note").fill("Paused the student-heavy ad set")
    first.get_by_role("button", name="Acknowledge", exact=True).click()

    # then: the item shows the review in place, without a reload
    expect(page.locator(f"#review-item-{d1.pk}")).to_contain_text("Acknowledged by Mia Marketer")
    assert page.evaluate("window.__marker") == 1

    # when: dispute d2 without a note, then with one
    second = page.locator(f"#review-item-{d2.pk}")
    second.get_by_role("button", name="Dispute: back to nurture").click()
    expect(page.locator(f"#review-item-{d2.pk}")).to_contain_text("Say why you dispute it.")
    page.locator(f"#review-item-{d2.pk}").get_by_label("Action note").fill(
        "They asked for pricing twice."
    )
    page.locator(f"#review-item-{d2.pk}").get_by_role(
        "button", name="Dispute: back to nurture"
    ).click()

    # then
    expect(page.locator(f"#review-item-{d2.pk}")).to_contain_text("Disputed: back to nurture")
    expect(page.locator("#review-counts")).to_contain_text(re.compile(r"3\s*Awaiting review"))
    assert page.evaluate("window.__marker") == 1
    assert Disqualification.objects.get(pk=d1.pk).review_status == "acknowledged"
    assert Disqualification.objects.get(pk=d2.pk).dispute_outcome == "nurture"
    assert Lead.objects.get(pk=d2.lead_id).status == Lead.Status.NURTURE

    # when: d3 is acknowledged and recycled to nurture, to wake in two weeks
    d3 = world.disqualifications["d3"]
    Lead.objects.filter(pk=d3.lead_id).update(status=Lead.Status.DISQUALIFIED)
    third = page.locator(f"#review-item-{d3.pk}")
    wake = timezone.localdate() + timedelta(days=14)
    third.get_by_label("Re-engage on").fill(wake.isoformat())
    third.get_by_role("button", name="Acknowledge and recycle to nurture").click()

    # then: in place, counted as recycled and not as a dispute
    expect(page.locator(f"#review-item-{d3.pk}")).to_contain_text(
        f"Acknowledged and recycled to nurture, wakes {wake.day} {wake:%b %Y}"
    )
    expect(page.locator("#review-counts")).to_contain_text(re.compile(r"1\s*Recycled to nurture"))
    expect(page.locator("#review-counts")).to_contain_text(re.compile(r"1\s*Disputed"))
    assert page.evaluate("window.__marker") == 1
    assert Lead.objects.get(pk=d3.lead_id).status == Lead.Status.NURTURE
    assert Disqualification.objects.get(pk=d3.pk).reengage_on == wake
    page.screenshot(path=f"{SCREENSHOTS}/rd-mkt-feedback-reviewed.png", full_page=True)

    # and the performance page renders its charts
    page.goto(f"{live_server.url}/marketing/performance/?quarter=2026-Q4")
    expect(page.locator("#funnel-chart")).to_be_visible()
    expect(page.locator("#attribution-chart")).to_be_visible()
    page.get_by_role("link", name="Linear").click()
    expect(page.locator("#attribution")).to_contain_text("4,666.67")
    page.screenshot(path=f"{SCREENSHOTS}/rd-mkt-performance.png", full_page=True)
