"""Routing and the SLA clock, driven through the services with a controllable clock."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from apps.core.errors import Conflict
from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead, LeadEvent
from apps.notifications.models import Notification
from apps.plays.services import log_attempt
from apps.routing import services
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _ready_lead(**kwargs):  # type: ignore[no-untyped-def]
    return factories.LeadFactory(status=Lead.Status.READY, ready_at=NOW, **kwargs)


def test_route_lead_gives_the_lead_to_one_rep_and_starts_the_clock(pool, policy, rep, other_rep):
    # given
    lead = _ready_lead()
    # when
    routed = services.route_lead(lead_id=lead.pk, now=NOW)
    # then
    assert routed.owner_id in {rep.pk, other_rep.pk}
    assert routed.sla_state == Lead.SlaState.PENDING
    assert routed.sla_due_at == NOW + timedelta(minutes=5)
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.OWNER).count() == 1


def test_route_lead_twice_is_a_no_op(pool, policy):
    lead = _ready_lead()
    first = services.route_lead(lead_id=lead.pk, now=NOW)
    second = services.route_lead(lead_id=lead.pk, now=NOW + timedelta(seconds=1))
    assert first.owner_id == second.owner_id
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.OWNER).count() == 1


def test_equal_weights_share_leads_within_one(pool, policy, rep, other_rep):
    leads = [_ready_lead() for _ in range(7)]
    for lead in leads:
        services.route_lead(lead_id=lead.pk, now=NOW)
    counts = sorted(Lead.objects.filter(owner__isnull=False).values_list("owner_id", flat=True))
    a, b = counts.count(rep.pk), counts.count(other_rep.pk)
    assert a + b == 7
    assert abs(a - b) <= 1


def test_weights_split_leads_in_proportion(pool, policy, rep, other_rep):
    rep.routing_weight = 3
    rep.save()
    for _ in range(8):
        services.route_lead(lead_id=_ready_lead().pk, now=NOW)
    assert Lead.objects.filter(owner=rep).count() == 6
    assert Lead.objects.filter(owner=other_rep).count() == 2


def test_route_lead_skips_rep_at_capacity_and_out_of_office(pool, policy, rep, other_rep):
    rep.capacity = 0
    rep.save()
    services.route_lead(lead_id=_ready_lead().pk, now=NOW)
    assert Lead.objects.get(owner__isnull=False).owner_id == other_rep.pk
    other_rep.is_available = False
    other_rep.save()
    lead = _ready_lead()
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    assert lead.owner_id is None
    assert lead.pooled_at == NOW


def test_nobody_free_leaves_the_lead_in_the_pool_and_alerts_managers_once(
    pool, policy, rep, other_rep, manager
):
    for r in (rep, other_rep):
        r.is_available = False
        r.save()
    lead = _ready_lead()
    services.route_lead(lead_id=lead.pk, now=NOW)
    services.route_lead(lead_id=lead.pk, now=NOW + timedelta(seconds=30))
    assert Notification.objects.filter(recipient=manager, kind="pool_alert").count() == 1
    # capacity frees up: the sweep routes it
    rep.is_available = True
    rep.save()
    services.sweep_sla(now=NOW + timedelta(minutes=1))
    lead.refresh_from_db()
    assert lead.owner_id == rep.pk


def test_account_owner_gets_the_lead_first(pool, policy, rep, other_rep):
    account = factories.AccountFactory(owner=other_rep)
    lead = _ready_lead(account=account)
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    assert lead.owner_id == other_rep.pk
    assert "account owner" in LeadEvent.objects.get(lead=lead, kind="owner").reason


def test_first_matching_rule_decides_the_pool(policy, rep, other_rep):
    emea = factories.RoutingRuleFactory(name="EMEA", order=1, countries="DE,FR")
    factories.PoolMemberFactory(rule=emea, rep=rep)
    rest = factories.RoutingRuleFactory(name="Rest", order=2)
    factories.PoolMemberFactory(rule=rest, rep=other_rep)
    german = _ready_lead(country="DE")
    american = _ready_lead(country="US")
    services.route_lead(lead_id=german.pk, now=NOW)
    services.route_lead(lead_id=american.pk, now=NOW)
    german.refresh_from_db()
    american.refresh_from_db()
    assert german.owner_id == rep.pk
    assert american.owner_id == other_rep.pk


def test_claim_from_pool_and_the_loser_is_told(pool, policy, rep, other_rep):
    lead = _ready_lead()
    services.claim_lead(lead_id=lead.pk, rep=rep, now=NOW)
    with pytest.raises(Conflict, match="claimed"):
        services.claim_lead(lead_id=lead.pk, rep=other_rep, now=NOW)
    lead.refresh_from_db()
    assert lead.owner_id == rep.pk


def test_first_attempt_in_time_settles_the_sla_met(pool, policy, rep):
    lead = _ready_lead()
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    owner = lead.owner
    log_attempt(
        lead_id=lead.pk,
        rep=owner,
        channel="call",
        outcome="connected",
        at=NOW + timedelta(minutes=4),
    )
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.MET
    assert lead.status == Lead.Status.WORKING
    assert lead.first_response_at == NOW + timedelta(minutes=4)
    # the sweep later finds nothing to do
    services.sweep_sla(now=NOW + timedelta(hours=2))
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.MET


def test_sweep_breaches_escalates_then_reassigns(pool, policy, rep, other_rep, manager):
    # given a lead held by one rep and never answered
    lead = _ready_lead()
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    first_owner = lead.owner_id
    # when the clock passes the due time
    services.sweep_sla(now=NOW + timedelta(minutes=5, seconds=1))
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.BREACHED
    assert lead.sla_breached_at == NOW + timedelta(minutes=5)
    assert lead.escalated_at is None
    # a second sweep at the same moment records nothing twice
    services.sweep_sla(now=NOW + timedelta(minutes=5, seconds=2))
    assert (
        LeadEvent.objects.filter(
            lead=lead, kind="sla", new_value="breached", old_value="pending"
        ).count()
        == 1
    )
    # escalation after 10 more minutes
    services.sweep_sla(now=NOW + timedelta(minutes=15))
    lead.refresh_from_db()
    assert lead.escalated_at == NOW + timedelta(minutes=15)
    assert Notification.objects.filter(recipient=manager, kind="sla_escalation").count() == 1
    assert lead.owner_id == first_owner
    # reassignment after 30 minutes; the breach stays on the first rep's record
    services.sweep_sla(now=NOW + timedelta(minutes=35))
    lead.refresh_from_db()
    assert lead.owner_id != first_owner
    assert lead.breached_owner_id == first_owner
    assert lead.sla_state == Lead.SlaState.BREACHED
    services.sweep_sla(now=NOW + timedelta(minutes=60))
    assert LeadEvent.objects.filter(lead=lead, kind="owner").count() == 2


def test_stale_timer_after_reassignment_is_ignored(pool, policy, rep, other_rep, manager):
    lead = _ready_lead()
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    version = lead.assignment_version
    target = other_rep if lead.owner_id == rep.pk else rep
    services.reassign_lead(
        lead_id=lead.pk, to_rep=target, actor=manager, now=NOW + timedelta(minutes=1)
    )
    services.settle_sla(
        lead_id=lead.pk, assignment_version=version, now=NOW + timedelta(minutes=5, seconds=1)
    )
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.PENDING
    assert lead.sla_due_at == NOW + timedelta(minutes=6)


def test_early_timer_delivery_does_nothing(pool, policy):
    lead = _ready_lead()
    services.route_lead(lead_id=lead.pk, now=NOW)
    lead.refresh_from_db()
    services.settle_sla(
        lead_id=lead.pk, assignment_version=lead.assignment_version, now=NOW + timedelta(minutes=4)
    )
    lead.refresh_from_db()
    assert lead.sla_state == Lead.SlaState.PENDING


def test_hand_raiser_intake_routes_after_commit_and_notifies_the_rep(
    pool, policy, agreement, demo_asset, django_capture_on_commit_callbacks
):
    # given a signed agreement, a pool and a demo-request asset
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_lead(
            data=IntakeData(
                email=" Buyer@Acme-Robotics.example ",
                first_name="Bo",
                asset=demo_asset,
                kind="form_submit",
            )
        )
    lead = Lead.objects.get(pk=result.lead.pk)
    assert lead.email == "buyer@acme-robotics.example"
    assert lead.status == Lead.Status.READY
    assert lead.ready_agreement == agreement
    assert lead.ready_reason == "hand_raiser"
    assert lead.owner is not None
    assert lead.account.domain == "acme-robotics.example"
    assert Notification.objects.filter(recipient=lead.owner, kind="lead_assigned").exists()
    assert any("New lead" in m.subject for m in mail.outbox)
    ready_event = LeadEvent.objects.get(lead=lead, kind="status", new_value="ready")
    assert ready_event.payload["agreement_version"] == 1


def test_no_agreement_in_force_means_no_automatic_ready(pool, policy, demo_asset, marketer):
    factories.AgreementFactory(version=9, marketing_signer=marketer)  # signed by one side only
    result = intake_lead(data=IntakeData(email="x@beta.example", asset=demo_asset))
    assert result.lead.status == Lead.Status.NURTURE
