"""`manage.py bench`: the parts that decide what is measured where and how it is reported
(the stack itself is measured by running the command, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.bench import bench
from apps.demo import seed
from apps.leads.models import Lead, Touchpoint
from tests.fixtures.leads import make_owned_lead, make_pool_lead

# --- Sizes, names and databases ----------------------------------------------------------


def test_per_size_figures_are_named_after_the_size() -> None:
    # when / then
    assert bench.sized("queue_p50_ms", 10_000) == "queue_p50_ms@10k"
    assert bench.sized("queue_p95_ms", 100_000) == "queue_p95_ms@100k"
    assert bench.sized("queue_queries", 300) == "queue_queries@300"
    assert bench.sized("leads", 2_000_000) == "leads@2m"
    assert bench.sized("leads", 1500) == "leads@1500"


def test_sizes_parse_to_distinct_ascending_counts() -> None:
    # when / then
    assert bench.parse_sizes("100000,10k, 10000") == [10_000, 100_000]
    assert bench.parse_sizes("600") == [600]
    for bad in ("", "ten", "0", "-5", "10x"):
        with pytest.raises(ValueError, match="number of leads|no sizes"):
            bench.parse_sizes(bad)


def test_sizes_refuse_other_digits_and_more_than_the_bench_seeds() -> None:
    # when / then
    assert bench.parse_sizes("10m") == [10_000_000]
    with pytest.raises(ValueError, match="number of leads"):
        bench.parse_sizes("\u0663k")  # an Arabic-Indic three: isdigit() but not a count we take
    for huge in ("10001k", "99999999999999999999m"):
        with pytest.raises(ValueError, match="at most 10,000,000"):
            bench.parse_sizes(huge)


def test_largest_size_uses_the_configured_database_and_smaller_ones_a_suffixed_one() -> None:
    # given
    sizes = [10_000, 100_000]
    # when / then
    assert bench.database_for_size("revenue_bench", 100_000, sizes) == "revenue_bench"
    assert bench.database_for_size("revenue_bench", 10_000, sizes) == "revenue_bench_10k"
    assert bench.database_for_size("revenue_bench", 300, [300]) == "revenue_bench"
    with pytest.raises(ValueError, match="longer"):
        bench.database_for_size("x" * 60, 10_000, sizes)


def test_a_size_database_url_keeps_everything_but_the_name() -> None:
    # given
    url = "postgres://bench:secret@db.internal:5433/revenue_bench?sslmode=disable"
    # when
    sized_url = bench.with_database(url, "revenue_bench_10k")
    # then
    assert sized_url == "postgres://bench:secret@db.internal:5433/revenue_bench_10k?sslmode=disable"
    assert bench.database_of(sized_url) == "revenue_bench_10k"


@pytest.mark.django_db
def test_started_processes_get_the_database_django_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    name = connection.settings_dict["NAME"]
    # when / then
    monkeypatch.setenv("DATABASE_URL", bench.with_database("postgres://postgres@db:5432/x", name))
    assert bench.database_of(bench.current_database_url()) == name
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/somewhere_else")
    with pytest.raises(RuntimeError, match="somewhere_else"):
        bench.current_database_url()


def test_a_size_plan_survives_the_trip_to_the_child_process() -> None:
    # given
    plan = bench.SizePlan(
        size=10_000,
        largest=True,
        seed=False,
        requests=64,
        concurrency=4,
        page_repeat=5,
        workers=2,
        threads=4,
        import_rows=200,
        compare=bench.CompareTarget(url="http://127.0.0.1:9000", cookie="sessionid=abc"),
    )
    # when
    again = bench.SizePlan.from_json(json.dumps(asdict(plan)))
    # then
    assert again == plan
    assert bench.SizePlan.from_json(json.dumps(asdict(plan) | {"compare": None})).compare is None


# --- Verdicts and the table --------------------------------------------------------------


def _two_size_report() -> bench.Report:
    report = bench.Report(sizes=[10_000, 100_000])
    for size, figures in {
        10_000: {"leads": 10_000, "queue_p50_ms": 20.0, "queue_p95_ms": 41.5, "queue_queries": 9},
        100_000: {
            "leads": 100_000,
            "queue_p50_ms": 60.0,
            "queue_p95_ms": 130.2,
            "queue_queries": 9,
        },
    }.items():
        part = bench.Report(sizes=[size])
        part.figures = {bench.sized(k, size): v for k, v in figures.items()}
        part.notes = ["/goals/ answered [500]"] if size == 10_000 else []
        report.merge(part)
    report.figures["intake_leads_per_s"] = 320.0
    return report


def test_targets_apply_at_every_size() -> None:
    # given
    report = _two_size_report()
    # when
    verdicts = report.verdicts()
    # then
    assert verdicts["queue_p95_ms@10k"] == "met (target <= 50)"
    assert verdicts["queue_p95_ms@100k"] == "MISSED (target <= 50)"
    assert verdicts["lead_p95_ms@10k"] == "not measured"
    assert verdicts["goals_queries@100k"] == "not measured"
    assert verdicts["intake_leads_per_s"] == "met (target >= 300)"
    assert "queue_p95_ms" not in verdicts  # page figures exist only per size


def test_intake_with_refused_requests_misses_its_target_however_fast() -> None:
    # given a run whose intake was fast because the quota refused half of it
    report = _two_size_report()
    report.figures.update(intake_leads_per_s=636.1, intake_errors=1548)
    # when, then
    assert report.verdicts()["intake_leads_per_s"] == "MISSED (1548 errors; target 0 errors)"


def test_table_puts_the_sizes_side_by_side() -> None:
    # given
    report = _two_size_report()
    # when
    table = bench.as_table(report)
    lines = table.splitlines()
    # then
    assert lines[0].split() == ["figure", "10k", "100k", "verdict"]
    queue_p95 = next(line for line in lines if line.startswith("queue_p95_ms"))
    assert queue_p95.split()[:3] == ["queue_p95_ms", "41.5", "130.2"]
    assert queue_p95.endswith("met, MISSED (target <= 50)")
    assert next(line for line in lines if line.startswith("queue_p50_ms")).split()[1:] == [
        "20.0",
        "60.0",
    ]
    assert next(line for line in lines if line.startswith("queue_queries")).split()[1:] == [
        "9",
        "9",
        "met,",
        "met",
        "(target",
        "<=",
        "10)",
    ]
    assert not any(line.startswith("lead_p95_ms") for line in lines)  # measured at no size
    assert "met (target >= 300)" in next(x for x in lines if x.startswith("intake_leads_per_s"))
    assert "note: @10k: /goals/ answered [500]" in lines
    assert "compared" not in table


def test_table_shows_the_comparison_when_there_is_one() -> None:
    # given
    report = _two_size_report()
    report.figures.update(
        {
            "compare_list_ours_p50_ms": 10.0,
            "compare_list_ours_p95_ms": 12.0,
            "compare_list_theirs_p50_ms": 20.0,
            "compare_list_theirs_p95_ms": 30.0,
            "compare_list_p50_ratio": 0.5,
            "compare_list_p95_ratio": 0.4,
        }
    )
    # when
    lines = bench.as_table(report).splitlines()
    # then
    row = next(line for line in lines if line.startswith("list "))
    assert row.split() == ["list", "10.0", "12.0", "20.0", "30.0", "0.5", "0.4"]
    assert next(line for line in lines if line.startswith("lead ")).split()[1:] == ["—"] * 6
    assert not any(line.startswith("compare_") for line in lines)


# --- --compare: interleaved, against two small local servers -----------------------------


@pytest.fixture
def two_servers() -> Iterator[tuple[list[str], int, int]]:
    """Two HTTP servers on 127.0.0.1 writing (server, path, cookie) of each request they get
    into one list, in arrival order; the second one answers 404 under /missing/."""
    arrivals: list[str] = []
    lock = threading.Lock()

    def handler(name: str) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the bench's client expects

            def do_GET(self) -> None:  # noqa: N802
                with lock:
                    arrivals.append(f"{name} {self.path} {self.headers.get('Cookie', '')}")
                body = b"ok"
                self.send_response(404 if self.path.startswith("/missing/") else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    servers = []
    for name in ("ours", "theirs"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler(name))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield arrivals, servers[0].server_address[1], servers[1].server_address[1]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_compare_alternates_one_request_each_and_reports_both_sides(
    two_servers: tuple[list[str], int, int],
) -> None:
    # given
    arrivals, our_port, their_port = two_servers
    target = bench.CompareTarget(
        url=f"http://127.0.0.1:{their_port}/other", cookie="sid=theirs", list_path="/leads/"
    )
    # when
    figures, notes = bench.compare_pages(
        ours=bench.Http(our_port, {"Cookie": "sessionid=ours"}),
        target=target,
        our_paths={"list": "/sales/", "lead": "/sales/leads/7/"},
        repeat=4,
    )
    # then: a warm-up each, then four rounds, strictly taking turns, per page
    expected = []
    for our_path, their_path in (
        ("/sales/", "/other/leads/"),
        ("/sales/leads/7/", "/other/sales/leads/7/"),
    ):
        expected += [f"ours {our_path} sessionid=ours", f"theirs {their_path} sid=theirs"] * 5
    assert arrivals == expected
    for page in ("list", "lead"):
        for side in ("ours", "theirs"):
            assert figures[f"compare_{page}_{side}_p50_ms"] is not None
            assert figures[f"compare_{page}_{side}_p95_ms"] is not None
            assert (
                figures[f"compare_{page}_{side}_p95_ms"] >= figures[f"compare_{page}_{side}_p50_ms"]
            )
        assert figures[f"compare_{page}_p50_ratio"] is not None
        assert figures[f"compare_{page}_p95_ratio"] is not None
    assert notes == []


def test_compare_says_when_the_other_server_does_not_answer_200(
    two_servers: tuple[list[str], int, int],
) -> None:
    # given
    _, our_port, their_port = two_servers
    target = bench.CompareTarget(
        url=f"http://127.0.0.1:{their_port}", list_path="/missing/", lead_path="/leads/1/"
    )
    # when
    _, notes = bench.compare_pages(
        ours=bench.Http(our_port),
        target=target,
        our_paths={"list": "/sales/", "lead": "/sales/leads/7/"},
        repeat=2,
    )
    # then
    assert notes == [f"compare: http://127.0.0.1:{their_port} /missing/ answered [404]"]


def test_compare_refuses_what_is_not_an_http_url() -> None:
    # when / then
    with pytest.raises(ValueError, match="http"):
        bench.Http.to("ftp://example.com/")


# --- EXPLAIN of the queue page's own statements ------------------------------------------


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        (
            'SELECT "leads_lead"."id" FROM "leads_lead" WHERE "leads_lead"."owner_id" = %s '
            'ORDER BY "leads_lead"."queue_bucket" ASC, "leads_lead"."queue_at" ASC LIMIT 26',
            "queue list",
        ),
        (
            'SELECT COUNT("leads_lead"."owner_id") FILTER (WHERE "leads_lead"."status" = %s) '
            'AS "ready" FROM "leads_lead" WHERE "leads_lead"."owner_id" = %s',
            "queue counts",
        ),
        (
            'SELECT COUNT(*) AS "__count" FROM "leads_lead" WHERE "leads_lead"."owner_id" IS NULL',
            "pool count",
        ),
        (
            'SELECT COUNT(*) AS "__count" FROM "leads_lead" WHERE "leads_lead"."owner_id" = %s',
            "other count",
        ),
        (
            'SELECT "leads_lead"."id" FROM "leads_lead" ORDER BY "leads_lead"."ready_at"',
            "pool list",
        ),
        ('SELECT "users_user"."id" FROM "users_user" WHERE "users_user"."id" = %s', None),
    ],
)
def test_queue_page_statements_are_named_by_what_they_read(sql: str, name: str | None) -> None:
    # when / then
    assert bench.queue_statement_name(sql) == name


@pytest.mark.django_db
def test_explains_are_of_the_statements_the_queue_page_runs(rep) -> None:  # type: ignore[no-untyped-def]
    # given
    for _ in range(3):
        make_owned_lead(rep)
    make_pool_lead()
    # when
    statements = bench.page_statements(username=rep.username, path="/sales/")
    explains = bench.explain_hot_queries(rep=rep.username)
    # then
    names = [bench.queue_statement_name(sql) for sql, _ in statements]
    assert "queue list" in names
    assert "queue counts" in names
    assert "pool count" in names
    list_sql, list_params = statements[names.index("queue list")]
    assert "%s" in list_sql  # the parameters travel apart, as the driver got them
    assert list_params
    assert {"/sales/ queue list", "/sales/ queue counts", "sla sweep"} <= set(explains)
    assert "rep queue" not in explains  # the hand-written stand-in is gone
    if connection.vendor == "postgresql":
        assert "Execution Time" in explains["/sales/ queue list"]
        assert (
            "Buffers" in explains["/sales/ queue list"] or "Index" in explains["/sales/ queue list"]
        )


# --- seed_demo leaves planner statistics behind ------------------------------------------


@pytest.mark.django_db
def test_seed_demo_ends_by_analyzing_the_tables_it_loaded() -> None:
    # given
    with bench.recording_statements() as statements:
        # when
        seed.seed_demo(leads=12, today=timezone.now().date())
    # then
    analyzed = [sql for sql, _ in statements if sql.startswith("ANALYZE")]
    assert analyzed
    assert statements[-len(analyzed) :] == [(sql, None) for sql in analyzed]  # the last thing
    text = " ".join(analyzed)
    for model in (Lead, Touchpoint):
        assert f'"{model._meta.db_table}"' in text
    assert Lead.objects.count() == 12


@pytest.mark.django_db
def test_a_page_is_timed_only_after_its_warmup_requests(
    two_servers: tuple[list[str], int, int], rep
) -> None:  # type: ignore[no-untyped-def]
    # given a server that records every request
    arrivals, port, _ = two_servers
    # when the page is measured with 8 warm-up requests (two per worker of 4) and 5 timed ones
    result = bench.measure_page(port=port, username=rep.username, path="/p/", repeat=5, warmup=8)
    # then the server saw 13 requests, the percentiles come from the 5, and all were 200
    assert len([line for line in arrivals if line.startswith("ours /p/")]) == 13
    assert result["status"] == [200]
    assert result["p50_ms"] <= result["p95_ms"]


@pytest.mark.parametrize("option", ["--workers", "--threads", "--concurrency", "--page-repeat"])
def test_bench_refuses_a_server_or_load_of_nothing(option: str) -> None:
    with pytest.raises(CommandError, match=f"{option} must be 1 or more"):
        call_command("bench", option, "0")


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_bench_names_a_transaction_left_open_on_the_server() -> None:
    # given: another session, as a paused seed in another database would be, holding a
    # transaction open with an id
    other = connection.copy()  # the same settings, its own session
    other.set_autocommit(False)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), txid_current()")
            pid = cursor.fetchone()[0]

        # when / then: the bench names it while it is open, not once it has ended
        held = bench.open_transactions(older_than=0)
        assert pid in held
        assert "held back row cleanup" in held[pid]
        other.commit()
        assert pid not in bench.open_transactions(older_than=0)
    finally:
        other.close()


def test_the_import_reports_its_own_peak_memory_not_the_bench_process_that_started_it() -> None:
    # given: a bench process holding 400 MB (as after seeding 100k leads in itself)
    ballast = bytearray(400 * 1024 * 1024)
    for page in range(0, len(ballast), 4096):
        ballast[page] = 1

    # when: a child started from it, as the import is, reports its peak
    child = subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-c",
            "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','revenue.settings');"
            "django.setup();from apps.bench.bench import peak_rss_kb;print(peak_rss_kb())",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    # then: it is the child's own (a Django process, under 200 MB), not the 400 MB it was
    # forked from
    assert 10_000 < int(child.stdout) < 200 * 1024
    del ballast
