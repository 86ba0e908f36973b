"""`python manage.py bench`: the measured figures, on real parts over loopback.

PostgreSQL, Redis, gunicorn and a real Celery worker. For each data size (`--sizes`, default
just `--leads`) the bench gets a database of its own (`database_for_size`), migrates it, seeds
(or reuses) the demo data, and measures page latency (p50, p95) and query counts there, so a
page that grows with the data shows it side by side. At the largest size it also measures
intake throughput over HTTP, intake-to-assigned latency through the worker, 50 polling tabs,
CSV import speed, prints EXPLAIN (ANALYZE, BUFFERS) of the queue page's own queries and, with
`--compare`, times another server's lead list and lead page interleaved with ours.

Each size runs in a child `manage.py bench` process started with that size's DATABASE_URL, so
everything in it (Django's connection, the sessions it signs in with, the query counts, the
explains, gunicorn, the worker and the import it starts) reads one database and only that.
Every loop is bounded in count and time and talks only to 127.0.0.1 (and to the `--compare`
server, when one is given).
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from celery import current_app as celery_app
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import connection
from django.utils import timezone
from kombu.exceptions import ChannelError

# Figure names: `<figure>` once per run, or `<figure>@<size>` (`queue_p95_ms@10k`) for the
# figures measured at every size. A target holds at every size it is measured at.
TARGETS = {
    "intake_leads_per_s": (">=", 300),
    "assign_p50_ms": ("<=", 150),
    "assign_p99_ms": ("<=", 1000),
    # issue 17: every rep page flat from 10k to 100k leads
    "queue_p95_ms": ("<=", 50),
    "queue_queries": ("<=", 10),
    "today_p95_ms": ("<=", 50),
    "lead_p95_ms": ("<=", 50),
    "account_p95_ms": ("<=", 80),
    "goals_p95_ms": ("<=", 200),
    "goals_queries": ("<=", 25),
    "performance_p95_ms": ("<=", 300),
    "performance_queries": ("<=", 25),
    "import_rows_per_s": (">=", 5000),
    # 50 open rep tabs polling the pulse: answered from the cache, the session and the user
    "live_p95_ms": ("<=", 50),
    "live_db_statements_per_poll": ("<=", 2),
}
PAGES = ("queue", "today", "lead", "account", "pipeline", "goals", "performance")
PER_SIZE = (
    "leads",
    "touchpoints",
    "opportunities",
    "seed_s",
    "vacuum_analyze_s",
    *(f"{page}_{stat}" for page in PAGES for stat in ("p50_ms", "p95_ms", "queries")),
)
COMPARED = ("list", "lead")
COMPARE_STATS = ("ours_p50_ms", "ours_p95_ms", "theirs_p50_ms", "theirs_p95_ms")
COMPARE_RATIOS = ("p50_ratio", "p95_ratio")
POSTGRES_NAME_MAX = 63  # bytes in an identifier
MAX_SIZE = 10_000_000  # leads the bench will seed (and wait for) at one size


def size_label(size: int) -> str:
    """10000 -> "10k", 1000000 -> "1m", 300 -> "300": the suffix of a size's figures and database."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def parse_sizes(text: str) -> list[int]:
    """Parse `--sizes`: "10000,100k" -> [10000, 100000], distinct, ascending, each from 1 to
    MAX_SIZE."""
    sizes = set()
    for part in text.split(","):
        word = part.strip().lower()
        if not word:
            continue
        factor = {"k": 1000, "m": 1_000_000}.get(word[-1], 1)
        digits = word[:-1] if factor > 1 else word
        if not (digits.isascii() and digits.isdigit()) or int(digits) * factor < 1:
            raise ValueError(f"not a number of leads: {part.strip()!r}")
        if int(digits) * factor > MAX_SIZE:
            raise ValueError(f"{part.strip()} leads: the bench seeds at most {MAX_SIZE:,}")
        sizes.add(int(digits) * factor)
    if not sizes:
        raise ValueError("no sizes given")
    return sorted(sizes)


def sized(figure: str, size: int) -> str:
    return f"{figure}@{size_label(size)}"


def database_for_size(configured: str, size: int, sizes: Sequence[int]) -> str:
    """The database a size is measured in: the configured one for the largest size (so
    `bench --leads N` keeps using the database it always used), `<configured>_<size>` for
    every smaller one (`revenue_bench_10k`)."""
    if size == max(sizes):
        return configured
    name = f"{configured}_{size_label(size)}"
    if len(name.encode()) > POSTGRES_NAME_MAX:
        raise ValueError(f"database name {name!r} is longer than PostgreSQL allows")
    return name


def with_database(url: str, name: str) -> str:
    """`url` (a DATABASE_URL) naming database `name` instead; everything else kept."""
    return urlsplit(url)._replace(path="/" + quote(name, safe="")).geturl()


def database_of(url: str) -> str:
    """The database name a DATABASE_URL names."""
    return unquote(urlsplit(url).path.removeprefix("/"))


@dataclass
class Report:
    sizes: list[int] = field(default_factory=list)
    figures: dict[str, float | int | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    explains: dict[str, str] = field(default_factory=dict)

    def verdicts(self) -> dict[str, str]:
        """Each target against its figure, at every size for the per-size figures."""
        out = {}
        for key, (op, target) in TARGETS.items():
            names = [sized(key, s) for s in self.sizes] if key in PER_SIZE else [key]
            for name in names:
                value = self.figures.get(name)
                if value is None:
                    out[name] = "not measured"
                else:
                    ok = value >= target if op == ">=" else value <= target
                    out[name] = f"{'met' if ok else 'MISSED'} (target {op} {target})"
        # intake's rate counts only with every request accepted (a refused one is fast)
        errors = self.figures.get("intake_errors")
        if errors and "intake_leads_per_s" in out:
            out["intake_leads_per_s"] = f"MISSED ({errors} errors; target 0 errors)"
        return out

    def merge(self, part: Report) -> None:
        """Add one size's report (from its child process) to the whole run's."""
        label = ", ".join(size_label(s) for s in part.sizes)
        self.figures.update(part.figures)
        self.notes.extend(f"@{label}: {note}" for note in part.notes)
        self.explains.update(part.explains)


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


def current_database_url() -> str:
    """DATABASE_URL of the database this process is connected to, for the processes it
    starts; refuses if the environment and Django's connection disagree."""
    url = os.environ.get("DATABASE_URL", "")
    if database_of(url) != connection.settings_dict["NAME"]:
        raise RuntimeError(
            f"DATABASE_URL names {database_of(url)!r} but Django is connected to "
            f"{connection.settings_dict['NAME']!r}"
        )
    return url


def _queued(queue: str) -> int:
    """Tasks waiting in the broker's `queue` (0 while nobody has declared it yet)."""
    with celery_app.connection_for_read() as conn:
        try:
            return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:
            return 0


def _wait_for_idle_worker(deadline: float) -> bool:
    """Wait until the Celery worker answers a ping, runs no task and none waits in its queue
    (True), or the deadline passes (False). A worker still booting, or working off what the
    seed queued, takes the CPU the pages are timed with."""
    queue = celery_app.conf.task_default_queue
    while time.monotonic() < deadline:
        if celery_app.control.ping(timeout=1.0):
            inspect = celery_app.control.inspect(timeout=1.0)
            running = [*((inspect.active() or {}).values()), *((inspect.reserved() or {}).values())]
            if not any(running) and not _queued(queue):
                return True
        time.sleep(0.5)
    return False


@contextmanager
def running_stack(
    *, workers: int, threads: int, database_url: str, log: Callable[[str], None]
) -> Iterator[int]:
    """gunicorn (`workers` processes of `threads` threads: sync workers with 1, gthread with
    more) and a Celery worker on `database_url`, both on this machine,
    stopped afterwards; yielded once the worker has booted and worked off what was queued."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        # no mail server on the bench machine: notifications are stored in-app only
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # the intake key's hourly quota (20,000 by default) still counts every request, but
        # must not refuse a second or third run within the hour (3,300 intakes each)
        "API_THROTTLE_INTAKE": "1000000/hour",
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
                "--threads",
                str(threads),
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
        if not _wait_for_idle_worker(time.monotonic() + 120):
            log("the Celery worker was still busy after 2 minutes; measuring anyway")
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
    """A keep-alive HTTP/1.1 client per thread (stdlib only), to our server on 127.0.0.1 or,
    for `--compare`, to the server at a URL (`Http.to`)."""

    def __init__(
        self,
        port: int,
        headers: dict[str, str] | None = None,
        *,
        host: str = "127.0.0.1",
        tls: bool = False,
        host_header: str | None = None,
        prefix: str = "",
    ) -> None:
        self.port = port
        self.host = host
        self.tls = tls
        self.host_header = host_header or host
        self.prefix = prefix
        self.headers = headers or {}
        self.conn = self._connect()
        self.last_etag: str | None = None

    @classmethod
    def to(cls, url: str, headers: dict[str, str] | None = None) -> Http:
        """A client for the server at `url` (http or https); its path is prefixed to every request."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        tls = parts.scheme == "https"
        return cls(
            parts.port or (443 if tls else 80),
            headers,
            host=parts.hostname,
            tls=tls,
            host_header=parts.netloc.rpartition("@")[2],
            prefix=parts.path.rstrip("/"),
        )

    def _connect(self) -> http.client.HTTPConnection:
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, timeout=30)
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = {**self.headers, **(headers or {}), "Host": self.host_header}
        path = self.prefix + path
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = self._connect()
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
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def measure_page(
    *, port: int, username: str, path: str, repeat: int, warmup: int = 1
) -> dict[str, Any]:
    """p50 and p95 of `repeat` GETs after `warmup` untimed ones: as many as reach every
    gunicorn worker, so a worker's first render of the page (its template compiled, its
    connection opened) is not timed as if a user waited for it on a running server."""
    client = Http(port, {"Cookie": _session_cookie(username)})
    timings, statuses = [], set()
    for _ in range(warmup):
        client.request("GET", path)
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


def measure_interleaved(
    endpoints: Sequence[tuple[Http, str]], *, repeat: int
) -> list[dict[str, Any]]:
    """`repeat` GETs of each (client, path), taking turns: one to the first, one to the
    second, and so on, round after round, so a slow spell on the machine falls on all of them
    alike. One warm-up GET each (in the same order) first."""
    for client, path in endpoints:
        client.request("GET", path)
    timings: list[list[float]] = [[] for _ in endpoints]
    statuses: list[set[int]] = [set() for _ in endpoints]
    for _ in range(repeat):
        for i, (client, path) in enumerate(endpoints):
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            timings[i].append((time.perf_counter() - start) * 1000)
            statuses[i].add(status)
    return [
        {
            "path": path,
            "status": sorted(statuses[i]),
            "p50_ms": _percentile(timings[i], 50),
            "p95_ms": _percentile(timings[i], 95),
        }
        for i, (_, path) in enumerate(endpoints)
    ]


@dataclass(frozen=True)
class CompareTarget:
    """Another server to time against ours (`--compare`): its base URL, a signed-in session
    cookie there, and its lead list and lead page paths (None: the same paths as ours)."""

    url: str
    cookie: str = ""
    list_path: str = "/sales/"
    lead_path: str | None = None


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 2) if ours is not None and theirs else None


def compare_pages(
    *, ours: Http, target: CompareTarget, our_paths: dict[str, str], repeat: int
) -> tuple[dict[str, float | None], list[str]]:
    """Our lead list and lead page against the other server's, interleaved request by
    request: p50/p95 of each side and ours ÷ theirs (below 1: ours is faster)."""
    theirs = Http.to(target.url, {"Cookie": target.cookie} if target.cookie else None)
    their_paths = {"list": target.list_path, "lead": target.lead_path or our_paths["lead"]}
    figures: dict[str, float | None] = {}
    notes = []
    for page in COMPARED:
        our, their = measure_interleaved(
            [(ours, our_paths[page]), (theirs, their_paths[page])], repeat=repeat
        )
        for side, result in (("ours", our), ("theirs", their)):
            if result["status"] != [200]:
                where = "ours" if side == "ours" else target.url
                notes.append(f"compare: {where} {result['path']} answered {result['status']}")
            figures[f"compare_{page}_{side}_p50_ms"] = result["p50_ms"]
            figures[f"compare_{page}_{side}_p95_ms"] = result["p95_ms"]
        figures[f"compare_{page}_p50_ratio"] = _ratio(our["p50_ms"], their["p50_ms"])
        figures[f"compare_{page}_p95_ratio"] = _ratio(our["p95_ms"], their["p95_ms"])
    return figures, notes


def count_queries(*, username: str, path: str) -> int:
    return len(page_statements(username=username, path=path))


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
    # what the stack does on its own (beat's sweeps, the worker) over as long a window
    time.sleep(1.5)
    idle_from = _db_statements()
    time.sleep(rounds * every_s)
    time.sleep(1.5)
    idle_to = _db_statements()
    idle = None if idle_from is None or idle_to is None else idle_to - idle_from - 1
    # the stamp the open pages hold, read after that window: read before it, a change the
    # stack made meanwhile made every tab's first poll a 200 (a fifth of the polls, counted as
    # unchanged ones)
    first = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = first.getresponse()
    response.read()
    etag = response.getheader("ETag") or ""
    time.sleep(1.5)
    before = _db_statements()

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


def peak_rss_kb() -> int:
    """This process's own peak resident memory in kB: Linux's VmHWM, the peak of the memory
    image the process runs now. getrusage's ru_maxrss, the fallback elsewhere, also keeps the
    peak of the image exec replaced, which for a forked child is its parent's: the import,
    started by a bench process that had just seeded 100k leads in itself, read 181 MB that way
    against its own 111 MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_import(*, rows: int, database_url: str) -> dict[str, Any]:
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
            "import sys,django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','revenue.settings');"
            "django.setup();from django.core.management import call_command;"
            "from apps.bench.bench import peak_rss_kb;"
            f"call_command('import_leads', {str(path)!r});"
            "print('RSS_KB', peak_rss_kb(), file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        env={**os.environ, "DATABASE_URL": database_url},
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


Statement = tuple[str, Any]  # (sql, params) as Django handed them to the database driver


@contextmanager
def recording_statements() -> Iterator[list[Statement]]:
    """Every statement this thread's connection runs, with its parameters (not the display
    copy CaptureQueriesContext keeps, which has the values pasted in); an executemany counts
    once, as CaptureQueriesContext counts it."""
    statements: list[Statement] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def page_statements(*, username: str, path: str) -> list[Statement]:
    """The statements a signed-in GET of `path` runs (after a warm-up GET)."""
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.get(path)
    with recording_statements() as statements:
        client.get(path)
    return statements


def queue_statement_name(sql: str) -> str | None:
    """What a statement of the queue page does, if it reads the leads table: the rep's list (in
    queue order), the rep's counts (one aggregate with FILTERs), the pool's list or count, or
    another count (the navigation's)."""
    if 'FROM "leads_lead"' not in sql:
        return None
    order = sql.rpartition("ORDER BY")[2] if "ORDER BY" in sql else ""
    if "queue_bucket" in order:
        return "queue list"
    if "ready_at" in order:
        return "pool list"
    if "COUNT(" not in sql:
        return "leads query"
    if "FILTER" in sql:
        return "queue counts"
    return "pool count" if '"owner_id" IS NULL' in sql else "other count"


def explain_statement(sql: str, params: Any) -> str:
    """The plan of one statement exactly as the page ran it, parameters and all."""
    analyze = connection.vendor == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def explain_hot_queries(*, rep: str = "sam") -> dict[str, str]:
    """EXPLAIN of the statements `/sales/` runs on the leads table for `rep` (the page's own
    SQL, not a hand-written stand-in), and of the SLA sweep's query."""
    from apps.leads.models import Lead

    out = {}
    for sql, params in page_statements(username=rep, path="/sales/"):
        name = queue_statement_name(sql)
        if name is None:
            continue
        label, n = f"/sales/ {name}", 2
        while label in out:
            label, n = f"/sales/ {name} {n}", n + 1
        out[label] = explain_statement(sql, params)
    sweep = Lead.objects.overdue(timezone.now()).order_by("sla_due_at").values_list("pk", flat=True)
    out["sla sweep"] = (
        sweep[:500].explain(analyze=True, buffers=True)
        if connection.vendor == "postgresql"
        else sweep[:500].explain()
    )
    return out


def vacuum_analyze() -> None:
    """Planner statistics and visibility maps as a live database's autovacuum keeps them: a
    fresh bulk load has neither, so the planner guesses row counts and index-only scans of
    the cohort and queue indexes still visit the table. (VACUUM runs outside a transaction:
    Django's autocommit.)"""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def open_transactions(*, older_than: float = 5.0) -> dict[int, str]:
    """Transactions open on the server for more than `older_than` seconds, in any database,
    other than this connection's: pid -> what it is. A snapshot's horizon counts every running
    transaction on the server, so while one stays open no row version anything updates after it
    began can be pruned or vacuumed in any database, and the figures that update the same rows
    again and again (intake, the import's counters) read slow: with a paused `seed_demo` open in
    another database, a 100k-row import spent 12-15 s of its 29-31 s in the accounts' weekly
    touch counters, against under 0.7 s with nothing open. Only transactions holding an id or a
    snapshot count (an idle session between statements holds neither)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        # the activity view is read once per transaction unless its snapshot is dropped
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid, datname, state, extract(epoch FROM clock_timestamp() - xact_start) "
            "FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND xact_start < clock_timestamp() - make_interval(secs => %s) "
            "AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) ORDER BY xact_start",
            [older_than],
        )
        rows = cursor.fetchall()
    return {
        pid: (
            f"a transaction open {float(age):.0f} s in database {database} (pid {pid}, {state}) "
            "held back row cleanup on the whole server: intake and import figures read slow"
        )
        for pid, database, state, age in rows
    }


def _warn_of_open_transactions(held: dict[int, str], log: Callable[[str], None]) -> None:
    """Log each transaction open_transactions() finds that `held` has not named yet, and add
    it there (the report's notes list them all at the end)."""
    for pid, note in open_transactions().items():
        if pid not in held:
            log(f"warning: {note}")
        held[pid] = note


def purge_broker() -> str:
    """Drop the tasks waiting in the broker before a size is measured. Every size shares
    REDIS_URL, and a task left by another size or an earlier run (the import's routing, an
    SLA timer restored when its worker stopped) names rows of another database: run here, it
    would act on whatever row has that id. The database is the truth and the broker only a
    nudge (revenue/settings.py): the SLA sweep routes what is unrouted and settles overdue
    clocks. So REDIS_URL must be the bench's own, as it already had to be: the bench's worker
    takes any task it finds."""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "celery", "-A", "revenue", "purge", "-f"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def ensure_database(name: str) -> bool:
    """Create database `name` on the configured server unless it exists; True if created.
    (CREATE DATABASE runs outside a transaction: Django's autocommit.)"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            return False
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    return True


@dataclass(frozen=True)
class SizePlan:
    """What to measure at one size; the child process measuring it reads this."""

    size: int
    largest: bool
    seed: bool
    requests: int
    concurrency: int
    page_repeat: int
    workers: int
    threads: int
    import_rows: int
    compare: CompareTarget | None = None

    @classmethod
    def from_json(cls, text: str) -> SizePlan:
        data = json.loads(text)
        compare = data.pop("compare")
        return cls(**data, compare=CompareTarget(**compare) if compare else None)


def measure_size(plan: SizePlan, *, log: Callable[[str], None]) -> Report:
    """Measure one size in the database this process is connected to: migrate, seed, VACUUM
    ANALYZE, then the pages (p50, p95, queries); the rest only at the largest size."""
    from django.core.management import call_command

    from apps.accounts.models import Account
    from apps.campaigns.models import Asset
    from apps.leads.models import Lead, Touchpoint
    from apps.opportunities.models import Opportunity

    report = Report(sizes=[plan.size])
    figures = report.figures

    def put(figure: str, value: float | int | None) -> None:
        figures[sized(figure, plan.size)] = value

    database_url = current_database_url()
    log(f"broker: {purge_broker() or 'nothing left'}")
    log(f"migrating {connection.settings_dict['NAME']}…")
    call_command("migrate", interactive=False, verbosity=0)
    present = Lead.objects.count()
    if plan.seed or present < plan.size:
        log(f"seeding demo data with {plan.size} leads (idempotent; {present} present)…")
        started = time.perf_counter()
        call_command("seed_demo", leads=plan.size, verbosity=0)
        put("seed_s", round(time.perf_counter() - started, 1))
    log("VACUUM (ANALYZE) after the bulk load…")
    started = time.perf_counter()
    vacuum_analyze()
    put("vacuum_analyze_s", round(time.perf_counter() - started, 1))
    held: dict[int, str] = {}
    _warn_of_open_transactions(held, log)
    leads = Lead.objects.count()
    put("leads", leads)
    put("touchpoints", Touchpoint.objects.count())
    put("opportunities", Opportunity.objects.count())
    if leads > 1.5 * plan.size:  # earlier runs' intake and imports, or another size's seed
        report.notes.append(
            f"{connection.settings_dict['NAME']} holds {leads} leads, not about {plan.size}"
        )
    key = "demo-website-key"
    hand_raiser = (
        Asset.objects.filter(hand_raiser=True, is_active=True)
        .values_list("slug", flat=True)
        .first()
    )
    run = uuid.uuid4().hex[:6]
    rep = "sam"
    with running_stack(
        workers=plan.workers, threads=plan.threads, database_url=database_url, log=log
    ) as port:
        # the pages first, on a quiet stack: after the intake run the worker is still
        # routing, rolling up and rebuilding facts for a while, and would be timed with them
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
            "today": (rep, "/sales/today/"),
            "lead": (rep, f"/sales/leads/{lead_id}/"),
            "account": (rep, f"/accounts/{account_id}/"),
            "pipeline": (rep, "/sales/pipeline/"),
            "goals": ("rita", "/goals/"),
            "performance": ("mia", "/marketing/performance/"),
        }
        for name, (user, path) in pages.items():
            log(f"page {path}…")
            result = measure_page(
                port=port,
                username=user,
                path=path,
                repeat=plan.page_repeat,
                warmup=2 * plan.workers,
            )
            if result["status"] != [200]:
                report.notes.append(f"{path} answered {result['status']}")
                continue
            put(f"{name}_p50_ms", result["p50_ms"])
            put(f"{name}_p95_ms", result["p95_ms"])
            put(f"{name}_queries", count_queries(username=user, path=path))
        if plan.largest:
            # also on the quiet stack: while the worker still routes the intake run's leads,
            # its statements would be counted as the polls'
            log("50 open tabs polling the pulse…")
            live = measure_live_tabs(port=port, username=rep)
            figures.update(
                live_polls=live["polls"],
                live_not_modified_share=live["not_modified_share"],
                live_p95_ms=live["p95_ms"],
                live_db_statements_per_poll=live["db_statements_per_poll"],
            )
        if plan.largest:
            log("intake throughput…")
            intake = measure_intake(
                port=port,
                key=key,
                count=plan.requests,
                concurrency=plan.concurrency,
                asset=None,
                run=run,
            )
            figures.update(
                intake_leads_per_s=intake["per_s"],
                intake_errors=intake["errors"],
                intake_p95_ms=intake["p95_ms"],
            )
            if hand_raiser:
                ensure_bench_pool()
                log("intake to assigned through the worker…")
                assign = measure_assignment(
                    port=port, key=key, asset=hand_raiser, count=100, run=run
                )
                figures.update(
                    assign_p50_ms=assign["p50_ms"],
                    assign_p99_ms=assign["p99_ms"],
                    assigned=assign["assigned"],
                )
        if plan.largest and plan.compare:
            log(f"lead list and lead page against {plan.compare.url}, interleaved…")
            compared, notes = compare_pages(
                ours=Http(port, {"Cookie": _session_cookie(rep)}),
                target=plan.compare,
                our_paths={"list": pages["queue"][1], "lead": pages["lead"][1]},
                repeat=plan.page_repeat,
            )
            figures.update(compared)
            report.notes.extend(notes)
    if plan.largest:
        _warn_of_open_transactions(held, log)
        log("CSV import…")
        imported = measure_import(rows=plan.import_rows, database_url=database_url)
        if "rows_per_s" in imported:
            figures["import_rows_per_s"] = imported["rows_per_s"]
            figures["import_peak_rss_mb"] = imported["peak_rss_mb"]
            if not imported["ok"]:
                report.notes.append(f"import failed: {imported['error']}")
        else:
            report.notes.append(imported["skipped"])
        report.explains = explain_hot_queries(rep=rep)
    report.notes.extend(held.values())
    return report


PLAN_FILE, REPORT_FILE = "plan.json", "report.json"


def run_size_part(folder: Path, *, log: Callable[[str], None]) -> None:
    """The child's side: read the plan from `folder`, measure, write the report next to it."""
    plan = SizePlan.from_json((folder / PLAN_FILE).read_text())
    label = size_label(plan.size)
    report = measure_size(plan, log=lambda line: log(f"[{label}] {line}"))
    (folder / REPORT_FILE).write_text(json.dumps(asdict(report), default=str))


def _measure_in_child(plan: SizePlan, *, database_url: str) -> Report:
    """`manage.py bench --size-part DIR` with DATABASE_URL naming the size's database: a fresh
    process, so no connection, cached session or started server can reach another size's."""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        (Path(folder) / PLAN_FILE).write_text(json.dumps(asdict(plan)))
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "bench", "--size-part", folder],
            env={**os.environ, "DATABASE_URL": database_url},
            cwd=settings.BASE_DIR,
            check=False,
            # seed_demo's summary and the worker's banner are progress, not the report
            stdout=sys.stderr,
        )
        if result.returncode:
            raise RuntimeError(
                f"bench at {size_label(plan.size)} leads failed (exit {result.returncode})"
            )
        data = json.loads((Path(folder) / REPORT_FILE).read_text())
    return Report(**data)


def run_bench(
    *,
    sizes: Sequence[int],
    seed: bool,
    requests: int,
    concurrency: int,
    page_repeat: int,
    workers: int,
    threads: int,
    import_rows: int,
    compare: CompareTarget | None = None,
    log: Callable[[str], None],
) -> Report:
    """Each size in its own database (database_for_size), smallest first, in a child process."""
    configured_url = os.environ["DATABASE_URL"]
    configured = database_of(configured_url)
    ordered = sorted(set(sizes))
    base = SizePlan(
        size=0,
        largest=False,
        seed=seed,
        requests=requests,
        concurrency=concurrency,
        page_repeat=page_repeat,
        workers=workers,
        threads=threads,
        import_rows=import_rows,
    )
    report = Report(sizes=ordered)
    for size in ordered:
        largest = size == ordered[-1]
        name = database_for_size(configured, size, ordered)
        if ensure_database(name):
            log(f"created database {name} for {size_label(size)} leads")
        plan = replace(base, size=size, largest=largest, compare=compare if largest else None)
        log(f"measuring {size_label(size)} leads in {name}…")
        report.merge(_measure_in_child(plan, database_url=with_database(configured_url, name)))
    return report


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def as_table(report: Report) -> str:
    """The per-size figures side by side (one column per size), then the run's own figures,
    then `--compare`'s, each with its verdict."""
    verdicts = report.verdicts()
    width = 24
    lines = [
        f"{'figure':<{width}}"
        + "".join(f"{size_label(s):>12}" for s in report.sizes)
        + "  verdict",
        "-" * (width + 12 * len(report.sizes) + 30),
    ]
    for figure in PER_SIZE:
        names = [sized(figure, s) for s in report.sizes]
        if not any(name in report.figures for name in names):
            continue
        cells = "".join(f"{_cell(report.figures.get(name)):>12}" for name in names)
        verdict = ""
        if figure in TARGETS:
            op, target = TARGETS[figure]
            words = [verdicts[name].split(" (")[0].replace("not measured", "—") for name in names]
            verdict = f"{', '.join(words)} (target {op} {target})"
        lines.append(f"{figure:<{width}}{cells}  {verdict}".rstrip())
    lines.extend(["", f"{'figure':<{width}} {'value':>12}  verdict", "-" * (width + 43)])
    for key, value in report.figures.items():
        if "@" in key or key.startswith("compare_"):
            continue
        lines.append(f"{key:<{width}} {_cell(value):>12}  {verdicts.get(key, '')}".rstrip())
    if any(key.startswith("compare_") for key in report.figures):
        columns = (*COMPARE_STATS, *COMPARE_RATIOS)
        lines.extend(
            [
                "",
                "compared, interleaved" + "".join(f"{c:>15}" for c in columns),
                "-" * (21 + 15 * len(columns)),
            ]
        )
        for page in COMPARED:
            cells = "".join(
                f"{_cell(report.figures.get(f'compare_{page}_{c}')):>15}" for c in columns
            )
            lines.append(f"{page:<21}{cells}")
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)


def as_json(report: Report) -> str:
    return json.dumps({**asdict(report), "verdicts": report.verdicts()}, indent=2, default=str)
