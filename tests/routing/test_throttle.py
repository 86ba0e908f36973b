"""The throttle: leads ready on score wait in a held queue while their pool is at capacity and
are routed, best first, as soon as a rep has room (issue 20)."""

from datetime import timedelta

import pytest
from django.db import transaction

from apps.leads import events
from apps.leads.models import CohortEntry, Lead, LeadEvent
from apps.routing import services
from apps.scoring.services import mark_ready, ready_reason
from tests import factories
from tests.fixtures.throttle import HELD_AT, score_ready

pytestmark = pytest.mark.django_db

NOW = HELD_AT


def _close_one_of(rep):  # type: ignore[no-untyped-def]
    """The rep's open lead leaves the queue (as a disqualification would), freeing a slot."""
    open_lead = Lead.objects.get(owner=rep, status=Lead.Status.WORKING)
    Lead.objects.filter(pk=open_lead.pk).update(status=Lead.Status.DISQUALIFIED)


def test_a_score_ready_lead_waits_held_when_its_pool_is_full(throttling, full_pool):
    lead = score_ready(throttling)

    assert lead.status == Lead.Status.HELD
    assert lead.owner_id is None
    assert lead.sla_state == Lead.SlaState.NONE
    assert lead.sla_due_at is None
    assert lead.held_at == NOW
    # not yet a sales-ready lead: no ready event, no cohort entry
    assert not LeadEvent.objects.filter(lead=lead, new_value=Lead.Status.READY).exists()
    assert not CohortEntry.objects.filter(lead=lead).exists()
    held = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.STATUS)
    assert (held.old_value, held.new_value) == ("nurture", "held")
    assert held.payload["pool_id"] == full_pool.pk


def test_a_score_ready_lead_is_ready_at_once_when_the_pool_has_room(throttling, pool, policy):
    lead = score_ready(throttling)

    assert lead.status == Lead.Status.READY
    assert lead.held_at is None


def test_without_the_throttle_a_full_pool_still_gets_the_lead_ready(agreement, full_pool):
    lead = score_ready(agreement)

    assert lead.status == Lead.Status.READY


def test_a_hand_raiser_is_never_held(throttling, full_pool):
    lead = factories.LeadFactory(score=70)
    with transaction.atomic():
        mark_ready(
            lead=Lead.objects.select_for_update().get(pk=lead.pk),
            agreement=throttling,
            reason=Lead.ReadyReason.HAND_RAISER,
            actor=None,
            now=NOW,
        )
    lead.refresh_from_db()

    assert lead.status == Lead.Status.READY


def test_a_lead_whose_account_owner_has_room_is_never_held(throttling, full_pool, manager):
    account = factories.AccountFactory(owner=manager)

    lead = score_ready(throttling, account=account)

    assert lead.status == Lead.Status.READY


def test_release_routes_the_best_score_first_then_the_longest_held(
    throttling, full_pool, rep, other_rep
):
    low = score_ready(throttling, score=65, at=NOW)
    best_later = score_ready(throttling, score=90, at=NOW + timedelta(minutes=2))
    best_earlier = score_ready(throttling, score=90, at=NOW + timedelta(minutes=5))
    assert [lead.pk for _, lead in services.held_queue()] == [
        best_later.pk,
        best_earlier.pk,
        low.pk,
    ]

    _close_one_of(rep)
    released = services.release_held(now=NOW + timedelta(hours=1))

    assert released == 1
    best_later.refresh_from_db()
    assert best_later.status == Lead.Status.READY
    assert best_later.owner_id == rep.pk
    assert best_later.ready_at == NOW + timedelta(hours=1)  # ready when released
    assert best_later.sla_state == Lead.SlaState.PENDING  # the clock starts at the release
    assert CohortEntry.objects.filter(lead=best_later).count() == 1
    assert set(Lead.objects.held().values_list("pk", flat=True)) == {best_earlier.pk, low.pk}


def test_a_release_pass_with_no_room_releases_nothing_and_twice_releases_once(
    throttling, full_pool, other_rep
):
    held = score_ready(throttling)
    assert services.release_held(now=NOW) == 0

    _close_one_of(other_rep)
    assert services.release_held(now=NOW) == 1
    assert services.release_held(now=NOW) == 0

    ready_events = LeadEvent.objects.filter(lead=held, new_value=Lead.Status.READY)
    assert ready_events.count() == 1
    assert LeadEvent.objects.filter(lead=held, kind=LeadEvent.Kind.OWNER).count() == 1


def test_at_the_ceiling_the_bottom_of_the_queue_goes_back_to_nurture(throttling, full_pool):
    kept = [score_ready(throttling, score=score) for score in (80, 75, 70)]
    better = score_ready(throttling, score=85)

    assert better.status == Lead.Status.HELD
    bottom = kept[-1]
    bottom.refresh_from_db()
    assert bottom.status == Lead.Status.NURTURE
    assert bottom.held_at is None
    back = LeadEvent.objects.filter(lead=bottom, kind=LeadEvent.Kind.STATUS).latest("pk")
    assert (back.old_value, back.new_value, back.reason) == ("held", "nurture", "held queue full")
    assert Lead.objects.held().count() == 3


def test_at_the_ceiling_a_lead_ranking_last_goes_back_itself(throttling, full_pool):
    for score in (80, 75, 70):
        score_ready(throttling, score=score)

    worst = score_ready(throttling, score=61)

    assert worst.status == Lead.Status.NURTURE
    assert Lead.objects.held().count() == 3


def test_at_the_ceiling_without_recycling_the_lead_goes_to_the_team_pool(throttling, full_pool):
    throttling.recycle_when_full = False
    throttling.save()
    for score in (80, 75, 70):
        score_ready(throttling, score=score)

    beyond = score_ready(throttling, score=95)

    assert beyond.status == Lead.Status.READY
    assert Lead.objects.held().count() == 3


def test_a_lead_held_too_long_goes_back_to_nurture_with_the_reason(throttling, full_pool):
    old = score_ready(throttling, at=NOW - timedelta(hours=25))
    fresh = score_ready(throttling, at=NOW - timedelta(hours=2))

    assert services.expire_held(now=NOW) == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Lead.Status.NURTURE
    assert fresh.status == Lead.Status.HELD
    back = LeadEvent.objects.filter(lead=old, kind=LeadEvent.Kind.STATUS).latest("pk")
    assert back.reason == services.HELD_TOO_LONG
    assert back.payload["held_hours"] == 25.0
    assert old.held_returned_at == NOW
    # the nightly rescore does not hold it again: it needs a newer touch
    assert ready_reason(lead=old, agreement=throttling, hand_raiser=False) == ""


def test_turning_the_throttle_off_releases_every_held_lead_once(throttling, full_pool):
    held = [score_ready(throttling, score=score) for score in (80, 75)]
    throttling.hold_when_full = False
    throttling.save()

    released = services.release_held(now=NOW)

    assert released == 2
    for lead in held:
        lead.refresh_from_db()
        assert lead.status == Lead.Status.READY
        assert lead.owner_id is None  # nobody has room: the team pool
        assert lead.pooled_at == NOW
        assert LeadEvent.objects.filter(lead=lead, new_value=Lead.Status.READY).count() == 1
    assert services.release_held(now=NOW) == 0


def test_the_sweep_expires_and_releases(throttling, full_pool, rep):
    score_ready(throttling, at=NOW - timedelta(hours=30))
    waiting = score_ready(throttling, at=NOW - timedelta(hours=1))
    _close_one_of(rep)

    result = services.sweep_sla(now=NOW)

    assert (result.expired, result.released) == (1, 1)
    waiting.refresh_from_db()
    assert waiting.owner_id == rep.pk


def test_closing_an_open_lead_asks_for_a_release_after_commit(
    throttling, full_pool, rep, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(
        "apps.core.queue.publish", lambda name, *args, eta=None: published.append(name)
    )
    open_lead = Lead.objects.get(owner=rep, status=Lead.Status.WORKING)

    with django_capture_on_commit_callbacks(execute=True):
        events.status_changed_event(
            lead=open_lead, old="working", new="disqualified", actor=rep, reason="test"
        )

    assert published == [services.RELEASE_HELD_TASK]


def test_a_held_lead_that_raises_its_hand_is_ready_at_once(throttling, full_pool):
    lead = score_ready(throttling)
    assert ready_reason(lead=lead, agreement=throttling, hand_raiser=False) == ""

    reason = ready_reason(lead=lead, agreement=throttling, hand_raiser=True)
    with transaction.atomic():
        mark_ready(
            lead=Lead.objects.select_for_update().get(pk=lead.pk),
            agreement=throttling,
            reason=reason,
            actor=None,
            now=NOW + timedelta(minutes=1),
        )
    lead.refresh_from_db()

    assert reason == Lead.ReadyReason.HAND_RAISER
    assert lead.status == Lead.Status.READY
    assert lead.held_at is None
    assert not Lead.objects.held().exists()
