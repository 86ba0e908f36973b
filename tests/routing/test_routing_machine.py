"""Hypothesis stateful test of routing: whatever the order of intake, claims, attempts, clock
moves, sweeps, out-of-office and capacity changes, the invariants hold."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from apps.core.errors import Conflict
from apps.leads.models import Lead, LeadEvent
from apps.plays.services import log_attempt
from apps.routing import services
from apps.routing.models import RoutingRule, SlaPolicy
from tests import factories

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_run = itertools.count()


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        n = next(_run)
        RoutingRule.objects.update(is_active=False)
        sales = Group.objects.get(name="Sales")
        self.reps = []
        for i in range(3):
            rep = factories.UserFactory(username=f"m{n}rep{i}", capacity=2)
            rep.groups.add(sales)
            self.reps.append(rep)
        self.rule = factories.RoutingRuleFactory(name=f"pool {n}")
        for rep in self.reps:
            factories.PoolMemberFactory(rule=self.rule, rep=rep)
        self.now = START
        self.lead_ids: list[int] = []
        self.claims = dict.fromkeys((r.pk for r in self.reps), 0)
        self.max_capacity = dict.fromkeys((r.pk for r in self.reps), 2)
        self.prefix = f"m{n}"

    @rule()
    def hand_raiser_arrives(self) -> None:
        lead = factories.LeadFactory(
            email=f"{self.prefix}-{len(self.lead_ids)}@buyer.example",
            status="ready",
            ready_at=self.now,
        )
        self.lead_ids.append(lead.pk)
        services.route_lead(lead_id=lead.pk, now=self.now)

    @precondition(lambda self: self.lead_ids)
    @rule(data=st.data())
    def rep_claims(self, data: st.DataObject) -> None:
        lead_id = data.draw(st.sampled_from(self.lead_ids))
        rep = data.draw(st.sampled_from(self.reps))
        try:
            services.claim_lead(lead_id=lead_id, rep=rep, now=self.now)
        except Conflict:
            return
        self.claims[rep.pk] += 1

    @precondition(lambda self: self.lead_ids)
    @rule(data=st.data())
    def owner_logs_an_attempt(self, data: st.DataObject) -> None:
        lead = Lead.objects.get(pk=data.draw(st.sampled_from(self.lead_ids)))
        if lead.owner is None or lead.status not in ("ready", "working"):
            return
        log_attempt(
            lead_id=lead.pk, rep=lead.owner, channel="call", outcome="no_answer", at=self.now
        )

    @rule(minutes=st.integers(min_value=1, max_value=40))
    def clock_moves(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def sweep(self) -> None:
        services.sweep_sla(now=self.now)

    @rule(i=st.integers(0, 2), available=st.booleans())
    def out_of_office(self, i: int, available: bool) -> None:
        rep = self.reps[i]
        rep.is_available = available
        rep.save(update_fields=["is_available"])

    @rule(i=st.integers(0, 2), capacity=st.integers(0, 4))
    def capacity_changes(self, i: int, capacity: int) -> None:
        rep = self.reps[i]
        rep.capacity = capacity
        rep.save(update_fields=["capacity"])
        self.max_capacity[rep.pk] = max(self.max_capacity[rep.pk], capacity)

    @invariant()
    def owner_matches_the_last_owner_event(self) -> None:
        for lead in Lead.objects.filter(pk__in=self.lead_ids, owner__isnull=False):
            last = (
                LeadEvent.objects.filter(lead=lead, kind="owner")
                .exclude(new_value="pool")
                .order_by("pk")
                .last()
            )
            assert last is not None
            assert last.payload["new_owner_id"] == lead.owner_id

    @invariant()
    def capacity_is_respected_by_routing(self) -> None:
        for rep in self.reps:
            open_count = Lead.objects.filter(
                pk__in=self.lead_ids, owner=rep, status__in=["ready", "working"]
            ).count()
            assert open_count <= self.max_capacity[rep.pk] + self.claims[rep.pk]

    @invariant()
    def every_ready_lead_is_owned_or_pooled(self) -> None:
        assert not Lead.objects.filter(
            pk__in=self.lead_ids, status="ready", owner__isnull=True, pooled_at__isnull=True
        ).exists()

    @invariant()
    def one_breach_event_per_lead(self) -> None:
        for lead_id in self.lead_ids:
            assert (
                LeadEvent.objects.filter(
                    lead_id=lead_id, kind="sla", old_value="pending", new_value="breached"
                ).count()
                <= 1
            )

    @invariant()
    def a_breach_stays_on_the_first_reps_record(self) -> None:
        for lead in Lead.objects.filter(pk__in=self.lead_ids, sla_state="breached"):
            assert lead.breached_owner_id is not None


def test_routing_invariants_hold_under_any_sequence(db):
    SlaPolicy.objects.create(
        name="Test", first_response_minutes=5, escalate_after_minutes=10, reassign_after_minutes=30
    )
    run_state_machine_as_test(
        RoutingMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
