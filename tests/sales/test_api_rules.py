"""Hostile API calls against the rep's rules (issue "The rep's day", item 4): a burst of
attempts does not satisfy "unreachable", attempts cannot be backdated or dated ahead, and a
lead leaves the queue only with a reason from the list, its breach kept. The rules live in the
services, so the API is held to them exactly as the pages are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.feedback.models import Disqualification
from apps.leads.models import Activity, Lead
from tests import factories
from tests.sales.conftest import owned_lead

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def _attempt(api, lead: Lead, **body):  # type: ignore[no-untyped-def]
    payload = {"channel": "call", "outcome": "no_answer"} | body
    return api.post(f"{LEADS}{lead.pk}/attempts/", payload, format="json")


def test_a_burst_of_six_attempts_does_not_make_a_lead_unreachable(
    rep_api, rep, unreachable
) -> None:  # type: ignore[no-untyped-def]
    # given six "no answer" calls logged back to back
    lead = owned_lead(rep)
    for _ in range(6):
        assert _attempt(rep_api, lead).status_code == 201

    # when the rep disqualifies, and then tries to recycle, with "unreachable"
    body = {"reason": "unreachable", "note": "never picks up"}
    disqualified = rep_api.post(f"{LEADS}{lead.pk}/disqualify/", body, format="json")
    recycled = rep_api.post(f"{LEADS}{lead.pk}/recycle/", body, format="json")

    # then both are refused with the rule named, and the lead is still his and open
    for response in (disqualified, recycled):
        assert response.status_code == 422, response.content
        assert "different days" in str(response.json())
    lead.refresh_from_db()
    assert lead.is_open
    assert lead.owner_id == rep.pk
    assert not Disqualification.objects.exists()


def test_attempts_spread_over_two_days_and_two_channels_do(rep_api, rep, unreachable) -> None:  # type: ignore[no-untyped-def]
    # given a lead assigned three days ago, three calls two days ago and three emails today
    now = timezone.now()
    lead = owned_lead(rep, assigned_at=now - timedelta(days=3))
    two_days_ago = now - timedelta(days=2)
    for n in range(3):
        at = (two_days_ago + timedelta(minutes=n)).isoformat()
        assert _attempt(rep_api, lead, at=at).status_code == 201
    for _ in range(3):
        assert _attempt(rep_api, lead, channel="email").status_code == 201

    # when
    response = rep_api.post(
        f"{LEADS}{lead.pk}/disqualify/", {"reason": "unreachable"}, format="json"
    )

    # then
    assert response.status_code == 201, response.content
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.DISQUALIFIED


@pytest.mark.parametrize(
    "at",
    [
        pytest.param(datetime(2000, 1, 1, tzinfo=UTC).isoformat(), id="year-2000"),
        pytest.param("before-assignment", id="a-minute-before-assignment"),
        pytest.param("future", id="six-minutes-ahead"),
    ],
)
def test_an_attempt_dated_outside_the_lead_s_time_is_refused_naming_at(
    rep_api, rep, at: str
) -> None:  # type: ignore[no-untyped-def]
    # given a lead assigned ten minutes ago with its clock running
    now = timezone.now()
    lead = owned_lead(rep, assigned_at=now - timedelta(minutes=10))
    moments = {
        "before-assignment": (now - timedelta(minutes=11)).isoformat(),
        "future": (now + timedelta(minutes=6)).isoformat(),
    }

    # when
    response = _attempt(rep_api, lead, at=moments.get(at, at))

    # then nothing is logged and the clock is not settled by a made-up time
    assert response.status_code == 422, response.content
    assert "at" in response.json()
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.PENDING
    assert lead.first_response_at is None
    assert not Activity.objects.exists()


def test_an_attempt_a_moment_ahead_of_the_server_clock_is_accepted(rep_api, rep) -> None:  # type: ignore[no-untyped-def]
    # a phone whose clock runs a few minutes fast must not be refused
    lead = owned_lead(rep)
    at = (timezone.now() + timedelta(minutes=4)).isoformat()

    assert _attempt(rep_api, lead, at=at).status_code == 201


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param({"note": "later"}, "no reason", id="no-reason"),
        pytest.param({"reason": "", "note": "later"}, "empty reason", id="empty-reason"),
        pytest.param({"reason": "made-up"}, "unknown code", id="unknown-code"),
        pytest.param({"reason": "spam"}, "disqualify-only reason", id="disqualify-only"),
    ],
)
def test_recycling_needs_a_reason_from_the_recycling_list(
    rep_api, rep, body: dict[str, str], why: str
) -> None:  # type: ignore[no-untyped-def]
    factories.DisqualificationReasonFactory(code="spam", label="Spam", use="disqualify")
    lead = owned_lead(rep)

    response = rep_api.post(f"{LEADS}{lead.pk}/recycle/", body, format="json")

    assert response.status_code == 400, why
    assert "reason" in response.json()
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.READY


def test_recycling_an_untouched_lead_past_its_due_time_records_the_breach(rep_api, rep) -> None:  # type: ignore[no-untyped-def]
    # given an untouched demo request whose clock ran out two minutes ago
    factories.DisqualificationReasonFactory(code="later", label="Not now", use="recycle")
    due = timezone.now() - timedelta(minutes=2)
    lead = owned_lead(rep, sla_due_at=due)

    # when the rep recycles it to get it off his queue
    response = rep_api.post(f"{LEADS}{lead.pk}/recycle/", {"reason": "later"}, format="json")

    # then it goes back to nurture, and the breach stays on the record
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NURTURE
    assert lead.sla_state == Lead.SlaState.BREACHED
    assert lead.sla_breached_at == due
