"""Races on PostgreSQL: threads, each on its own connection, released together by a barrier.

Each test would fail if its lock or guard were removed (checked by patching them out once):
the unique index on lower(email) and the savepoint retry in intake, the rep locks in routing,
the lead lock and the guarded UPDATE in claiming, the idempotency record's unique key.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.core.errors import Conflict
from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import OPEN_STATUSES, Lead, LeadEvent, Touchpoint
from apps.routing import services
from apps.users.models import Role
from tests import factories
from tests.e2e.conftest import Handoff, owner_events_by_lead, post_intake
from tests.fixtures.concurrency import all_at_once

pytestmark = [pytest.mark.postgres]


def _ready_leads(n: int) -> list[Lead]:
    return [
        factories.LeadFactory(status=Lead.Status.READY, ready_at=timezone.now()) for _ in range(n)
    ]


def test_fifty_concurrent_intakes_of_one_email_in_any_case_make_one_lead(transactional_db):
    # given one buyer submitting 50 times at once, spelled differently each time
    spellings = [
        " Dana.Buyer@Prospect.example",
        "dana.buyer@prospect.example ",
        "DANA.BUYER@PROSPECT.EXAMPLE",
        "\tdana.Buyer@prospect.EXAMPLE",
        "Dana.buyer@Prospect.Example",
    ]
    calls = [
        (
            lambda i=i: intake_lead(
                data=IntakeData(email=spellings[i % 5], first_name="Dana", metadata={"n": i})
            )
        )
        for i in range(50)
    ]
    # when they all run at the same moment
    results = all_at_once(calls)
    # then there is one lead, created once, with all 50 touchpoints
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert lead.email == "dana.buyer@prospect.example"
    assert Touchpoint.objects.filter(lead=lead).count() == 50
    assert sorted(t.metadata["n"] for t in Touchpoint.objects.all()) == list(range(50))
    assert [r.created for r in results].count(True) == 1
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CREATED).count() == 1


def _routing_setup(*, reps: int, capacity: int) -> list[Any]:
    factories.SlaPolicyFactory(first_response_minutes=5)
    rule = factories.RoutingRuleFactory(name="Everyone", order=1)
    people = []
    for i in range(reps):
        rep = factories.UserFactory(username=f"race-rep{i}", capacity=capacity)
        rep.groups.add(Group.objects.get_or_create(name=Role.SALES)[0])  # claiming needs the role
        factories.PoolMemberFactory(rule=rule, rep=rep)
        people.append(rep)
    return people


def test_twenty_concurrent_routings_never_put_a_rep_over_capacity(transactional_db):
    # given 20 ready leads and three reps with room for 5 each
    reps = _routing_setup(reps=3, capacity=5)
    leads = _ready_leads(20)
    # when all 20 are routed at the same moment
    results = all_at_once([(lambda pk=lead.pk: services.route_lead(lead_id=pk)) for lead in leads])
    # then each rep holds exactly their capacity, each lead has one owner event, the rest wait in the pool
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    per_rep = Counter(
        Lead.objects.filter(status__in=OPEN_STATUSES, owner__isnull=False).values_list(
            "owner_id", flat=True
        )
    )
    assert {rep.pk: per_rep[rep.pk] for rep in reps} == {rep.pk: 5 for rep in reps}
    events = owner_events_by_lead([lead.pk for lead in leads])
    assert all(len(evs) == 1 for evs in events.values()), {pk: len(e) for pk, e in events.items()}
    pooled = Lead.objects.filter(owner__isnull=True)
    assert pooled.count() == 5
    assert all(lead.pooled_at is not None for lead in pooled)
    for lead in Lead.objects.filter(owner__isnull=False):
        assert events[lead.pk][0].payload["new_owner_id"] == lead.owner_id


def test_twenty_concurrent_routings_with_equal_weights_share_within_one(transactional_db):
    # given 20 ready leads and four reps of equal weight with plenty of room
    reps = _routing_setup(reps=4, capacity=100)
    leads = _ready_leads(20)
    # when all 20 are routed at the same moment
    results = all_at_once([(lambda pk=lead.pk: services.route_lead(lead_id=pk)) for lead in leads])
    # then every lead is owned once
    assert not [r for r in results if isinstance(r, BaseException)]
    assert not Lead.objects.filter(owner__isnull=True).exists()
    assert all(len(evs) == 1 for evs in owner_events_by_lead([lead.pk for lead in leads]).values())
    # and the round-robin is fair
    per_rep = Counter(Lead.objects.values_list("owner_id", flat=True))
    shares = sorted(per_rep[rep.pk] for rep in reps)
    assert shares[-1] - shares[0] <= 1, f"round-robin unfair under concurrency: shares {shares}"


def test_two_reps_claiming_one_pool_lead_at_once_one_wins_the_other_gets_conflict(transactional_db):
    # given five pool leads and two reps who both click "claim" on each at the same moment
    reps = _routing_setup(reps=2, capacity=50)
    for lead in _ready_leads(5):
        # when they race
        results = all_at_once(
            [(lambda r=rep, pk=lead.pk: services.claim_lead(lead_id=pk, rep=r)) for rep in reps]
        )
        # then exactly one wins and the other is told politely
        winners = [r for r in results if isinstance(r, Lead)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert len(losers) == 1
        assert isinstance(losers[0], Conflict), repr(losers[0])
        lead.refresh_from_db()
        assert lead.owner_id == winners[0].owner_id
        assert len(owner_events_by_lead([lead.pk])[lead.pk]) == 1


def _payload(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "email": f"idem{n}@prospect.example",
        "first_name": "Ida",
        "company": "Prospect",
        **extra,
    }


def test_same_idempotency_key_and_body_sent_twice_at_once_makes_one_lead(live_server, make_handoff):
    # given an intake source
    handoff: Handoff = make_handoff(reps=1)
    for n in range(8):
        key = f"order-{n}"
        # when the same request, with the same key, is sent twice at the same moment
        answers = all_at_once(
            [
                (
                    lambda n=n, key=key: post_intake(
                        live_server.url, handoff.api_key, _payload(n), idempotency_key=key
                    )
                )
            ]
            * 2
        )
        # then one lead and one touchpoint exist, and the second answer is the replay or a 409
        assert not [a for a in answers if isinstance(a, BaseException)], answers
        statuses = sorted(a.status for a in answers)
        assert statuses in ([201, 201], [201, 409]), [(a.status, a.body) for a in answers]
        first, second = sorted(answers, key=lambda a: a.headers.get("Idempotent-Replayed", ""))
        if statuses == [201, 201]:
            assert second.headers.get("Idempotent-Replayed") == "true"
            assert second.body == first.body
        lead = Lead.objects.get(email=f"idem{n}@prospect.example")
        assert Touchpoint.objects.filter(lead=lead).count() == 1
        # and a retry afterwards replays the stored answer
        again = post_intake(live_server.url, handoff.api_key, _payload(n), idempotency_key=key)
        assert (again.status, again.body) == (201, next(a.body for a in answers if a.status == 201))
    assert Lead.objects.count() == 8
    assert Touchpoint.objects.count() == 8


def test_same_idempotency_key_with_another_body_is_refused_with_422(live_server, make_handoff):
    # given a request that succeeded with a key
    handoff: Handoff = make_handoff(reps=1)
    first = post_intake(live_server.url, handoff.api_key, _payload(1), idempotency_key="k-1")
    assert first.status == 201
    # when the key is reused with a different body, twice at once
    answers = all_at_once(
        [
            (
                lambda: post_intake(
                    live_server.url,
                    handoff.api_key,
                    _payload(1, title="CTO"),
                    idempotency_key="k-1",
                )
            )
        ]
        * 2
    )
    # then both are refused, naming the header, and nothing new is stored
    assert [a.status for a in answers] == [422, 422], [a.body for a in answers]
    assert all("Idempotency-Key" in str(a.body) for a in answers)
    assert Touchpoint.objects.count() == 1
