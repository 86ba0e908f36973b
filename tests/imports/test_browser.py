"""Mia imports the file Excel saved for her, in a real browser (Debian's Chromium through
Playwright): semicolons and Windows-1252, a dry run that can import nothing, and a discard."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from apps.imports.models import ImportJob
from apps.leads.models import Lead, Touchpoint
from apps.users.models import Role
from tests import factories
from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXCEL_CSV = (
    "E-mail;Vorname;Firma\r\n"
    "jurgen@acme.example;Jürgen;Société Générale\r\n"
    "ana@globex.example;Ana, María;Globex\r\n"
    "zoe@initech.example;Zoë;Initech\r\n"
).encode("cp1252")


@pytest.fixture
def mia(transactional_db):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(username="mia", first_name="Mia", last_name="Marketer")
    user.groups.add(Group.objects.get_or_create(name=Role.MARKETING)[0])
    return user


def _upload(page: Page, url: str) -> None:
    page.goto(f"{url}/imports/")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "leads-excel.csv", "mimeType": "text/csv", "buffer": EXCEL_CSV}]
    )
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="leads-excel.csv")).to_be_visible()


def test_mia_imports_a_semicolon_windows_1252_file_from_excel(page: Page, live_server, mia) -> None:  # type: ignore[no-untyped-def]
    # given
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")
    campaign = factories.CampaignFactory(name="Trade show Hamburg")
    # when: she uploads it, maps the email column and tags the rows
    _upload(page, live_server.url)
    expect(page.locator(".page-head__lede")).to_contain_text("separated by semicolon")
    expect(page.get_by_role("status").filter(has_text="Windows-1252")).to_be_visible()
    page.get_by_label("Email (required)").select_option("E-mail")
    page.get_by_label("First name").select_option("Vorname")
    page.get_by_label("Company").select_option("Firma")
    page.get_by_label("Tag the rows with a campaign").select_option(label=campaign.name)
    page.get_by_role("button", name="Dry run: show what would happen").click()
    # then: the dry run reads every row, accents included
    expect(page.locator("#dry-title")).to_be_visible()
    expect(page.get_by_text("would be created")).to_contain_text("3")
    expect(page.locator("#preview-title")).to_be_visible()
    page.screenshot(path="/tmp/rd-import-excel.png", full_page=True)
    # when
    page.get_by_role("button", name="Import 3 of 3 rows").click()
    # then
    expect(page.locator("#import-progress")).to_contain_text("Created 3")
    names = dict(Lead.objects.values_list("email", "first_name"))
    assert names == {
        "jurgen@acme.example": "Jürgen",
        "ana@globex.example": "Ana, María",
        "zoe@initech.example": "Zoë",
    }
    assert set(Touchpoint.objects.values_list("campaign_id", flat=True)) == {campaign.pk}


def test_mia_sees_a_dry_run_that_can_import_nothing_and_discards_it(
    page: Page, live_server, mia
) -> None:  # type: ignore[no-untyped-def]
    # given
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")
    _upload(page, live_server.url)
    # when: the email field is mapped to the company column
    page.get_by_label("Email (required)").select_option("Firma")
    page.get_by_role("button", name="Dry run: show what would happen").click()
    # then
    expect(page.get_by_role("alert").filter(has_text="0 of 3 rows can be imported")).to_be_visible()
    expect(page.get_by_role("button", name="Import 0 of 3 rows")).to_be_disabled()
    expect(page.locator(".page-head__lede")).to_contain_text("nothing to import")
    page.screenshot(path="/tmp/rd-import-nothing.png", full_page=True)
    # when: she discards it
    page.get_by_text("Discard this import…").click()
    page.get_by_role("button", name="Discard the import").click()
    # then
    expect(page.locator(".page-head__lede")).to_contain_text("Discarded")
    expect(page.get_by_role("button", name="Discard the import")).to_have_count(0)
    assert ImportJob.objects.get().status == ImportJob.Status.DISCARDED
    assert not Lead.objects.exists()
