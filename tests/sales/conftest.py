"""Builders for the sales workspace tests: leads in a rep's queue, in the pool, with a play."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from apps.leads.models import Lead
from apps.plays.models import LeadPlayStep
from apps.users.models import User
from tests import factories

HTMX = {"HX-Request": "true"}


def htmx(target: str | None = None) -> dict[str, str]:
    """Headers htmx sends; `target` is the id of the element the answer replaces."""
    return HTMX | ({"HX-Target": target} if target else {})


def owned_lead(owner: User, **kwargs: Any) -> Lead:
    """An open lead in `owner`'s queue with a running SLA clock, at a company account."""
    now = timezone.now()
    defaults: dict[str, Any] = {
        "status": Lead.Status.READY,
        "owner": owner,
        "assigned_at": now,
        "ready_at": now,
        "sla_state": Lead.SlaState.PENDING,
        "sla_due_at": now + timedelta(minutes=5),
    }
    if "account" not in kwargs:
        defaults["account"] = factories.AccountFactory()
    return factories.LeadFactory(**(defaults | kwargs))


def pool_lead(**kwargs: Any) -> Lead:
    """A ready lead no rep holds."""
    return factories.LeadFactory(
        **({"status": Lead.Status.READY, "ready_at": timezone.now()} | kwargs)
    )


def with_play(lead: Lead, *titles: str) -> list[LeadPlayStep]:
    """Attach a play with one due step per title."""
    lead_play = factories.LeadPlayFactory(
        lead=lead, play=factories.PlayFactory(name="Demo follow-up")
    )
    return [
        factories.LeadPlayStepFactory(lead_play=lead_play, order=n, title=title)
        for n, title in enumerate(titles, start=1)
    ]


def fill_attempt_form(page: Page, *, channel: str, outcome: str, note: str) -> None:
    """Browser tests: log an attempt through the lead page's attempt form."""
    form = page.locator("#attempt-form")
    form.get_by_label("Channel", exact=True).select_option(channel)
    form.get_by_label("Outcome", exact=True).select_option(outcome)
    form.get_by_label("Note", exact=True).fill(note)
    form.get_by_role("button", name="Log attempt").click()


@pytest.fixture
def my_lead(rep: User) -> Lead:
    return owned_lead(rep, first_name="Ada", last_name="Mine")


@pytest.fixture
def their_lead(other_rep: User) -> Lead:
    return owned_lead(other_rep, first_name="Theo", last_name="Theirs")


@pytest.fixture
def reason_after_three() -> Any:
    return factories.DisqualificationReasonFactory(
        code="no-response", label="No response", min_attempts=3
    )


@pytest.fixture
def reason_with_note() -> Any:
    return factories.DisqualificationReasonFactory(
        code="competitor", label="Chose a competitor", note_required=True
    )


@pytest.fixture
def manager_client_factory(manager: User) -> Any:
    """A second client signed in as the manager, for tests that already use `client`."""
    from django.test import Client

    def make() -> Client:
        other = Client()
        other.force_login(manager)
        return other

    return make
