"""The throttle's release under load, on PostgreSQL: reps close leads and release the held
queue at the same moment, each on its own connection (issue 20).

A slot freed is a slot filled, by the best held lead, once: each release locks the held lead,
then the pool's reps in pk order, and moves it held -> ready -> assigned in one transaction
guarded by the held status (apps/routing/services.py, "The throttle").
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.feedback.services import disqualify_lead
from apps.leads.models import Lead, LeadEvent
from apps.leads.querysets import HELD_ORDER, OPEN_STATUSES
from apps.routing import services
from apps.scoring.services import mark_ready
from apps.users.models import Role, User
from tests import factories
from tests.fixtures.concurrency import all_at_once

pytestmark = [pytest.mark.postgres]


REPS = 4
CAPACITY = 5  # 4 reps x 5 = the 20 open leads the pool holds
HELD = 100


def _full_pool() -> tuple[list[User], list[Lead]]:
    """One pool of four reps at a capacity of five, each working five leads."""
    factories.SlaPolicyFactory(first_response_minutes=5)
    rule = factories.RoutingRuleFactory(name="Everyone", order=1)
    sales = Group.objects.get_or_create(name=Role.SALES)[0]
    reps, open_leads = [], []
    for i in range(REPS):
        rep = factories.UserFactory(username=f"throttle-rep{i}", capacity=CAPACITY)
        rep.groups.add(sales)  # disqualifying needs the role
        factories.PoolMemberFactory(rule=rule, rep=rep)
        reps.append(rep)
        now = timezone.now()
        open_leads += [
            factories.LeadFactory(
                status=Lead.Status.WORKING,
                owner=rep,
                assigned_at=now,
                ready_at=now,
                first_response_at=now,
                sla_state=Lead.SlaState.MET,
            )
            for _ in range(CAPACITY)
        ]
    return reps, open_leads


def _throttling_agreement() -> Any:
    marketer, manager = factories.UserFactory(), factories.UserFactory()
    now = timezone.now()
    return factories.AgreementFactory(
        marketing_signer=marketer,
        marketing_signed_at=now,
        sales_signer=manager,
        sales_signed_at=now,
        hold_when_full=True,
        hold_ceiling=1000,  # the queue's ceiling plays no part here
        hold_expiry_hours=72,
    )


def _hold(agreement: Any, count: int) -> list[Lead]:
    """`count` leads ready on score, held by the throttle (the pool is full). Scores repeat (60
    to 99, each two or three times) and each lead is held a minute after the one before, so the
    release order is by score, then by hold time, and different from creation order."""
    start = timezone.now() - timedelta(hours=10)
    held = []
    for i in range(count):
        lead = factories.LeadFactory(score=60 + (i * 37) % 40)
        with transaction.atomic():
            mark_ready(
                lead=Lead.objects.select_for_update().get(pk=lead.pk),
                agreement=agreement,
                reason=Lead.ReadyReason.SCORE,
                actor=None,
                now=start + timedelta(minutes=i),
            )
        held.append(lead)
    return held


def _close_and_release(lead: Lead, reason_id: int) -> int:
    """A rep disqualifies one of their open leads (a real close: its slot is free, and the
    close asks for a release after commit), then releases the held queue themselves."""
    assert lead.owner is not None
    disqualify_lead(lead_id=lead.pk, actor=lead.owner, reason_id=reason_id)
    return services.release_held()


def _open_counts(reps: list[User]) -> dict[int, int]:
    counts = Counter(
        Lead.objects.filter(status__in=OPEN_STATUSES, owner__in=reps).values_list(
            "owner_id", flat=True
        )
    )
    return {rep.pk: counts[rep.pk] for rep in reps}


def _stranded(reps: list[User]) -> bool:
    """A lead waits in the held queue while a rep of its pool has room."""
    room = any(n < CAPACITY for n in _open_counts(reps).values())
    return room and Lead.objects.held().exists()


def test_twenty_closes_racing_releases_fill_twenty_slots_with_the_twenty_best_held_leads(
    transactional_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given a pool of 4 reps at capacity 5 with 20 open leads, and 100 leads held behind it
    reps, open_leads = _full_pool()
    agreement = _throttling_agreement()
    held = _hold(agreement, HELD)
    assert Lead.objects.held().count() == HELD
    expected_order = list(Lead.objects.held().values_list("pk", flat=True))
    assert expected_order == [
        lead.pk
        for lead in sorted(
            Lead.objects.filter(pk__in=[lead.pk for lead in held]),
            key=lambda lead: (-lead.score, lead.held_at, lead.pk),
        )
    ]
    assert HELD_ORDER == ("-score", "held_at", "id")
    assert expected_order != [lead.pk for lead in held]  # the order is not creation order
    best_twenty = set(expected_order[:20])
    reason = factories.DisqualificationReasonFactory(code="race-no-budget")
    for lead in open_leads:
        lead.owner = User.objects.get(pk=lead.owner_id)

    # when 20 reps' closes race, each followed by a release of the held queue
    with caplog.at_level(logging.WARNING):
        results = all_at_once(
            [(lambda lead=lead: _close_and_release(lead, reason.pk)) for lead in open_leads]
        )
        errors = [result for result in results if isinstance(result, BaseException)]
        stranded_before_the_sweep = _stranded(reps)
        # and then the sweep's release pass runs
        swept = services.release_held()

    # then no call failed, not even a release run after a close's commit (a failed publish is
    # only logged there: the sweep would re-drive it)
    assert not errors, errors[:3]
    failed_publishes = [r.getMessage() for r in caplog.records if "could not publish" in r.msg]
    assert not failed_publishes, failed_publishes[:3]
    # exactly the 20 best held leads were released, by the racing passes, none left to the sweep
    released = set(
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STATUS, old_value=Lead.Status.HELD, new_value=Lead.Status.READY
        ).values_list("lead_id", flat=True)
    )
    assert len(released) == 20
    assert released == best_twenty, sorted(expected_order.index(pk) for pk in released)
    assert not stranded_before_the_sweep
    assert swept == 0
    # each released lead has one held -> ready event and one owner, with one owner event
    ready_events = Counter(
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STATUS, new_value=Lead.Status.READY, lead_id__in=released
        ).values_list("lead_id", "old_value")
    )
    assert ready_events == Counter({(pk, Lead.Status.HELD.value): 1 for pk in released})
    owner_events = Counter(
        LeadEvent.objects.filter(kind=LeadEvent.Kind.OWNER, lead_id__in=released).values_list(
            "lead_id", flat=True
        )
    )
    assert owner_events == Counter(dict.fromkeys(released, 1))
    rep_ids = {rep.pk for rep in reps}
    for lead in Lead.objects.filter(pk__in=released):
        assert lead.status == Lead.Status.READY
        assert lead.owner_id in rep_ids
        assert lead.sla_state == Lead.SlaState.PENDING
        assert lead.held_at is None
    # 80 still held, in the same order; every rep full again, none over
    assert list(Lead.objects.held().values_list("pk", flat=True)) == expected_order[20:]
    assert _open_counts(reps) == {rep.pk: CAPACITY for rep in reps}
    assert not _stranded(reps)
    assert Lead.objects.filter(pk__in=[lead.pk for lead in open_leads]).filter(
        status=Lead.Status.DISQUALIFIED
    ).count() == len(open_leads)
