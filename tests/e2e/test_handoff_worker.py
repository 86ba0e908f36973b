"""Intake to assignment with real processes: HTTP in, Redis, a prefork Celery worker, PostgreSQL.

Fault tests kill the worker and stop Redis; the database stays the truth and the sweep
(`sweep_sla()`, called directly instead of from beat) is the relay that routes what the
broker lost. Each test reports leads posted, stored, routed, double-routed and times.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.leads.models import OPEN_STATUSES, Lead
from apps.routing import services
from tests.e2e.conftest import (
    Handoff,
    Posted,
    RedisServer,
    Worker,
    assert_routed_exactly_once,
    hand_raiser,
    owner_events_by_lead,
    poll,
    post_intake,
    wait_until_routed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _post_many(url: str, handoff: Handoff, numbers: range, *, threads: int = 16, tag: str = "") -> list[Posted]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda n: post_intake(url, handoff.api_key, hand_raiser(n, tag=tag)), numbers))


def _created_ids(answers: list[Posted]) -> list[int]:
    bad = [(a.email, a.status, a.body) for a in answers if a.status != 201]
    assert not bad, f"intake did not answer 201: {bad[:5]}"
    return [a.body["lead_id"] for a in answers]


def _seconds_to_assign(answers: list[Posted]) -> list[float]:
    assigned = dict(Lead.objects.filter(pk__in=_created_ids(answers)).values_list("pk", "assigned_at"))
    return sorted(assigned[a.body["lead_id"]].timestamp() - a.started for a in answers)


def _report(name: str, **numbers: object) -> None:
    print(f"\n[e2e] {name}: " + ", ".join(f"{k}={v}" for k, v in numbers.items()))


def _open_per_rep(handoff: Handoff) -> dict[int, int]:
    counts = Counter(
        Lead.objects.filter(owner__in=handoff.reps, status__in=OPEN_STATUSES).values_list("owner_id", flat=True)
    )
    return {rep.pk: counts.get(rep.pk, 0) for rep in handoff.reps}


def test_hand_raiser_posted_over_http_is_assigned_by_the_worker(live_server, handoff, celery_worker_proc):
    # given a running worker and an intake source
    # when a hand-raiser posts to the intake API
    answer = post_intake(live_server.url, handoff.api_key, hand_raiser(1))
    # then it is stored as ready and the worker gives it to one rep within 5 seconds
    assert answer.status == 201, answer.body
    assert answer.body["status"] == Lead.Status.READY
    lead_id = answer.body["lead_id"]
    assert wait_until_routed([lead_id], timeout=5), "the worker did not assign the lead within 5 s"
    (lead,) = assert_routed_exactly_once([lead_id])
    assert lead.owner_id in {rep.pk for rep in handoff.reps}
    assert lead.sla_state == Lead.SlaState.PENDING
    _report("single hand-raiser", seconds_to_assign=round(_seconds_to_assign([answer])[0], 3))


def test_hundred_concurrent_hand_raisers_are_each_assigned_once_and_fairly(live_server, handoff, celery_worker_proc):
    # given a worker and four reps of equal weight with room for everyone
    started = time.monotonic()
    # when 100 hand-raisers post at once from 16 threads
    answers = _post_many(live_server.url, handoff, range(100))
    lead_ids = _created_ids(answers)
    # then every one is stored, and routed within a generous bound
    assert len(set(lead_ids)) == 100
    assert wait_until_routed(lead_ids, timeout=60), "not all 100 leads were assigned within 60 s"
    elapsed = time.monotonic() - started
    assert_routed_exactly_once(lead_ids)
    per_rep = _open_per_rep(handoff)
    assert sum(per_rep.values()) == 100
    assert max(per_rep.values()) <= handoff.capacity
    assert max(per_rep.values()) - min(per_rep.values()) <= 1, f"equal weights but unequal shares: {per_rep}"
    waits = _seconds_to_assign(answers)
    _report(
        "100 concurrent hand-raisers", posted=100, stored=len(lead_ids), routed=100, double_routed=0,
        per_rep=sorted(per_rep.values()), p50_s=round(statistics.median(waits), 3), max_s=round(max(waits), 3),
        slowest_post_s=round(max(a.seconds for a in answers), 3), total_s=round(elapsed, 1),
    )


def _post_in_background(url: str, handoff: Handoff, numbers: range, tag: str) -> tuple[threading.Thread, list]:
    answers: list[list[Posted]] = []
    thread = threading.Thread(target=lambda: answers.append(_post_many(url, handoff, numbers, threads=8, tag=tag)))
    thread.start()
    return thread, answers


def _broker_backlog() -> tuple[int, int]:
    """Messages waiting in the default queue, and delivered but unacknowledged (Redis transport)."""
    import redis

    from revenue.celery import app

    broker = redis.Redis.from_url(app.conf.broker_url)
    return int(broker.llen("celery")), int(broker.hlen("unacked"))


def _wait_for_idle(workers: list[Worker], lead_ids: list[int], timeout: float = 20) -> None:
    """Routed, queue drained and no task running: a late duplicate could no longer sneak in."""
    import redis

    from revenue.celery import app

    broker = redis.Redis.from_url(app.conf.broker_url)

    def idle() -> bool:
        if broker.llen("celery"):
            return False
        inspect = app.control.inspect(destination=[w.name for w in workers], timeout=0.5)
        active = inspect.active() or {}
        return not any(tasks for tasks in active.values())

    assert wait_until_routed(lead_ids, timeout=timeout)
    assert poll(idle, timeout=timeout, interval=0.2), "the worker did not go idle"


def test_worker_sigkilled_mid_routing_loses_no_lead_and_routes_none_twice(live_server, handoff, start_worker):
    # given a worker that is routing a burst of 30 hand-raisers
    worker = start_worker()
    thread, answers = _post_in_background(live_server.url, handoff, range(30), tag="k")
    assert poll(lambda: Lead.objects.filter(owner__isnull=False).exists(), timeout=15), worker.tail()
    # when the main process and its pool children are SIGKILLed mid-burst
    worker.kill()
    routed_at_kill = Lead.objects.filter(owner__isnull=False).count()
    thread.join(timeout=60)
    lead_ids = _created_ids(answers[0])
    stored = Lead.objects.filter(pk__in=lead_ids).count()
    queued, unacked = _broker_backlog()
    # and a fresh worker drains the queue while the sweep relays what the dead one held
    fresh = start_worker()
    print("[dbg] after fresh start", _broker_backlog(), Lead.objects.filter(owner__isnull=False).count())
    swept = services.sweep_sla()
    # then every lead is routed exactly once
    _wait_for_idle([fresh], lead_ids)
    assert not swept.errors, swept.errors
    assert_routed_exactly_once(lead_ids)
    assert max(_open_per_rep(handoff).values()) <= handoff.capacity
    _report("worker SIGKILL", posted=30, stored=stored, routed_before_kill=routed_at_kill,
            queued_after_kill=queued, unacked_after_kill=unacked, routed_by_sweep=swept.routed, routed=30, double_routed=0,
            max_seconds_to_assign=round(max(_seconds_to_assign(answers[0])), 2))


def test_pool_child_sigkilled_mid_task_is_redelivered_without_the_sweep(live_server, handoff, start_worker):
    # given a worker routing a burst (reject_on_worker_lost requeues a task whose child dies)
    worker = start_worker()
    thread, answers = _post_in_background(live_server.url, handoff, range(30), tag="c")
    assert poll(lambda: Lead.objects.filter(owner__isnull=False).exists(), timeout=15), worker.tail()
    # when one pool child is SIGKILLed (the main process lives on and forks a new child)
    children = worker.pool_children()
    assert children, "no pool children found"
    import os
    import signal

    os.kill(children[0], signal.SIGKILL)
    thread.join(timeout=60)
    lead_ids = _created_ids(answers[0])
    # then the same worker routes every lead, exactly once, with no sweep
    _wait_for_idle([worker], lead_ids, timeout=30)
    assert worker.proc.poll() is None, "the main process should survive a child's death"
    assert_routed_exactly_once(lead_ids)
    _report("pool child SIGKILL", posted=30, routed=30, double_routed=0,
            worker_lost_logged="WorkerLostError" in worker.tail(200000))


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_intake_answers_quickly_while_redis_is_down_and_the_sweep_routes_afterwards(
    live_server, handoff, throwaway_redis: RedisServer, fault: str, caplog
):
    # given the broker is a private Redis that is stopped (refuses) or frozen (SIGSTOP: accepts, never answers)
    (throwaway_redis.stop if fault == "stopped" else throwaway_redis.freeze)()
    # when 20 hand-raisers post while it is down
    started = time.monotonic()
    answers = _post_many(live_server.url, handoff, range(20), threads=8, tag=fault[0])
    elapsed = time.monotonic() - started
    # then every request still answers 201 in bounded time, and the leads wait, ready, without owner
    slow = [(a.email, round(a.seconds, 2)) for a in answers if a.seconds >= 10]
    assert not slow, f"intake hung on the dead broker: {slow}"
    lead_ids = _created_ids(answers)
    leads = list(Lead.objects.filter(pk__in=lead_ids))
    assert len(leads) == 20
    assert all(lead.status == Lead.Status.READY and lead.owner_id is None for lead in leads)
    assert not any(owner_events_by_lead(lead_ids).values())
    # when Redis comes back and the sweep runs
    if fault == "stopped":
        throwaway_redis.start()
    else:
        throwaway_redis.resume()
    swept = services.sweep_sla()
    # then all 20 are routed exactly once
    assert not swept.errors, swept.errors
    assert swept.routed == 20
    assert_routed_exactly_once(lead_ids)
    _report(f"redis {fault}", posted=20, stored=len(leads), routed=swept.routed, double_routed=0,
            slowest_post_s=round(max(a.seconds for a in answers), 2), burst_s=round(elapsed, 2))


def _unused(_: Callable[..., object]) -> None:  # keep type checkers quiet about fixtures only
    return None
