"""The account page in a real browser, signed in as `sam` (Sales) through the login form."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.leads.models import LeadEvent
from apps.users.models import Role
from apps.users.permissions_setup import grant_revops_permissions
from tests import factories

SHOTS = os.environ.get("ACCOUNT_SCREENSHOTS", "/tmp/rd-acct-shots")

PEOPLE = [
    ("Dana", "Whitfield", "VP Operations", "decision_maker", 82),
    ("Chris", "Okafor", "Head of RevOps", "champion", 71),
    ("Priya", "Raman", "Finance Manager", "influencer", 55),
    ("Leo", "Martins", "Sales Ops Analyst", "user", 38),
    ("Ana", "Kowalski", "Operations Analyst", "user", 30),
]


@pytest.fixture(scope="module")
def _restore_role_groups(django_db_blocker):  # type: ignore[no-untyped-def]
    """The flush after a transactional test empties the groups the data migration made; put
    them back (with RevOps' permissions) so later tests in the same run find them. Module
    scope, so this teardown runs after the last test's flush."""
    yield
    with django_db_blocker.unblock():
        for role in Role.values:
            Group.objects.get_or_create(name=role)
        for config in django_apps.get_app_configs():
            grant_revops_permissions(app_label=config.label)


@pytest.fixture
def sams_account(transactional_db, rep, agreement):  # type: ignore[no-untyped-def]
    now = timezone.now()
    account = factories.AccountFactory(
        name="Northwind Logistics",
        domain="northwind.example",
        industry="Logistics",
        employees=1200,
        tier="target",
        owner=rep,
        engagement_score=214,
        buying_roles_engaged=["decision_maker", "champion", "influencer"],
        is_conversation_ready=True,
        ready_since=now - timedelta(hours=3),
    )
    assets = [
        factories.AssetFactory(
            name="Pricing page", topic="Pricing", intent_note="Comparing plans: budget is real."
        ),
        factories.AssetFactory(
            name="Route optimisation guide",
            topic="Route planning",
            intent_note="Fighting late deliveries; wants fewer miles per drop.",
        ),
        factories.AssetFactory(
            name="Security whitepaper",
            topic="Security",
            intent_note="IT is vetting us: procurement is near.",
        ),
    ]
    leads = []
    for n, (first, last, title, role, score) in enumerate(PEOPLE):
        lead = factories.LeadFactory(
            account=account,
            email=f"{first.lower()}@northwind.example",
            first_name=first,
            last_name=last,
            title=title,
            buying_role=role,
            score=score,
            owner=rep if n == 0 else None,
            assigned_at=now if n == 0 else None,
            status="ready" if n == 0 else "nurture",
            ready_at=now if n == 0 else None,
            last_touch_at=now - timedelta(days=n),
        )
        leads.append(lead)
        for week in range(0, 9, 1 + n % 3):
            factories.TouchpointFactory(
                lead=lead,
                kind="download" if week % 2 else "page_view",
                asset=assets[(week + n) % 3],
                occurred_at=now - timedelta(days=7 * week + n),
            )
    factories.LeadEventFactory(
        lead=leads[0],
        kind=LeadEvent.Kind.STATUS,
        old_value="nurture",
        new_value="ready",
        at=account.ready_since,
        payload={
            "engaged": [
                {
                    "lead_id": lead.pk,
                    "name": lead.display_name,
                    "role": lead.buying_role,
                    "what": assets[i % 3].name,
                    "at": (now - timedelta(days=i)).isoformat(),
                }
                for i, lead in enumerate(leads[:3])
            ]
        },
    )
    factories.OpportunityFactory(account=account, owner=rep, name="Northwind fleet rollout")
    play = factories.PlayFactory(name="Buying group ready", priority=300, is_account_play=True)
    factories.PlayStepFactory(play=play, order=1, title="Call the decision maker")
    factories.LeadPlayFactory(lead=leads[0], play=play)
    factories.PlayFactory(name="Default follow-up", is_default=True)
    today = timezone.localdate()
    q = (today.month - 1) // 3
    factories.QuarterFactory(
        name=f"{today.year}-Q{q + 1}",
        starts_on=today.replace(month=3 * q + 1, day=1),
        ends_on=(today.replace(month=3 * q + 1, day=1) + timedelta(days=92)).replace(day=1)
        - timedelta(days=1),
    )
    return account


@pytest.mark.browser
@pytest.mark.usefixtures("_restore_role_groups")
def test_sam_reads_his_account_buying_group_timeline_and_engagement(
    page: Page, live_server, sams_account
) -> None:  # type: ignore[no-untyped-def]
    os.makedirs(SHOTS, exist_ok=True)
    base = live_server.url
    page.set_viewport_size({"width": 1360, "height": 900})

    # given: sam signs in through the login form
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    # when: he opens his account from the accounts list
    page.goto(f"{base}/accounts/?tier=target")
    page.get_by_role("link", name="Northwind Logistics").click()

    # then: the buying group with roles, the readiness, the timeline and the charts
    expect(page.get_by_role("heading", name="Northwind Logistics")).to_be_visible()
    people = page.get_by_role("table").first
    expect(people).to_contain_text("Dana Whitfield")
    expect(people).to_contain_text("Decision maker")
    expect(people).to_contain_text("Champion")
    expect(page.get_by_role("heading", name="Conversation-ready", exact=False)).to_be_visible()
    expect(page.locator(".engaged")).to_contain_text("Chris Okafor")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Route optimisation guide")
    expect(timeline).to_contain_text("Fighting late deliveries")
    expect(page.get_by_role("img", name="Engagement by buying role", exact=False)).to_be_visible()
    expect(page.locator("#chart-topic-svg-title")).to_have_count(1)
    assert page.locator(".chart__svg rect").count() > 10
    page.get_by_text("Numbers by week").first.click()
    expect(page.locator("#chart-role-table")).to_contain_text("Decision maker")
    # sam may not change the tier
    expect(page.locator("#account-tier form")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/account.png", full_page=True)
    page.locator(".grid--two").screenshot(path=f"{SHOTS}/account-charts.png")

    # when: he reads the plays (read-only for Sales)
    page.goto(f"{base}/marketing/plays/")

    # then
    expect(page.get_by_role("heading", name="Plays", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="New play")).to_have_count(0)
    expect(page.locator("#play-performance")).to_contain_text("Buying group ready")
    page.screenshot(path=f"{SHOTS}/plays.png", full_page=True)
