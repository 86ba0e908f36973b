"""Real processes for end-to-end and fault tests: a Celery worker, Redis, PostgreSQL.

The worker is another process, so every test here uses committed data (`transactional_db`
or `live_server`). The test process and the worker share a dedicated Redis database
(E2E_REDIS_DB, default 9, flushed before each worker starts) so no other run's messages are
picked up; a fault test that stops Redis gets its own throwaway `redis-server` instead of
touching the machine's shared one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.intake.models import IntakeSource
from apps.leads.models import Lead, LeadEvent
from apps.users.models import Role
from tests import factories

BASE_DIR = Path(settings.BASE_DIR)
E2E_REDIS_DB = int(os.environ.get("E2E_REDIS_DB", "9"))


def poll(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.05) -> Any:
    """Call `predicate` until it returns something truthy or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --- Celery in the test process ----------------------------------------------------


def use_broker(url: str) -> None:
    """Point the test process's Celery app at `url`, dropping pooled connections to the old one.

    settings fixes the broker at import from REDIS_URL; publishing goes through app.pool, which
    is created lazily and then cached, so both must be reset.
    """
    from kombu import pools

    from revenue.celery import app

    app.conf.broker_url = url
    pools.reset()  # kombu keeps pools in a process-wide registry keyed by connection URL
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_not_eager() -> Iterator[None]:
    """Publish to the broker for real (the autouse `_celery_eager` restores the flag after)."""
    from revenue.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = False


def _redis_host_port() -> tuple[str, int]:
    parts = urlsplit(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    return parts.hostname or "127.0.0.1", parts.port or 6379


@pytest.fixture
def e2e_redis_url(celery_not_eager: None) -> Iterator[str]:
    """The machine's Redis, database E2E_REDIS_DB, flushed; the test process publishes there."""
    import redis

    from revenue.celery import app

    host, port = _redis_host_port()
    url = f"redis://{host}:{port}/{E2E_REDIS_DB}"
    redis.Redis.from_url(url).flushdb()
    before = app.conf.broker_url
    use_broker(url)
    yield url
    use_broker(before)


@dataclass
class RedisServer:
    """A throwaway redis-server on its own port that a test may stop, freeze and restart."""

    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not poll(self.answers, timeout=10):
            raise RuntimeError(
                f"redis-server on port {self.port} did not start: {self.log.read_text()[-2000:]}"
            )

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.3) as s:
                s.settimeout(0.3)
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Shut it down (no save): connections are refused until start()."""
        if self.proc is not None and self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections, but nothing ever answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def throwaway_redis(tmp_path: Path, celery_not_eager: None) -> Iterator[RedisServer]:
    """A private redis-server; the test process's broker points at it for the test."""
    from revenue.celery import app

    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH")
    server = RedisServer(port=_free_port(), log=tmp_path / "redis.log")
    server.start()
    before = app.conf.broker_url
    use_broker(server.url)
    yield server
    server.stop()
    use_broker(before)


# --- The worker process -------------------------------------------------------------


def _test_database_url() -> str:
    from django.db import connection

    conf = connection.settings_dict
    auth = quote(conf["USER"] or "", safe="")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"], safe="")
    host = conf["HOST"] or "127.0.0.1"
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(conf['NAME'], safe='')}"


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    name: str
    log: Path

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the main process and its pool children (one process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """End of test. SIGKILL too: what it held dies with the flushed Redis database, and a
        warm shutdown would only cost seconds per test."""
        self.kill()

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


@pytest.fixture
def start_worker(
    transactional_db: None, e2e_redis_url: str, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start real `celery worker` processes (prefork, 2 children) on the e2e Redis database."""
    from revenue.celery import app

    workers: list[Worker] = []

    def start(*, broker_url: str | None = None) -> Worker:
        url = broker_url or e2e_redis_url
        name = f"e2e-{uuid.uuid4().hex[:8]}@%h"
        log = tmp_path / f"worker-{len(workers)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "revenue.settings",
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": url,
            "REVENUE_VAR_DIR": str(settings.VAR_DIR),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "revenue",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "-l",
                "info",
                "-n",
                name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(proc=proc, name=name.replace("%h", socket.gethostname()), log=log)
        workers.append(worker)
        ready = poll(
            lambda: proc.poll() is not None or " ready." in worker.tail(20000),
            timeout=30,
            interval=0.1,
        )
        if not ready or proc.poll() is not None:
            worker.stop()
            raise RuntimeError(f"worker did not start:\n{worker.tail()}")
        if url == app.conf.broker_url:  # the control channel answers once the consumer is up
            poll(lambda: app.control.ping(destination=[worker.name], timeout=0.5), timeout=10)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker_proc(start_worker: Callable[..., Worker]) -> subprocess.Popen[bytes]:
    """One running worker; the test gets its Popen (use start_worker for more control)."""
    return start_worker().proc


# --- Committed data: an intake source and a routing setup ---------------------------


@dataclass
class Handoff:
    """Everything intake-to-assignment needs, committed so a worker process can see it."""

    api_key: str
    source: IntakeSource
    reps: list[Any]
    rule: Any
    asset: Any
    capacity: int


def _user_with(role: str, username: str, **kwargs: Any) -> Any:
    user = factories.UserFactory(username=username, **kwargs)
    # get_or_create: the flush after each transactional test empties the data-migration groups
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def make_handoff(transactional_db: None) -> Callable[..., Handoff]:
    def make(*, reps: int = 4, capacity: int = 200, weight: int = 1) -> Handoff:
        marketer = _user_with(Role.MARKETING, "e2e-mia")
        manager = _user_with(Role.SALES_MANAGER, "e2e-max")
        now = timezone.now()
        factories.AgreementFactory(
            version=1,
            score_threshold=60,
            hand_raiser_ready=True,
            marketing_signer=marketer,
            marketing_signed_at=now,
            sales_signer=manager,
            sales_signed_at=now,
        )
        factories.SlaPolicyFactory(
            first_response_minutes=5, escalate_after_minutes=10, reassign_after_minutes=30
        )
        rule = factories.RoutingRuleFactory(name="Everyone", order=1)
        people = []
        for i in range(reps):
            rep = _user_with(Role.SALES, f"e2e-rep{i}", capacity=capacity, routing_weight=weight)
            factories.PoolMemberFactory(rule=rule, rep=rep)
            people.append(rep)
        asset = factories.AssetFactory(
            slug="demo-request",
            name="Book a demo",
            kind="demo_request",
            hand_raiser=True,
            is_public_form=True,
            engagement_weight=20,
        )
        key = "rdk_" + secrets.token_urlsafe(24)
        source = IntakeSource.objects.create(
            name="E2E website",
            slug="e2e-website",
            key_prefix=key[:8],
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
        )
        return Handoff(
            api_key=key, source=source, reps=people, rule=rule, asset=asset, capacity=capacity
        )

    return make


@pytest.fixture
def handoff(make_handoff: Callable[..., Handoff]) -> Handoff:
    return make_handoff()


# --- HTTP and checks ----------------------------------------------------------------


@dataclass
class Posted:
    email: str
    status: int
    body: dict[str, Any]
    started: float  # time.time() just before sending
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)


def post_intake(
    base_url: str,
    api_key: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    timeout: float = 30,
) -> Posted:
    headers = {"Content-Type": "application/json", "X-Api-Key": api_key}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(
        f"{base_url}/api/v1/intake/",
        data=json.dumps(payload).encode(),
        headers=headers,
        method="POST",
    )
    started, t0 = time.time(), time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), dict(error.headers)
    seconds = time.monotonic() - t0
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {"raw": raw.decode(errors="replace")[:500]}
    return Posted(
        email=str(payload.get("email")),
        status=status,
        body=body,
        started=started,
        seconds=seconds,
        headers=got,
    )


def hand_raiser(n: int, *, tag: str = "") -> dict[str, Any]:
    return {
        "email": f"buyer{n}{tag}@prospect{n}.example",
        "first_name": "Pat",
        "last_name": f"Buyer{n}",
        "title": "Head of Operations",
        "company": f"Prospect {n}",
        "asset": "demo-request",
        "kind": "form_submit",
    }


def owner_events_by_lead(lead_ids: list[int]) -> dict[int, list[LeadEvent]]:
    found: dict[int, list[LeadEvent]] = {pk: [] for pk in lead_ids}
    for event in LeadEvent.objects.filter(lead_id__in=lead_ids, kind=LeadEvent.Kind.OWNER).order_by(
        "pk"
    ):
        found[event.lead_id].append(event)
    return found


def assert_routed_exactly_once(lead_ids: list[int]) -> list[Lead]:
    """Every lead has an owner and exactly one owner event, naming that owner."""
    leads = list(Lead.objects.filter(pk__in=lead_ids).order_by("pk"))
    assert len(leads) == len(set(lead_ids))
    unrouted = [lead.pk for lead in leads if lead.owner_id is None]
    assert not unrouted, f"leads without owner: {unrouted}"
    events = owner_events_by_lead(lead_ids)
    double = {pk: [e.payload for e in evs] for pk, evs in events.items() if len(evs) != 1}
    assert not double, f"leads without exactly one owner event: {double}"
    for lead in leads:
        assert events[lead.pk][0].payload["new_owner_id"] == lead.owner_id
    return leads


def wait_until_routed(lead_ids: list[int], *, timeout: float) -> bool:
    return bool(
        poll(
            lambda: not Lead.objects.filter(pk__in=lead_ids, owner__isnull=True).exists(),
            timeout=timeout,
            interval=0.1,
        )
    )
