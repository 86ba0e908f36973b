"""The rep's work on a lead: who may work it, recycling, and the event log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import InvalidTransition, NotAllowed
from apps.leads.models import LeadEvent
from apps.plays.services import log_attempt
from apps.routing import services as routing
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_lead(pool, policy, rep):  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(
        status="ready", account=factories.AccountFactory(domain="acme.example")
    )
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    lead.refresh_from_db()
    return lead


def test_another_rep_cannot_work_my_lead(owned_lead, other_rep, marketer):
    for user in (other_rep, marketer):
        with pytest.raises(NotAllowed):
            log_attempt(lead_id=owned_lead.pk, rep=user, channel="call", outcome="no_answer")


def test_every_change_is_in_the_event_log(owned_lead, rep):
    log_attempt(lead_id=owned_lead.pk, rep=rep, channel="email", outcome="replied")
    kinds = list(
        LeadEvent.objects.filter(lead=owned_lead).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["attempt", "sla", "status"]


@pytest.mark.parametrize(
    ("offset", "refused"),
    [
        (timedelta(days=-365 * 26), True),  # backdated to the year 2000
        (timedelta(minutes=-1), True),  # a minute before the lead was assigned
        (timedelta(seconds=0), False),  # at assignment
        (timedelta(minutes=1), False),
    ],
)
def test_an_attempt_is_not_dated_before_the_lead_was_assigned(owned_lead, rep, offset, refused):  # type: ignore[no-untyped-def]
    at = owned_lead.assigned_at + offset
    if refused:
        with pytest.raises(InvalidTransition) as error:
            log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="connected", at=at)
        assert error.value.field == "at"
        owned_lead.refresh_from_db()
        assert (owned_lead.attempt_count, owned_lead.sla_state) == (0, "pending")
    else:
        log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="connected", at=at)


def test_an_attempt_may_be_at_most_five_minutes_in_the_future(owned_lead, rep):  # type: ignore[no-untyped-def]
    now = timezone.now()
    log_attempt(
        lead_id=owned_lead.pk,
        rep=rep,
        channel="call",
        outcome="no_answer",
        at=now + timedelta(minutes=4),
    )
    with pytest.raises(InvalidTransition) as error:
        log_attempt(
            lead_id=owned_lead.pk,
            rep=rep,
            channel="call",
            outcome="no_answer",
            at=now + timedelta(minutes=6),
        )
    assert error.value.field == "at"


def test_the_api_refuses_a_backdated_attempt_with_422_naming_at(owned_lead, rep):  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(rep)
    response = api.post(
        f"/api/v1/leads/{owned_lead.pk}/attempts/",
        {"channel": "call", "outcome": "connected", "at": "2000-01-01T09:00:00Z"},
        format="json",
    )
    assert response.status_code == 422
    assert "at" in response.json()
