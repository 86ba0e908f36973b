"""`python manage.py bench`: the measured figures, on real parts over loopback.

PostgreSQL, Redis, gunicorn and a real Celery worker; seeds (or reuses) the demo data at the
requested size, then measures intake throughput over HTTP, intake-to-assigned latency through
the worker, page latency and query counts, CSV import speed, and prints EXPLAIN (ANALYZE,
BUFFERS) for the hot queries. Every loop is bounded in count and time and talks only to
127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

TARGETS = {
    "intake_leads_per_s": (">=", 300),
    "assign_p50_ms": ("<=", 150),
    "assign_p99_ms": ("<=", 1000),
    "queue_p95_ms": ("<=", 80),
    "lead_p95_ms": ("<=", 80),
    "account_p95_ms": ("<=", 80),
    "goals_p95_ms": ("<=", 200),
    "goals_queries": ("<=", 25),
    "performance_p95_ms": ("<=", 300),
    "performance_queries": ("<=", 25),
    "import_rows_per_s": (">=", 3000),
    # 50 open rep tabs polling the pulse: answered from the cache, the session and the user
    "live_p95_ms": ("<=", 50),
    "live_db_statements_per_poll": ("<=", 2),
}


@dataclass
class Report:
    figures: dict[str, float | int | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    explains: dict[str, str] = field(default_factory=dict)

    def verdicts(self) -> dict[str, str]:
        out = {}
        for key, (op, target) in TARGETS.items():
            value = self.figures.get(key)
            if value is None:
                out[key] = "not measured"
            else:
                ok = value >= target if op == ">=" else value <= target
                out[key] = f"{'met' if ok else 'MISSED'} (target {op} {target})"
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


@contextmanager
def running_stack(*, workers: int) -> Iterator[int]:
    """gunicorn (sync workers) and a Celery worker, both on this machine, stopped afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        # no mail server on the bench machine: notifications are stored in-app only
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # production serves hashed static files from the manifest: build it first
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
    )
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [
                sys.executable,
                "-m",
                "gunicorn",
                "revenue.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(  # noqa: S603
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
                "--loglevel",
                "WARNING",
            ],
            env=env,
            start_new_session=True,
        ),
    ]
    try:
        _wait_for_port(port, time.monotonic() + 30)
        time.sleep(3)  # let the worker connect to the broker
        yield port
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


class Http:
    """A keep-alive HTTP/1.1 client per thread (stdlib only)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.last_etag: str | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = {**self.headers, **(headers or {}), "Host": "127.0.0.1"}
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        self.last_etag = response.getheader("ETag")
        return response.status, response.read()


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def measure_intake(
    *, port: int, key: str, count: int, concurrency: int, asset: str | None, run: str
) -> dict[str, Any]:
    """POST `count` distinct leads at `concurrency`; throughput and errors."""
    headers = {"Content-Type": "application/json", "X-Api-Key": key}
    per_thread = count // concurrency

    def worker(thread: int) -> tuple[int, list[float]]:
        client = Http(port, headers)
        errors, latencies = 0, []
        for i in range(per_thread):
            body = {
                "email": f"bench-{run}-{thread}-{i}@bench-{thread % 50}.example",
                "first_name": "Bench",
                "title": "Operations Manager",
                "kind": "page_view",
            }
            if asset:
                body["asset"] = asset
            start = time.perf_counter()
            status, _ = client.request("POST", "/api/v1/intake/", json.dumps(body).encode())
            latencies.append((time.perf_counter() - start) * 1000)
            errors += status not in (200, 201)
        return errors, latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(worker, range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies = [v for _, lat in results for v in lat]
    return {
        "requests": per_thread * concurrency,
        "errors": sum(e for e, _ in results),
        "per_s": round(per_thread * concurrency / elapsed, 1),
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
    }


BENCH_SOURCE = "partner"


def ensure_bench_pool() -> None:
    """A routing rule (first in order) for the bench's hand-raisers, with reps who have room, so
    latency is measured on routing itself and not on seeded reps who are at capacity."""
    from django.contrib.auth.models import Group

    from apps.routing.models import PoolMember, RoutingRule

    sales = Group.objects.get_or_create(name="Sales")[0]
    rule, _ = RoutingRule.objects.update_or_create(
        name="Bench hand-raisers", defaults={"order": 0, "sources": BENCH_SOURCE, "is_active": True}
    )
    for i in range(4):
        rep, _ = get_user_model().objects.update_or_create(
            username=f"bench-rep-{i}",
            defaults={"capacity": 1000, "is_available": True, "is_active": True},
        )
        rep.groups.add(sales)
        PoolMember.objects.get_or_create(rule=rule, rep=rep)


def measure_assignment(*, port: int, key: str, asset: str, count: int, run: str) -> dict[str, Any]:
    """Hand-raisers posted one every 50 ms; time from the request to the owner being set."""
    from apps.leads.models import Lead

    client = Http(port, {"Content-Type": "application/json", "X-Api-Key": key})
    sent: dict[str, float] = {}
    for i in range(count):
        email = f"hand-{run}-{i}@handraiser-{i % 20}.example"
        sent[email] = time.time()
        client.request(
            "POST",
            "/api/v1/intake/",
            json.dumps(
                {"email": email, "asset": asset, "first_name": "Hand", "source": BENCH_SOURCE}
            ).encode(),
        )
        time.sleep(0.05)
    deadline = time.monotonic() + 60
    assigned: dict[str, Any] = {}
    while time.monotonic() < deadline and len(assigned) < count:
        rows = Lead.objects.filter(email__in=list(sent), assigned_at__isnull=False).values_list(
            "email", "assigned_at", "created_at"
        )
        assigned = {
            email: (assigned_at - created_at).total_seconds() * 1000
            for email, assigned_at, created_at in rows
        }
        time.sleep(0.2)
    latencies = list(assigned.values())
    return {
        "posted": count,
        "assigned": len(assigned),
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


def _session_cookie(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def measure_page(*, port: int, username: str, path: str, repeat: int) -> dict[str, Any]:
    client = Http(port, {"Cookie": _session_cookie(username)})
    timings, statuses = [], set()
    client.request("GET", path)  # warm-up
    for _ in range(repeat):
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        timings.append((time.perf_counter() - start) * 1000)
        statuses.add(status)
    return {
        "path": path,
        "status": sorted(statuses),
        "p50_ms": _percentile(timings, 50),
        "p95_ms": _percentile(timings, 95),
    }


def count_queries(*, username: str, path: str) -> int:
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


def _db_statements() -> int | None:
    """Transactions the database has run so far (autocommit: one per statement); PostgreSQL
    only. The statistics are flushed about once a second, so callers wait before reading."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_clear_snapshot(), xact_commit + xact_rollback "
            "FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[1])


def measure_live_tabs(
    *, port: int, username: str, tabs: int = 50, rounds: int = 5, every_s: float = 3.0
) -> dict[str, Any]:
    """`tabs` open pages of one rep, each polling the pulse every `every_s` seconds with the
    ETag it holds (as static/js/live.js does) while nothing changes: how fast the answers are,
    how many are 304s, and how many database statements each poll costs on the server."""
    cookie = _session_cookie(username)
    path = f"/sales/pulse/?since={int(time.time()) - 10}"
    first = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = first.getresponse()
    response.read()
    etag = response.getheader("ETag") or ""
    # what the stack does on its own (beat's sweeps, the worker) over as long a window
    time.sleep(1.5)
    idle_from = _db_statements()
    time.sleep(rounds * every_s)
    time.sleep(1.5)
    before = _db_statements()
    idle = None if idle_from is None or before is None else before - idle_from - 1

    def tab(number: int) -> tuple[list[float], list[int]]:
        client = Http(port, {"Cookie": cookie, "If-None-Match": etag})
        timings, statuses = [], []
        # tabs opened at different moments poll at different moments
        time.sleep(every_s * number / tabs)
        for _round in range(rounds):
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            timings.append((time.perf_counter() - started) * 1000)
            statuses.append(status)
            if status == 200 and client.last_etag:
                # a changed page re-fetches and holds the new stamp, as live.js does
                client.headers["If-None-Match"] = client.last_etag
            time.sleep(max(0.0, every_s - (time.perf_counter() - started)))
        return timings, statuses

    with ThreadPoolExecutor(max_workers=tabs) as pool:
        results = list(pool.map(tab, range(tabs)))
    time.sleep(1.5)
    after = _db_statements()
    timings = [t for times, _ in results for t in times]
    statuses = [s for _, codes in results for s in codes]
    polls = len(statuses)
    return {
        "polls": polls,
        "not_modified_share": round(statuses.count(304) / polls, 3),
        "p95_ms": _percentile(timings, 95),
        # less the stack's own statements over an idle window as long, and the bench's reads
        "db_statements_per_poll": None
        if before is None or after is None or idle is None
        else round(max(0, after - before - 1 - idle) / polls, 2),
    }


def measure_import(*, rows: int) -> dict[str, Any]:
    """Time `import_leads` over a generated CSV, if the command exists; peak RSS of the child."""
    from django.core.management import get_commands

    if "import_leads" not in get_commands():
        return {"skipped": "import_leads command not available"}
    path = Path(tempfile.mkdtemp()) / "bench.csv"
    run = uuid.uuid4().hex[:6]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("email,first_name,last_name,title,company,country\n")
        for i in range(rows):
            fh.write(
                f"imp-{run}-{i}@import-{i % 500}.example,Ima,Port{i},Analyst,Import {i % 500},DE\n"
            )
    start = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import resource,sys,django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','revenue.settings');"
            "django.setup();from django.core.management import call_command;"
            f"call_command('import_leads', {str(path)!r});"
            "print('RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    elapsed = time.perf_counter() - start
    rss = next(
        (line.split()[1] for line in result.stderr.splitlines() if line.startswith("RSS_KB")), None
    )
    return {
        "rows": rows,
        "ok": result.returncode == 0,
        "rows_per_s": round(rows / elapsed, 1),
        "peak_rss_mb": round(int(rss) / 1024, 1) if rss else None,
        "error": result.stderr[-500:] if result.returncode else "",
    }


def explain_hot_queries() -> dict[str, str]:
    from apps.leads.models import Lead

    User = get_user_model()  # noqa: N806
    rep = User.objects.filter(groups__name="Sales").order_by("pk").first()
    now = timezone.now()
    queries: dict[str, Callable[[], Any]] = {
        "rep queue": lambda: Lead.objects.open().owned_by(rep).order_by("sla_due_at", "pk")[:25],
        "team pool": lambda: Lead.objects.in_pool().order_by("ready_at", "pk")[:25],
        "sla sweep": lambda: (
            Lead.objects.overdue(now).order_by("sla_due_at").values_list("pk", flat=True)[:500]
        ),
    }
    out = {}
    for name, build in queries.items():
        qs = build()
        out[name] = (
            qs.explain(analyze=True, buffers=True)
            if connection.vendor == "postgresql"
            else qs.explain()
        )
    return out


def vacuum_analyze() -> None:
    """Planner statistics and visibility maps as a live database's autovacuum keeps them: a
    fresh bulk load has neither, so the planner guesses row counts and index-only scans of
    the cohort and queue indexes still visit the table. (VACUUM runs outside a transaction:
    Django's autocommit.)"""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def run_bench(
    *,
    leads: int,
    seed: bool,
    requests: int,
    concurrency: int,
    page_repeat: int,
    workers: int,
    import_rows: int,
    log: Callable[[str], None],
) -> Report:
    from django.core.management import call_command

    from apps.accounts.models import Account
    from apps.campaigns.models import Asset
    from apps.leads.models import Lead, Touchpoint
    from apps.opportunities.models import Opportunity

    report = Report()
    if seed:
        log(f"seeding demo data with {leads} leads (idempotent)…")
        started = time.perf_counter()
        call_command("seed_demo", leads=leads, verbosity=0)
        report.figures["seed_s"] = round(time.perf_counter() - started, 1)
    log("VACUUM (ANALYZE) after the bulk load…")
    started = time.perf_counter()
    vacuum_analyze()
    report.figures["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    report.figures["leads"] = Lead.objects.count()
    report.figures["touchpoints"] = Touchpoint.objects.count()
    report.figures["opportunities"] = Opportunity.objects.count()
    key = "demo-website-key"
    hand_raiser = (
        Asset.objects.filter(hand_raiser=True, is_active=True)
        .values_list("slug", flat=True)
        .first()
    )
    run = uuid.uuid4().hex[:6]
    with running_stack(workers=workers) as port:
        log("intake throughput…")
        intake = measure_intake(
            port=port, key=key, count=requests, concurrency=concurrency, asset=None, run=run
        )
        report.figures.update(
            intake_leads_per_s=intake["per_s"],
            intake_errors=intake["errors"],
            intake_p95_ms=intake["p95_ms"],
        )
        if hand_raiser:
            ensure_bench_pool()
            log("intake to assigned through the worker…")
            assign = measure_assignment(port=port, key=key, asset=hand_raiser, count=100, run=run)
            report.figures.update(
                assign_p50_ms=assign["p50_ms"],
                assign_p99_ms=assign["p99_ms"],
                assigned=assign["assigned"],
            )
        rep = "sam"
        lead_id = (
            Lead.objects.filter(owner__username=rep)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        account_id = (
            Account.objects.order_by("-engagement_score").values_list("pk", flat=True).first()
        )
        pages = {
            "queue": (rep, "/sales/"),
            "lead": (rep, f"/sales/leads/{lead_id}/"),
            "account": (rep, f"/accounts/{account_id}/"),
            "goals": ("rita", "/goals/"),
            "performance": ("mia", "/marketing/performance/"),
        }
        for name, (user, path) in pages.items():
            log(f"page {path}…")
            result = measure_page(port=port, username=user, path=path, repeat=page_repeat)
            if result["status"] != [200]:
                report.notes.append(f"{path} answered {result['status']}")
                continue
            report.figures[f"{name}_p95_ms"] = result["p95_ms"]
            report.figures[f"{name}_queries"] = count_queries(username=user, path=path)
        log("50 open tabs polling the pulse…")
        live = measure_live_tabs(port=port, username=rep)
        report.figures.update(
            live_polls=live["polls"],
            live_not_modified_share=live["not_modified_share"],
            live_p95_ms=live["p95_ms"],
            live_db_statements_per_poll=live["db_statements_per_poll"],
        )
    log("CSV import…")
    imported = measure_import(rows=import_rows)
    if "rows_per_s" in imported:
        report.figures["import_rows_per_s"] = imported["rows_per_s"]
        report.figures["import_peak_rss_mb"] = imported["peak_rss_mb"]
        if not imported["ok"]:
            report.notes.append(f"import failed: {imported['error']}")
    else:
        report.notes.append(imported["skipped"])
    report.explains = explain_hot_queries()
    return report


def as_table(report: Report) -> str:
    verdicts = report.verdicts()
    lines = [f"{'figure':<24} {'value':>12}  verdict", "-" * 60]
    for key, value in report.figures.items():
        lines.append(
            f"{key:<24} {value if value is not None else '—':>12}  {verdicts.get(key, '')}"
        )
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)


def as_json(report: Report) -> str:
    return json.dumps({**asdict(report), "verdicts": report.verdicts()}, indent=2, default=str)
