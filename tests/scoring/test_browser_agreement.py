"""Max signs a draft of the qualification agreement for sales, then Mia for marketing, in a real
browser (Debian's Chromium through Playwright): after one signature the draft waits and the old
version stays in force; after both it is in force, the history lists what it changed field by
field, and each signer is told in the app that the other side signed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.scoring.models import QualificationAgreement
from tests import factories
from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGREEMENT = "/agreement/"
NOTIFICATIONS = "/notifications/"
# What version 2 changes from version 1 (the factory's defaults), in the page's order
CHANGES = [
    "Score threshold: 60 → 70",
    "Hand-raisers ready at once: Yes → No",
    "Hold when the pool is full: No → Yes",
    "Hold ceiling per pool: 50 → 20",
]


@pytest.fixture
def versions(marketer, manager):  # type: ignore[no-untyped-def]
    """Version 1 in force for a year; version 2, a draft neither side has signed, dated an hour
    ago (so the second signature brings it into force at once)."""
    long_ago = timezone.now() - timedelta(days=365)
    factories.AgreementFactory(
        version=1,
        marketing_signer=marketer,
        marketing_signed_at=long_ago,
        sales_signer=manager,
        sales_signed_at=long_ago,
    )
    return factories.AgreementFactory(
        version=2,
        score_threshold=70,
        hand_raiser_ready=False,
        hold_when_full=True,
        hold_ceiling=20,
        effective_from=timezone.now() - timedelta(hours=1),
    )


def _unread_notice(page: Page, base_url: str, title: str) -> None:
    """The navigation counts one unread notice, and the inbox shows it with `title`."""
    expect(page.locator("#unread-count [data-count]")).to_have_text("1")
    page.goto(f"{base_url}{NOTIFICATIONS}")
    notice = page.locator(".notice--unread")
    expect(notice).to_have_count(1)
    expect(notice.locator("strong")).to_have_text(title)
    expect(notice).to_contain_text("Qualification agreement signed")


def test_max_signs_for_sales_then_mia_for_marketing_and_it_comes_into_force(
    page: Page, live_server, versions
) -> None:  # type: ignore[no-untyped-def]
    # given
    page.set_viewport_size({"width": 1300, "height": 1100})
    sign_in(page, live_server.url, "max", "My queue")
    page.goto(f"{live_server.url}{AGREEMENT}")
    draft = page.locator("#draft-2")
    expect(draft).to_contain_text("Awaiting marketing and sales")
    expect(draft.get_by_role("button", name="Sign version 2 for marketing")).to_have_count(0)

    # when: max signs for sales
    draft.get_by_role("button", name="Sign version 2 for sales").click()

    # then: it waits for marketing and is not in force; version 1 still is
    expect(page.locator(".messages")).to_contain_text(
        "You signed version 2 for sales: it waits for the other side."
    )
    expect(draft).to_contain_text("Sales has signed; awaiting marketing")
    expect(draft).to_contain_text("Signed by Max Manager")
    expect(draft.get_by_role("button")).to_have_count(0)
    in_force = page.locator("#in-force")
    expect(in_force.get_by_role("heading", level=2)).to_have_text("Version 1 In force")
    expect(page.locator("#version-2")).to_have_count(0)
    assert QualificationAgreement.objects.in_force().version == 1  # type: ignore[union-attr]

    # when: mia, told that sales signed, signs for marketing
    page.context.clear_cookies()
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")
    _unread_notice(page, live_server.url, "Sales signed qualification agreement v2: marketing next")
    page.goto(f"{live_server.url}{AGREEMENT}")
    page.locator("#draft-2").get_by_role("button", name="Sign version 2 for marketing").click()

    # then: version 2 is in force with its rules, no draft waits, and v1 is superseded
    expect(page.locator(".messages")).to_contain_text(
        "You signed version 2 for marketing: both sides have signed it."
    )
    expect(in_force.get_by_role("heading", level=2)).to_have_text("Version 2 In force")
    threshold = in_force.locator(".fact").filter(has_text="Score threshold")
    expect(threshold.locator("dd")).to_have_text("70")
    expect(in_force).to_contain_text("Signed by Mia Marketer")
    expect(in_force).to_contain_text("Signed by Max Manager")
    expect(page.get_by_text("No draft is waiting for a signature.")).to_be_visible()
    expect(page.locator("#version-1")).to_contain_text("Superseded")

    # ... and the history lists version 2 with exactly the rules it changed
    row = page.locator("#version-2")
    expect(row).to_contain_text("In force")
    expect(
        row.get_by_role("list", name="Changes from version 1").get_by_role("listitem")
    ).to_have_text(CHANGES)
    page.screenshot(path="/tmp/rd-agreement-in-force.png", full_page=True)
    assert QualificationAgreement.objects.in_force().version == 2  # type: ignore[union-attr]

    # when: max comes back
    page.context.clear_cookies()
    sign_in(page, live_server.url, "max", "My queue")

    # then: he is told that marketing signed and it is in force
    _unread_notice(page, live_server.url, "Qualification agreement v2 is signed by both sides")
    expect(page.locator(".notice--unread")).to_contain_text(
        "Mia Marketer signed for marketing. It is in force now."
    )
