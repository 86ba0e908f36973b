"""The rep's work on a lead: who may work it, recycling, and the event log."""

import pytest

from apps.core.errors import NotAllowed
from apps.leads.models import LeadEvent
from apps.leads.services import log_attempt, recycle_lead
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


def test_recycle_returns_the_lead_to_nurture_and_stops_the_clock(owned_lead, rep):
    recycle_lead(lead_id=owned_lead.pk, actor=rep, note="Not yet")
    owned_lead.refresh_from_db()
    assert (owned_lead.status, owned_lead.owner, owned_lead.sla_state) == ("nurture", None, "")


def test_every_change_is_in_the_event_log(owned_lead, rep):
    log_attempt(lead_id=owned_lead.pk, rep=rep, channel="email", outcome="replied")
    kinds = list(
        LeadEvent.objects.filter(lead=owned_lead).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["attempt", "sla", "status"]
