"""Settling the SLA clock: the breach at due time, then escalation and reassignment per policy.

The policy gives 5 minutes, escalates 10 minutes after the breach and reassigns 30 minutes
after it. A lead routed at 10:00 UTC is due 10:05, escalated at 10:15, reassigned at 10:35.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from apps.leads.models import Lead, LeadEvent
from apps.notifications.models import Notification, TeamChannel
from apps.routing import services
from apps.routing.models import PoolMember
from apps.users.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DUE = NOW + timedelta(minutes=5)
SECOND = timedelta(seconds=1)


def _routed_lead(**kwargs):  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(
        status=Lead.Status.READY, ready_at=NOW, first_name="Ada", last_name="Byron", **kwargs
    )
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    return lead


def _sla_events(lead: Lead) -> list[LeadEvent]:
    """The clock's events after routing started it."""
    events = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.SLA).exclude(old_value="")
    return list(events.order_by("pk"))


@pytest.mark.parametrize(
    ("at", "state", "escalated", "reassigned"),
    [
        pytest.param(DUE - SECOND, "pending", False, False, id="a-second-before-due-is-pending"),
        pytest.param(
            DUE, "pending", False, False, id="exactly-at-due-time-is-still-in-time-as-an-answer-is"
        ),
        pytest.param(DUE + SECOND, "breached", False, False, id="a-second-after-due-is-breached"),
        pytest.param(
            DUE + timedelta(minutes=10) - SECOND,
            "breached",
            False,
            False,
            id="escalation-waits-its-full-ten-minutes",
        ),
        pytest.param(
            DUE + timedelta(minutes=10),
            "breached",
            True,
            False,
            id="escalated-exactly-ten-minutes-after-the-breach",
        ),
        pytest.param(
            DUE + timedelta(minutes=30) - SECOND,
            "breached",
            True,
            False,
            id="reassignment-waits-its-full-thirty-minutes",
        ),
        pytest.param(
            DUE + timedelta(minutes=30),
            "breached",
            True,
            True,
            id="reassigned-exactly-thirty-minutes-after-the-breach",
        ),
    ],
)
def test_the_sla_clock_breaches_escalates_and_reassigns_on_the_minute(  # type: ignore[no-untyped-def]
    pool, policy, manager, at, state, escalated, reassigned
):
    # given
    lead = _routed_lead()
    first_owner = lead.owner_id
    # when
    settled = services.settle_sla(
        lead_id=lead.pk, assignment_version=lead.assignment_version, now=at
    )
    # then: what the caller gets back is what was stored
    lead.refresh_from_db()
    assert lead.sla_state == settled.sla_state == state
    assert (lead.escalated_at == at) is escalated
    assert (settled.escalated_at == at) is escalated
    assert (lead.sla_reassigned_at == at) is reassigned
    assert (settled.sla_reassigned_at == at) is reassigned
    assert (lead.owner_id != first_owner) is reassigned


def test_the_breach_is_recorded_at_due_time_for_the_rep_who_held_it(pool, policy, rep):  # type: ignore[no-untyped-def]
    # given
    lead = _routed_lead()
    at = DUE + timedelta(minutes=2)
    # when
    services.settle_sla(lead_id=lead.pk, now=at)
    # then
    lead.refresh_from_db()
    assert lead.sla_breached_at == DUE
    assert lead.breached_owner_id == lead.owner_id
    assert lead.updated_at == at
    [event] = _sla_events(lead)
    assert (event.old_value, event.new_value) == ("pending", "breached")
    assert event.reason == "no first response by due time"
    assert event.payload == {"due_at": DUE.isoformat(), "owner_id": lead.owner_id}
    assert event.actor_id is None


def test_a_breach_touches_only_the_lead_being_settled(pool, policy):  # type: ignore[no-untyped-def]
    # given two leads past due
    lead, other = _routed_lead(), _routed_lead()
    # when only one is settled
    services.settle_sla(lead_id=lead.pk, now=DUE + SECOND)
    # then
    other.refresh_from_db()
    assert other.sla_state == Lead.SlaState.PENDING
    assert other.sla_breached_at is None


def test_a_timer_of_the_current_assignment_settles_and_a_stale_one_does_nothing(pool, policy):  # type: ignore[no-untyped-def]
    lead = _routed_lead()
    stale = services.settle_sla(
        lead_id=lead.pk, assignment_version=lead.assignment_version - 1, now=DUE + SECOND
    )
    assert stale.sla_state == Lead.SlaState.PENDING
    current = services.settle_sla(
        lead_id=lead.pk, assignment_version=lead.assignment_version, now=DUE + SECOND
    )
    assert current.sla_state == Lead.SlaState.BREACHED


@pytest.mark.parametrize(
    ("answered", "archived"),
    [
        pytest.param(True, False, id="an-answered-lead-is-never-breached"),
        pytest.param(False, True, id="an-archived-lead-is-never-breached"),
    ],
)
def test_a_lead_off_the_clock_is_left_alone(pool, policy, answered, archived):  # type: ignore[no-untyped-def]
    # given a routed lead, past due, that was answered or archived
    lead = _routed_lead()
    Lead.objects.filter(pk=lead.pk).update(
        first_response_at=NOW + SECOND if answered else None,
        is_archived=archived,
        archived_at=NOW + SECOND if archived else None,
    )
    # when
    services.settle_sla(lead_id=lead.pk, now=DUE + timedelta(hours=1))
    # then
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.PENDING
    assert lead.escalated_at is None
    assert _sla_events(lead) == []


def test_a_breached_lead_no_longer_ready_is_not_escalated_or_moved(pool, policy, manager):  # type: ignore[no-untyped-def]
    # given a breached lead the rep has since started working (status moved on)
    lead = _routed_lead()
    services.settle_sla(lead_id=lead.pk, now=DUE + SECOND)
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.WORKING)
    # when the escalation and reassignment times pass
    services.settle_sla(lead_id=lead.pk, now=DUE + timedelta(hours=1))
    # then
    lead.refresh_from_db()
    assert lead.escalated_at is None
    assert lead.sla_reassigned_at is None
    assert not Notification.objects.filter(kind=Notification.Kind.SLA_ESCALATION).exists()


def test_escalation_tells_the_managers_who_holds_the_lead_and_since_when(  # type: ignore[no-untyped-def]
    pool, policy, manager, receiver, django_capture_on_commit_callbacks
):
    # given a team channel for the sales managers
    url, received = receiver
    TeamChannel.objects.create(team=Role.SALES_MANAGER, webhook_url=url)
    lead = _routed_lead()
    holder = lead.owner
    holder.first_name, holder.last_name = "Rita", "Rep"
    holder.save()
    services.settle_sla(lead_id=lead.pk, now=DUE + SECOND)  # the breach, noted first
    at = DUE + timedelta(minutes=10)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.settle_sla(lead_id=lead.pk, now=at)
    # then
    lead.refresh_from_db()
    assert lead.updated_at == at
    note = Notification.objects.get(recipient=manager, kind=Notification.Kind.SLA_ESCALATION)
    assert note.title == "SLA breached: Ada Byron"
    assert note.body == "Held by Rita Rep, due 10:05 UTC, still unanswered."
    assert note.lead_id == lead.pk
    assert any(m["text"].startswith("SLA breached: Ada Byron\nHeld by Rita Rep") for m in received)
    escalation = _sla_events(lead)[-1]
    assert (escalation.old_value, escalation.new_value) == ("breached", "breached")
    assert escalation.reason == "escalated to sales managers"
    assert escalation.payload == {"owner_id": holder.pk}


def test_escalating_a_breached_lead_nobody_holds_says_nobody(pool, policy, manager):  # type: ignore[no-untyped-def]
    # given a breached lead left without an owner
    lead = _routed_lead()
    services.settle_sla(lead_id=lead.pk, now=DUE + SECOND)
    Lead.objects.filter(pk=lead.pk).update(owner=None)
    # when
    services.settle_sla(lead_id=lead.pk, now=DUE + timedelta(minutes=10))
    # then
    note = Notification.objects.get(recipient=manager, kind=Notification.Kind.SLA_ESCALATION)
    assert note.body == "Held by nobody, due 10:05 UTC, still unanswered."


def test_reassignment_skips_the_rep_who_breached_even_when_next_in_line(  # type: ignore[no-untyped-def]
    pool, policy, rep, other_rep
):
    # given the lead held by rep, who is also furthest below their round-robin share
    lead = _routed_lead()
    holder = lead.owner_id
    PoolMember.objects.filter(rule=pool, rep_id=holder).update(assigned=0)
    PoolMember.objects.exclude(rep_id=holder).update(assigned=50)
    # when the reassignment time passes
    services.settle_sla(lead_id=lead.pk, now=DUE + timedelta(minutes=30))
    # then the lead goes to the other rep; the breach stays with the first
    lead.refresh_from_db()
    assert lead.owner_id == ({rep.pk, other_rep.pk} - {holder}).pop()
    assert lead.breached_owner_id == holder


def test_settling_refuses_to_run_inside_a_callers_transaction(pool, policy):  # type: ignore[no-untyped-def]
    # the breach, its events and the notices commit on their own, never with a caller's work
    lead = _routed_lead()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.settle_sla(lead_id=lead.pk, now=DUE + SECOND)


def test_the_sweep_leaves_archived_leads_and_clocks_due_this_instant_alone(pool, policy, manager):  # type: ignore[no-untyped-def]
    # given an archived lead past due and past its follow-up times, and a live one due now
    archived, breached_archived, live = _routed_lead(), _routed_lead(), _routed_lead()
    services.settle_sla(lead_id=breached_archived.pk, now=DUE + SECOND)
    Lead.objects.filter(pk__in=[archived.pk, breached_archived.pk]).update(
        is_archived=True, archived_at=NOW + SECOND
    )
    later = DUE + timedelta(hours=1)
    # when / then: only the live clock is for the sweep, and only once it is past due
    assert services.overdue_lead_ids(now=DUE, limit=10) == []
    assert services.overdue_lead_ids(now=later, limit=10) == [live.pk]
    assert services.breached_follow_up_ids(now=later, limit=10) == []
    result = services.sweep_sla(now=later)
    assert (result.settled, result.followed_up) == (1, 0)  # settling escalated and moved it
    for lead in (archived, breached_archived):
        lead.refresh_from_db()
        assert lead.escalated_at is None
        assert lead.owner_id is not None
