"""Shared fixtures. Tests that need PostgreSQL, Redis or Chromium are marked and skip with a
reason where those are absent; .ci/run makes them present."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.contrib.auth.models import Group
from django.db import connection

from apps.users.models import Role
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server with Playwright

# Shared worlds more than one app's tests read: an API client per role, the hand-worked
# marketing quarter, and leads held by a rep or waiting in the pool.
pytest_plugins = [
    "tests.fixtures.api",
    "tests.fixtures.marketing",
    "tests.fixtures.leads",
    "tests.fixtures.throttle",
]


def _redis_answers() -> bool:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    host_port = url.split("//", 1)[-1].split("/", 1)[0].split("@")[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    redis_ok = _redis_answers()
    chromium = shutil.which("chromium")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
            )
        if "redis" in item.keywords and not (redis_ok and settings.REDIS_URL):
            item.add_marker(
                pytest.mark.skip(reason="needs REDIS_URL set and a Redis server answering there")
            )
        if "browser" in item.keywords and not chromium:
            item.add_marker(
                pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)")
            )


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):  # type: ignore[no-untyped-def]
    """Test-only settings: fast hashing, outgoing mail kept in memory, tasks not published."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BUSY_FEED_ALLOW_PRIVATE = True  # feeds are served by test servers on 127.0.0.1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # rate limits and throttles start fresh in every test
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def still_rate_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """django-ratelimit (sign-in, the public form) counts in fixed windows whose end is offset
    per key: a test's requests that straddled that second were counted in two windows and never
    reached the limit (CI on bdbb95c, tests/users/test_login.py; on 10062c7, test_signin.py).
    Its clock stands still for a test that counts to a limit (every test in tests/users)."""
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(scope="session", autouse=True)
def _tasks_imported():  # type: ignore[no-untyped-def]
    """Import every app's tasks once, before any test. Celery's Django fix-up runs
    django.setup() the first time the task modules are imported (apps.core.queue does it
    lazily, at a process's first publish), and django.setup() re-applies LOGGING, which drops
    pytest's capture handler from the root logger: a test whose code published the process's
    first task saw no record in `caplog` (tests/routing/test_throttle_races.py asserted on it)."""
    from revenue.celery import app

    app.loader.import_default_modules()


@pytest.fixture(autouse=True)
def _celery_eager():  # type: ignore[no-untyped-def]
    """Tasks published after commit run inline (tests with a real worker switch this off)."""
    from revenue.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def vendor() -> str:
    return connection.vendor


def _user_with(role: str, username: str, **kwargs):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(username=username, **kwargs)
    # get_or_create: transactional tests flush the tables, including the migrated groups
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def rep(db):  # type: ignore[no-untyped-def]
    return _user_with(Role.SALES, "sam", first_name="Sam", last_name="Rep")


@pytest.fixture
def other_rep(db):  # type: ignore[no-untyped-def]
    return _user_with(Role.SALES, "sara", first_name="Sara", last_name="Rep")


@pytest.fixture
def manager(db):  # type: ignore[no-untyped-def]
    return _user_with(Role.SALES_MANAGER, "max", first_name="Max", last_name="Manager")


@pytest.fixture
def marketer(db):  # type: ignore[no-untyped-def]
    return _user_with(Role.MARKETING, "mia", first_name="Mia", last_name="Marketer")


@pytest.fixture
def service_user(db):  # type: ignore[no-untyped-def]
    return _user_with(Role.SERVICE, "sid", first_name="Sid", last_name="Service")


@pytest.fixture
def revops(db):  # type: ignore[no-untyped-def]
    return _user_with(Role.REVOPS, "rita", first_name="Rita", last_name="RevOps", is_staff=True)


@pytest.fixture
def sales_client(client, rep):  # type: ignore[no-untyped-def]
    client.force_login(rep)
    return client


@pytest.fixture
def manager_client(client, manager):  # type: ignore[no-untyped-def]
    client.force_login(manager)
    return client


@pytest.fixture
def marketing_client(client, marketer):  # type: ignore[no-untyped-def]
    client.force_login(marketer)
    return client


@pytest.fixture
def service_client(client, service_user):  # type: ignore[no-untyped-def]
    client.force_login(service_user)
    return client


@pytest.fixture
def revops_client(client, revops):  # type: ignore[no-untyped-def]
    client.force_login(revops)
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    """Playwright drives Debian's Chromium; no browser is downloaded."""
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


# --- The handoff setup: a signed agreement, an SLA policy, a pool of two reps, a demo form ---


@pytest.fixture
def agreement(db, marketer, manager):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    now = timezone.now()
    return factories.AgreementFactory(
        version=1,
        score_threshold=60,
        marketing_signer=marketer,
        marketing_signed_at=now,
        sales_signer=manager,
        sales_signed_at=now,
    )


@pytest.fixture
def policy(db):  # type: ignore[no-untyped-def]
    return factories.SlaPolicyFactory(
        first_response_minutes=5, escalate_after_minutes=10, reassign_after_minutes=30
    )


@pytest.fixture
def pool(db, rep, other_rep):  # type: ignore[no-untyped-def]
    rule = factories.RoutingRuleFactory(name="Everyone", order=1)
    factories.PoolMemberFactory(rule=rule, rep=rep)
    factories.PoolMemberFactory(rule=rule, rep=other_rep)
    return rule


@pytest.fixture
def demo_asset(db):  # type: ignore[no-untyped-def]
    return factories.AssetFactory(
        slug="demo-request",
        name="Book a demo",
        kind="demo_request",
        hand_raiser=True,
        is_public_form=True,
        engagement_weight=20,
    )


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    """A Slack-compatible webhook receiver on 127.0.0.1 that records what it is sent."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
