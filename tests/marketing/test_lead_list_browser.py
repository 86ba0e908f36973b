"""Mia narrows the lead list, saves the view and exports it for Excel in a real browser
(Debian's Chromium through Playwright): the download holds exactly the filtered rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from apps.leads.models import Lead
from apps.users.models import Role, SavedView
from tests import factories
from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mia(transactional_db):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(username="mia", first_name="Mia", last_name="Marketer")
    user.groups.add(Group.objects.get_or_create(name=Role.MARKETING)[0])
    return user


def test_mia_filters_saves_the_view_and_exports_it_for_excel(page: Page, live_server, mia) -> None:  # type: ignore[no-untyped-def]
    # given: two hot leads (one with accents) and a cold one
    factories.LeadFactory(first_name="Zoë", last_name="Čapek", score=85)
    factories.LeadFactory(first_name="Hal", last_name="Hot", score=70)
    factories.LeadFactory(first_name="Cole", last_name="Cold", score=5)
    page.set_viewport_size({"width": 1400, "height": 1000})
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")

    # when: the list, narrowed to hot leads
    page.goto(f"{live_server.url}/marketing/leads/")
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    expect(page.locator(".list-head__count")).to_have_text("3 leads match")
    page.get_by_label("Score").select_option("hot")
    expect(page.get_by_role("link", name="Cole Cold")).to_have_count(0)
    expect(page.get_by_role("link", name="Zoë Čapek")).to_be_visible()
    expect(page.locator(".list-head__count")).to_have_text("2 leads match the filters")

    # ... saved as a view
    page.get_by_label("Save these filters as").fill("Hot leads")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("Saved the view “Hot leads”.")).to_be_visible()
    expect(page.get_by_role("link", name="Hot leads")).to_have_attribute("aria-current", "true")

    # ... and exported for Excel
    with page.expect_download() as download:
        page.get_by_role("link", name="Export for Excel").click()
    raw = open(download.value.path(), "rb").read()  # noqa: SIM115 - a temporary download

    # then
    assert SavedView.objects.get(user=mia).query == "score_band=hot"
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted((row["first_name"], row["last_name"]) for row in rows) == [
        ("Hal", "Hot"),
        ("Zoë", "Čapek"),
    ]
    assert Lead.objects.count() == 3
