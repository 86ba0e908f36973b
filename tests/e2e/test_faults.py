"""Fault injection with real processes: the database restarted under a running sweep, a
stampede of claims on the team pool, and a Celery worker SIGKILLed in the middle of a CSV import.

The restart test never touches the machine's shared PostgreSQL: it makes a private cluster
(tests/e2e/pg_cluster.py), runs the app against it in subprocesses and restarts that one.
Each test prints its counts (`-s` shows them).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from apps.core.errors import Conflict
from apps.imports import services as import_services
from apps.imports.models import ImportJob
from apps.imports.services.jobs import STALLED_AFTER
from apps.leads.models import Lead, LeadEvent, Touchpoint
from apps.routing import services
from apps.users.models import Role
from tests import factories
from tests.e2e.conftest import _test_database_url, owner_events_by_lead, poll
from tests.e2e.pg_cluster import PrivateCluster, unavailable_reason

pytestmark = [pytest.mark.postgres]


def _report(name: str, **numbers: object) -> None:
    print(f"\n[fault] {name}: " + ", ".join(f"{k}={v}" for k, v in numbers.items()))


# --- 1. The database restarted while the sweep runs ----------------------------------

READY_LEADS = 300
OVERDUE_LEADS = 200
SWEEP_REPS = 5

# Run with `manage.py shell -c` against the private cluster: committed data made with the
# app's models. Ready leads have no owner and no clock (what intake leaves when the broker
# lost the routing task); overdue leads were routed earlier and their clock ran out 2 minutes
# ago (the settle task was lost). Every lead gets its "created" event, overdue ones also the
# owner and clock-started events routing wrote, so lost or duplicated events show in totals.
SEED = f"""
import json
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from apps.leads.models import Lead, LeadEvent
from apps.users.models import Role
from tests import factories

now = timezone.now()

def person(role, username, **kwargs):
    user = factories.UserFactory(username=username, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user

marketer = person(Role.MARKETING, "fault-mia")
manager = person(Role.SALES_MANAGER, "fault-max")
factories.AgreementFactory(
    version=1, score_threshold=60, hand_raiser_ready=True,
    marketing_signer=marketer, marketing_signed_at=now,
    sales_signer=manager, sales_signed_at=now,
)
factories.SlaPolicyFactory(
    first_response_minutes=5, escalate_after_minutes=10, reassign_after_minutes=30
)
rule = factories.RoutingRuleFactory(name="Everyone", order=1)
reps = [person(Role.SALES, f"fault-rep{{i}}", capacity=5000) for i in range({SWEEP_REPS})]
for rep in reps:
    factories.PoolMemberFactory(rule=rule, rep=rep)

ready = Lead.objects.bulk_create(
    [
        Lead(
            email=f"ready{{i}}@fault.example", first_name="Pat", last_name=f"Ready{{i}}",
            status="ready", ready_at=now - timedelta(minutes=1), ready_reason="hand_raiser",
        )
        for i in range({READY_LEADS})
    ]
)
overdue = Lead.objects.bulk_create(
    [
        Lead(
            email=f"overdue{{i}}@fault.example", first_name="Pat", last_name=f"Overdue{{i}}",
            status="ready", ready_at=now - timedelta(minutes=8), ready_reason="hand_raiser",
            owner=reps[i % len(reps)], assigned_at=now - timedelta(minutes=7),
            assignment_version=1, sla_state="pending", sla_due_at=now - timedelta(minutes=2),
        )
        for i in range({OVERDUE_LEADS})
    ]
)
events = [
    LeadEvent(lead=lead, kind="created", reason="seeded", new_value=lead.email, at=now)
    for lead in ready + overdue
]
for lead in overdue:
    events.append(LeadEvent(
        lead=lead, kind="owner", reason="routing rule: Everyone", new_value=lead.owner.username,
        payload={{"old_owner_id": None, "new_owner_id": lead.owner_id, "assignment_version": 1}},
        at=lead.assigned_at,
    ))
    events.append(LeadEvent(
        lead=lead, kind="sla", reason="clock started", old_value="", new_value="pending",
        payload={{"due_at": lead.sla_due_at.isoformat(), "owner_id": lead.owner_id}},
        at=lead.assigned_at,
    ))
LeadEvent.objects.bulk_create(events, batch_size=1000)
print(json.dumps({{"ready": len(ready), "overdue": len(overdue), "events": len(events)}}))
"""


def _routed_ready(cluster: PrivateCluster) -> int:
    rows = cluster.query(
        "SELECT count(*) FROM leads_lead WHERE email LIKE 'ready%%' AND owner_id IS NOT NULL"
    )
    return int(rows[0][0])


def _outcome(cluster: PrivateCluster) -> dict[str, Any]:
    """Everything the assertions need, read with plain SQL on a fresh connection."""
    leads = {
        pk: (email, owner_id, sla_state, breached_owner_id)
        for pk, email, owner_id, sla_state, breached_owner_id in cluster.query(
            "SELECT id, email, owner_id, sla_state, breached_owner_id FROM leads_lead"
        )
    }
    events = cluster.query(
        "SELECT lead_id, kind, old_value, new_value, payload FROM leads_leadevent ORDER BY id"
    )
    return {"leads": leads, "events": events}


def test_database_restarted_while_the_sweep_runs_loses_and_doubles_nothing(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"private PostgreSQL cluster unavailable: {reason}")
    # given a private PostgreSQL cluster with the schema, reps, a signed agreement, an SLA policy,
    # 300 ready unrouted leads and 200 routed leads whose clock ran out
    started = time.monotonic()
    cluster = PrivateCluster.create()
    request.addfinalizer(cluster.destroy)
    cluster.start()
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    cluster.manage("migrate", "--noinput", var_dir=var_dir)
    seeded = json.loads(
        cluster.manage("shell", "-c", SEED, var_dir=var_dir).strip().splitlines()[-1]
    )
    assert seeded == {
        "ready": READY_LEADS,
        "overdue": OVERDUE_LEADS,
        "events": READY_LEADS + 3 * OVERDUE_LEADS,
    }
    setup_seconds = time.monotonic() - started

    # when the sweep runs and the server is restarted (fast: every connection is terminated)
    # once it has routed some leads, and not all
    sweep_log = tmp_path / "sweep-1.log"
    sweep = cluster.popen_manage("sla_sweep", "--limit", "1000", var_dir=var_dir, log=sweep_log)
    try:
        some = poll(lambda: _routed_ready(cluster) >= 30 or sweep.poll() is not None, timeout=60)
        routed_at_restart = _routed_ready(cluster)
        assert sweep.poll() is None, (
            f"the sweep ended before the restart ({routed_at_restart} routed): "
            f"{sweep_log.read_text()[-2000:]}"
        )
        assert some, "the sweep routed nothing within 60 s"
        assert routed_at_restart < READY_LEADS
        t0 = time.monotonic()
        cluster.restart("fast")
        downtime = time.monotonic() - t0
        sweep_exit = sweep.wait(timeout=120)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait(timeout=10)
    first_output = sweep_log.read_text(errors="replace")
    routed_after_first = _routed_ready(cluster)
    # and the sweep runs again once the server is back (what beat does 30 s later)
    second_output = cluster.manage("sla_sweep", "--limit", "1000", var_dir=var_dir)

    first_errors = int(m.group(1)) if (m := re.search(r"errors (\d+)", first_output)) else None
    # then every lead is still there
    outcome = _outcome(cluster)
    leads: dict[int, tuple[str, int | None, str, int | None]] = outcome["leads"]
    events: list[tuple[int, str, str, str, dict[str, Any]]] = outcome["events"]
    ready_ids = {pk for pk, row in leads.items() if row[0].startswith("ready")}
    overdue_ids = {pk for pk, row in leads.items() if row[0].startswith("overdue")}
    assert (len(leads), len(ready_ids), len(overdue_ids)) == (
        READY_LEADS + OVERDUE_LEADS,
        READY_LEADS,
        OVERDUE_LEADS,
    )
    # and every ready lead has an owner and exactly one owner event, naming that owner
    owner_events: dict[int, list[dict[str, Any]]] = {pk: [] for pk in leads}
    sla_events: dict[int, list[tuple[str, str]]] = {pk: [] for pk in leads}
    created = Counter()
    for lead_id, kind, old, new, payload in events:
        if kind == "owner":
            owner_events[lead_id].append({"new": new, **payload})
        elif kind == "sla":
            sla_events[lead_id].append((old, new))
        elif kind == "created":
            created[lead_id] += 1
    unrouted = sorted(pk for pk in ready_ids if leads[pk][1] is None)
    pooled = sorted(pk for pk in ready_ids if any(e["new"] == "pool" for e in owner_events[pk]))
    double = {pk: evs for pk, evs in owner_events.items() if pk in ready_ids and len(evs) > 1}
    missing = sorted(pk for pk in ready_ids if not owner_events[pk])
    wrong_owner = sorted(
        pk
        for pk in ready_ids
        if len(owner_events[pk]) == 1 and owner_events[pk][0]["new_owner_id"] != leads[pk][1]
    )
    breached = sorted(pk for pk in overdue_ids if leads[pk][2] == "breached")
    breach_events = Counter(
        lead_id
        for lead_id, kind, old, new, _ in events
        if (kind, old, new) == ("sla", "pending", "breached")
    )
    _report(
        "database restarted during the sweep",
        posted=READY_LEADS + OVERDUE_LEADS,
        stored=len(leads),
        routed=READY_LEADS - len(unrouted),
        double_routed=len(double),
        breached=len(breached),
        routed_before_restart=routed_at_restart,
        routed_by_first_sweep=routed_after_first,
        first_sweep_exit=sweep_exit,
        first_sweep_errors=first_errors,
        second_sweep=second_output.strip().splitlines()[-1] if second_output.strip() else "",
        restart_seconds=round(downtime, 2),
        setup_seconds=round(setup_seconds, 1),
        events=len(events),
    )
    assert not unrouted, f"ready leads left without owner: {unrouted[:10]}"
    assert not pooled, f"ready leads parked in the pool although reps had room: {pooled[:10]}"
    assert not double, f"ready leads routed twice: {dict(list(double.items())[:5])}"
    assert not missing, f"routed leads without an owner event: {missing[:10]}"
    assert not wrong_owner, f"owner event names another rep: {wrong_owner[:10]}"
    for pk in ready_ids:
        assert leads[pk][2] == "pending", (pk, leads[pk])
        assert sla_events[pk] == [("", "pending")], (pk, sla_events[pk])
    # and every overdue lead is breached once, on its owner, with one pending->breached event
    assert len(breached) == OVERDUE_LEADS, (
        f"{OVERDUE_LEADS - len(breached)} overdue leads not breached"
    )
    for pk in overdue_ids:
        assert leads[pk][3] == leads[pk][1], f"lead {pk} breached on another owner: {leads[pk]}"
        assert sla_events[pk] == [("", "pending"), ("pending", "breached")], (pk, sla_events[pk])
        assert len(owner_events[pk]) == 1, (pk, owner_events[pk])  # not moved: too early
    assert dict(breach_events) == dict.fromkeys(overdue_ids, 1)
    # and no event was lost or written twice
    assert created == Counter(dict.fromkeys(leads, 1))
    kinds = Counter(kind for _, kind, *_ in events)
    assert kinds["owner"] == READY_LEADS + OVERDUE_LEADS
    assert kinds["sla"] == READY_LEADS + 2 * OVERDUE_LEADS
    assert kinds["created"] == READY_LEADS + OVERDUE_LEADS
    # and the restart really hit the sweep: the server shut down fast, the first pass reported
    # errors (or died), and the second pass, on a healthy server, none
    assert "received fast shutdown request" in cluster.log_tail(200_000)
    assert sweep_exit != 0 or first_errors, first_output[-3000:]
    assert "errors 0" in second_output, second_output[-3000:]


# --- 2. 200 concurrent claims on 50 pool leads ---------------------------------------

POOL_LEADS = 50
CLAIM_REPS = 10
CLAIMS_PER_LEAD = 4
CLAIM_THREADS = 32


def test_two_hundred_concurrent_claims_on_fifty_pool_leads_make_fifty_owners(
    transactional_db: None,
) -> None:
    # given 50 ready leads waiting in the team pool and 10 sales reps with room
    factories.SlaPolicyFactory(first_response_minutes=5)
    sales = Group.objects.get_or_create(name=Role.SALES)[0]
    reps = []
    for i in range(CLAIM_REPS):
        rep = factories.UserFactory(username=f"claim-rep{i}", capacity=1000)
        rep.groups.add(sales)
        reps.append(rep)
    now = timezone.now()
    leads = [
        factories.LeadFactory(status=Lead.Status.READY, ready_at=now, pooled_at=now)
        for _ in range(POOL_LEADS)
    ]
    # and 200 claim attempts, four different reps per lead, in a seeded random order
    rng = random.Random(9_200_50)
    attempts = [(lead.pk, rep) for lead in leads for rep in rng.sample(reps, CLAIMS_PER_LEAD)]
    rng.shuffle(attempts)
    todo: deque[tuple[int, int, Any]] = deque(
        (n, lead_id, rep) for n, (lead_id, rep) in enumerate(attempts)
    )
    results: dict[int, Lead | BaseException] = {}
    barrier = threading.Barrier(CLAIM_THREADS)

    def runner() -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                try:
                    n, lead_id, rep = todo.popleft()
                except IndexError:
                    return
                try:
                    results[n] = services.claim_lead(lead_id=lead_id, rep=rep)
                except BaseException as exc:  # sorted below: Conflict is expected, nothing else
                    results[n] = exc
        finally:
            connection.close()  # each thread opened its own connection

    # when 32 threads, released together, make all 200 claims at once
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLAIM_THREADS) as pool:
        for future in [pool.submit(runner) for _ in range(CLAIM_THREADS)]:
            future.result()
    seconds = time.monotonic() - t0

    # then every attempt answered: one winner per lead, a polite Conflict for the rest
    assert len(results) == len(attempts)
    winners = {n: r for n, r in results.items() if isinstance(r, Lead)}
    conflicts = {n: r for n, r in results.items() if isinstance(r, Conflict)}
    other = {n: r for n, r in results.items() if n not in winners and n not in conflicts}
    won_leads = Counter(attempts[n][0] for n in winners)
    stored = {lead.pk: lead for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads])}
    events = owner_events_by_lead(list(stored))
    _report(
        "200 concurrent claims on 50 pool leads",
        attempts=len(attempts),
        winners=len(winners),
        conflicts=len(conflicts),
        other_errors=len(other),
        leads_owned=sum(1 for lead in stored.values() if lead.owner_id),
        double_claimed=sum(1 for evs in events.values() if len(evs) > 1),
        owner_events=sum(len(evs) for evs in events.values()),
        seconds=round(seconds, 2),
    )
    assert not other, {n: repr(r) for n, r in list(other.items())[:5]}
    assert len(winners) == POOL_LEADS
    assert len(conflicts) == POOL_LEADS * (CLAIMS_PER_LEAD - 1)
    assert won_leads == Counter(dict.fromkeys(stored, 1)), "a lead with no or several winners"
    # and the owners are exactly the winners, each with one owner event and a started clock
    for n, lead in winners.items():
        lead_id, rep = attempts[n]
        assert lead.owner_id == rep.pk
        assert stored[lead_id].owner_id == rep.pk
        assert stored[lead_id].sla_state == Lead.SlaState.PENDING
        assert stored[lead_id].pooled_at is None
        assert [e.payload["new_owner_id"] for e in events[lead_id]] == [rep.pk]
        assert events[lead_id][0].actor_id == rep.pk
    assert (
        LeadEvent.objects.filter(kind=LeadEvent.Kind.SLA, lead_id__in=stored).count() == POOL_LEADS
    )


# --- 3. A Celery worker SIGKILLed in the middle of a CSV import ---------------------------

IMPORT_ROWS = 20_000  # the whole worker killed
CHILD_KILL_ROWS = 6_000  # only the pool children killed
IMPORT_DOMAINS = 25


def _repeats(rows: int) -> int:
    """The last rows repeat the first rows' emails (in capitals): merged, not duplicated."""
    return rows // 40


def _import_csv(path: Path, rows: int) -> list[str]:
    """`rows` rows: new buyers, then a fortieth that repeat the first emails in capitals."""
    unique = rows - _repeats(rows)
    emails = [f"buyer{i}@firm{i % IMPORT_DOMAINS}.example" for i in range(unique)]
    lines = [(email, "Pat", f"Buyer{i}", "Head of Operations") for i, email in enumerate(emails)]
    lines += [(emails[i].upper(), "", "", "VP Operations") for i in range(_repeats(rows))]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "first_name", "last_name", "title"])
        writer.writerows(lines)
    return emails


def _queued_import(path: Path, rows: int) -> ImportJob:
    """A job for the file, marked checked (as `import_leads` does) and queued for a worker."""
    job = import_services.create_import_job(
        actor=None, original_name=path.name, source_path=str(path)
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.CHECKED, checked_rows=rows, check_created=rows
    )
    return import_services.start_import(job_id=job.pk, actor=None)  # publishes after commit


def _rows_done(job_id: int) -> int:
    return ImportJob.objects.filter(pk=job_id).values_list("rows_done", flat=True)[0]


def _kill_mid_import(job_id: int, rows: int, kill: Callable[[], None]) -> int:
    """Wait for the first committed chunk, then kill; returns the rows committed at that point."""
    assert poll(lambda: _rows_done(job_id) > 0, timeout=60, interval=0.02), "import never began"
    kill()
    done = _rows_done(job_id)
    assert 0 < done < rows, f"killed too late: {done} rows already done"
    return done


def _assert_imported_exactly_once(job_id: int, rows: int, emails: list[str]) -> dict[str, int]:
    job = ImportJob.objects.get(pk=job_id)
    leads = Lead.objects.filter(email__endswith=".example", email__startswith="buyer")
    stored = Counter(leads.values_list("email", flat=True))
    metadata = Touchpoint.objects.filter(metadata__import_job=job_id).values_list(
        "metadata", flat=True
    )
    touch_rows = Counter(meta["row"] for meta in metadata)
    counts = {
        "rows": rows,
        "rows_done": job.rows_done,
        "created": job.created_count,
        "merged": job.merged_count,
        "leads": sum(stored.values()),
        "touchpoints": sum(touch_rows.values()),
        "duplicate_touchpoints": sum(1 for n in touch_rows.values() if n > 1),
        "created_events": LeadEvent.objects.filter(kind=LeadEvent.Kind.CREATED).count(),
        "touchpoint_events": LeadEvent.objects.filter(kind=LeadEvent.Kind.TOUCHPOINT).count(),
    }
    assert job.status == ImportJob.Status.DONE, (job.status, job.error)
    assert (job.rows_done, job.created_count, job.merged_count, job.rejected_count) == (
        rows,
        rows - _repeats(rows),
        _repeats(rows),
        0,
    )
    # one lead per email, none missing, none twice
    assert stored == Counter(emails), "leads missing or duplicated"
    # one touchpoint (and one touchpoint event) per data row (lines 2..rows+1)
    assert touch_rows == Counter(range(2, rows + 2)), "touchpoints missing or duplicated"
    assert counts["created_events"] == rows - _repeats(rows)
    assert counts["touchpoint_events"] == rows
    # the repeated rows merged into the first rows' leads (blank cells never overwrite)
    assert Lead.objects.get(email=emails[0]).first_name == "Pat"
    assert Touchpoint.objects.filter(lead__email=emails[0]).count() == 2
    return counts


@pytest.mark.redis
def test_import_survives_its_pool_child_being_sigkilled(start_worker, tmp_path: Path) -> None:
    # given a 6,000-row CSV import running on a real worker
    emails = _import_csv(tmp_path / "leads.csv", CHILD_KILL_ROWS)
    worker = start_worker()
    t0 = time.monotonic()
    job = _queued_import(tmp_path / "leads.csv", CHILD_KILL_ROWS)

    # when the pool children are SIGKILLed once the first chunks are committed (the main
    # process lives: acks_late + reject_on_worker_lost put the message back on the queue)
    def kill_children() -> None:
        for pid in worker.pool_children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    at_kill = _kill_mid_import(job.pk, CHILD_KILL_ROWS, kill_children)
    # then a fresh child takes the redelivered task, resumes after the last committed chunk
    done = poll(
        lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, timeout=90
    )
    assert done, f"import not finished: {ImportJob.objects.get(pk=job.pk)!r}\n{worker.tail()}"
    counts = _assert_imported_exactly_once(job.pk, CHILD_KILL_ROWS, emails)
    _report(
        "worker pool child SIGKILLed mid-import",
        rows_at_kill=at_kill,
        seconds=round(time.monotonic() - t0, 1),
        **counts,
    )


def _worker_killed_mid_import(
    start_worker, tmp_path: Path, rows: int
) -> tuple[ImportJob, list[str], int]:  # type: ignore[no-untyped-def]
    """A `rows`-row import whose whole worker (main process and pool children) was SIGKILLed
    after its first chunks committed, and a fresh worker started: the job still says running
    and nothing will finish it by itself for an hour (Redis redelivers the unacked task only
    after its visibility timeout)."""
    emails = _import_csv(tmp_path / "leads.csv", rows)
    worker = start_worker()
    job = _queued_import(tmp_path / "leads.csv", rows)
    at_kill = _kill_mid_import(job.pk, rows, worker.kill)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
    start_worker()
    return job, emails, at_kill


@pytest.mark.redis
def test_import_survives_its_worker_being_sigkilled_and_is_resumed_from_the_page(
    start_worker, tmp_path: Path
) -> None:
    # given a 20,000-row import whose worker was SIGKILLed mid-way, and a fresh worker
    t0 = time.monotonic()
    job, emails, at_kill = _worker_killed_mid_import(start_worker, tmp_path, IMPORT_ROWS)

    # when "Resume" is pressed at once: a job that moved in the last two minutes may still
    # be running somewhere, so it is left alone rather than run twice
    early = import_services.start_import(job_id=job.pk, actor=None)
    assert early.status == ImportJob.Status.RUNNING
    assert not import_services.is_stalled(early)
    # and pressed again once the job has not moved for two minutes (the page then offers
    # it as stalled): the time is moved, not waited for
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - STALLED_AFTER - timedelta(seconds=1)
    )
    assert import_services.is_stalled(ImportJob.objects.get(pk=job.pk))
    resumed = import_services.start_import(job_id=job.pk, actor=None)

    # then the fresh worker takes it from the last committed chunk to the end, every row once
    assert resumed.status == ImportJob.Status.QUEUED
    done = poll(
        lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, timeout=90
    )
    assert done, f"import not finished: {ImportJob.objects.get(pk=job.pk)!r}"
    counts = _assert_imported_exactly_once(job.pk, IMPORT_ROWS, emails)
    _report(
        "worker SIGKILLed mid-import, resumed from the page once stalled",
        rows_at_kill=at_kill,
        seconds=round(time.monotonic() - t0, 1),
        **counts,
    )


@pytest.mark.redis
def test_import_survives_its_worker_being_sigkilled_and_is_resumed_from_the_command_line(
    start_worker, e2e_redis_url: str, tmp_path: Path
) -> None:
    # given a 6,000-row import whose worker was SIGKILLed mid-way
    job, emails, at_kill = _worker_killed_mid_import(start_worker, tmp_path, CHILD_KILL_ROWS)

    # when an admin resumes it by hand, without waiting for it to count as stalled
    out = subprocess.run(
        [sys.executable, "manage.py", "import_leads", "--resume", str(job.pk)],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": e2e_redis_url,
            "REVENUE_VAR_DIR": str(settings.VAR_DIR),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout

    # then every row is there exactly once and the job is done
    assert "rows" in out
    counts = _assert_imported_exactly_once(job.pk, CHILD_KILL_ROWS, emails)
    _report(
        "worker SIGKILLed mid-import, resumed by import_leads --resume",
        rows_at_kill=at_kill,
        **counts,
    )
