"""The service flows in a real browser, signed in as `sid` (Service) through the login form."""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import Account
from apps.leads.models import Lead
from apps.service.models import Renewal, VoiceNote
from tests import factories
from tests.browser import sign_in

SHOTS = os.environ.get("SERVICE_SCREENSHOTS", "/tmp/rd-service")


@pytest.fixture
def service_world(transactional_db, service_user, rep, agreement, policy, pool):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    acme = factories.AccountFactory(
        name="Acme Analytics",
        domain="acme.example",
        lifecycle="customer",
        owner=rep,
        health="green",
    )
    globex = factories.AccountFactory(
        name="Globex Freight",
        domain="globex.example",
        lifecycle="customer",
        owner=rep,
        health="red",
    )
    initech = factories.AccountFactory(
        name="Initech", domain="initech.example", lifecycle="customer", health="yellow"
    )
    factories.ChurnReasonFactory(code="price", label="Price")
    factories.ChurnReasonFactory(code="rival", label="Switched to a competitor")
    return {
        "acme": acme,
        "globex": globex,
        "acme_renewal": factories.RenewalFactory(
            account=acme, due_on=today, amount=Decimal("24000")
        ),
        "globex_renewal": factories.RenewalFactory(
            account=globex, due_on=today, amount=Decimal("18000")
        ),
        "initech_renewal": factories.RenewalFactory(
            account=initech, due_on=today, amount=Decimal("9500")
        ),
    }


@pytest.mark.browser
def test_service_flows_as_sid(page: Page, live_server, service_world, rep) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    acme_renewal = service_world["acme_renewal"]
    globex_renewal = service_world["globex_renewal"]

    # given: sid signs in through the login form and lands on /service/
    sign_in(page, base, "sid", "Customers and renewals")
    page.wait_for_function("() => window.htmx !== undefined")  # htmx bound first
    page.evaluate("window.__noReload = true")

    # when: the Acme renewal is marked renewed in place, for more than was due
    acme_row = page.locator(f"#renewal-{acme_renewal.pk}")
    acme_row.get_by_label("Renewed for (Acme Analytics)").fill("26000")
    acme_row.get_by_role("button", name="Mark renewed").click()

    # then
    acme_row = page.locator(f"#renewal-{acme_renewal.pk}")
    expect(acme_row.locator(".badge")).to_have_text("Renewed")
    expect(acme_row).to_contain_text("for 26,000")

    # when: the Globex renewal is marked churned with a reason and a note
    globex_row = page.locator(f"#renewal-{globex_renewal.pk}")
    globex_row.get_by_text("Churned…").click()
    globex_row.get_by_label("Churn reason").select_option(label="Price")
    globex_row.get_by_label("Note").fill("Budget cut after the merger.")
    globex_row.get_by_role("button", name="Mark churned").click()

    # then: the row, the totals and the customer list change without a reload
    globex_row = page.locator(f"#renewal-{globex_renewal.pk}")
    expect(globex_row.locator(".badge")).to_have_text("Churned")
    expect(globex_row).to_contain_text("Price")
    totals = page.locator("#renewal-totals")
    expect(totals).to_contain_text("26,000")
    expect(totals).to_contain_text("18,000")
    expect(page.locator("#customers")).not_to_contain_text("Globex Freight")
    assert page.evaluate("window.__noReload") is True
    page.screenshot(path=f"{SHOTS}/service-home.png", full_page=True)

    renewal = Renewal.objects.get(pk=globex_renewal.pk)
    assert (renewal.outcome, renewal.churn_reason.code) == ("churned", "price")
    assert Account.objects.get(pk=globex_renewal.account_id).lifecycle == "churned"
    assert Renewal.objects.get(pk=acme_renewal.pk).renewed_amount == Decimal("26000")

    # when: sid records what an Acme user said
    page.get_by_role("link", name="Voice of the customer").click()
    page.wait_for_function("() => window.htmx !== undefined")  # htmx bound first
    page.evaluate("window.__noReload = true")
    page.get_by_label("Customer").select_option(label="Acme Analytics")
    page.get_by_label("What they said").fill("The weekly digest is the one email our VPs read.")
    page.get_by_label("Tags").fill("Reporting, exec buy-in")
    page.get_by_label("Where it was said").fill("QBR")
    page.get_by_role("button", name="Save note").click()

    # then: saved, and the list below shows it without a reload
    expect(page.locator("#voice-add")).to_contain_text("Saved:")
    expect(page.locator("#voice-results")).to_contain_text("The weekly digest is the one email")
    expect(page.locator("#voice-results")).to_contain_text("exec buy-in")
    assert page.evaluate("window.__noReload") is True
    assert VoiceNote.objects.get().tags == ["exec buy-in", "reporting"]
    page.screenshot(path=f"{SHOTS}/service-voice.png", full_page=True)

    # when: from Acme's page, sid hands an expansion lead to sales
    page.goto(f"{base}/service/accounts/{service_world['acme'].pk}/")
    page.wait_for_function("() => window.htmx !== undefined")  # htmx bound first
    page.evaluate("window.__noReload = true")
    panel = page.locator("#handoff-panel")
    panel.get_by_label("Expansion (more for this customer)").check()
    panel.get_by_label("First name").fill("Dana")
    panel.get_by_label("Last name").fill("Lee")
    panel.get_by_label("Work email").fill("dana@acme.example")
    panel.get_by_label("Job title").fill("VP Operations")
    panel.get_by_label("Note for sales").fill("Wants analytics for two more teams.")
    panel.get_by_role("button", name="Hand to sales").click()

    # then: the lead is ready and with the account owner
    expect(page.locator("#handoff-panel")).to_contain_text("Dana Lee is with sales.")
    expect(page.locator("#handoff-panel")).to_contain_text(re.compile(r"assigned to Sam Rep"))
    assert page.evaluate("window.__noReload") is True
    lead = Lead.objects.get(email="dana@acme.example")
    assert (lead.source, lead.status, lead.owner_id) == ("expansion", "ready", rep.pk)
    page.screenshot(path=f"{SHOTS}/service-account.png", full_page=True)

    # and the churn page shows the reason for this quarter
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Service").click()
    page.get_by_role("link", name="Churn reasons").click()
    expect(page.get_by_role("row", name=re.compile("Price"))).to_contain_text("18,000")
    page.screenshot(path=f"{SHOTS}/service-churn.png", full_page=True)
