import argparse
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.bench import bench


class Command(BaseCommand):
    help = "Measure intake, routing, pages and import on PostgreSQL + Redis + gunicorn + a worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--leads", type=int, default=100_000, help="Demo leads to seed (default 100000)."
        )
        parser.add_argument(
            "--sizes",
            help="Comma-separated lead counts to measure the pages at, each in its own database "
            "(e.g. 10000,100000 or 10k,100k); default: just --leads.",
        )
        parser.add_argument(
            "--no-seed",
            action="store_true",
            help="Use the data already in each database (seeds one holding fewer leads).",
        )
        parser.add_argument(
            "--requests", type=int, default=3200, help="Intake requests (default 3200)."
        )
        parser.add_argument("--concurrency", type=int, default=16)
        parser.add_argument(
            "--page-repeat", type=int, default=60, help="GETs per page (default 60)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=3,
            help="gunicorn worker processes (default 3, as `make run` serves).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="threads per gunicorn worker (default 1: sync workers, as `make run`).",
        )
        parser.add_argument("--import-rows", type=int, default=50_000)
        parser.add_argument("--json", type=Path, help="Also write the report as JSON to this file.")
        parser.add_argument(
            "--compare",
            metavar="URL",
            help="Time this server's lead list and lead page interleaved with ours.",
        )
        parser.add_argument(
            "--compare-cookie",
            default="",
            metavar="NAME=VALUE",
            help="Cookie header for --compare (a signed-in session there).",
        )
        parser.add_argument(
            "--compare-list",
            default="/sales/",
            metavar="PATH",
            help="--compare's lead list path (default /sales/).",
        )
        parser.add_argument(
            "--compare-lead",
            metavar="PATH",
            help="--compare's lead page path (default: the path of ours).",
        )
        # internal: the child process that measures one size (apps.bench.bench.run_bench)
        parser.add_argument("--size-part", type=Path, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("workers", "threads", "concurrency", "requests", "page_repeat"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be 1 or more.")
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError(
                "bench measures the production stack: set DATABASE_URL=postgres://… and REDIS_URL."
            )
        log = self.stderr.write
        if options["size_part"]:
            bench.run_size_part(options["size_part"], log=log)
            return
        if not os.environ.get("DATABASE_URL"):
            raise CommandError("bench names its databases after DATABASE_URL's: set it.")
        try:
            sizes = bench.parse_sizes(options["sizes"] or str(options["leads"]))
            compare = self._compare_target(options)
            report = bench.run_bench(
                sizes=sizes,
                seed=not options["no_seed"],
                requests=options["requests"],
                concurrency=options["concurrency"],
                page_repeat=options["page_repeat"],
                workers=options["workers"],
                threads=options["threads"],
                import_rows=options["import_rows"],
                compare=compare,
                log=log,
            )
        except (ValueError, RuntimeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(bench.as_table(report))
        for name, plan in report.explains.items():
            self.stdout.write(f"\nEXPLAIN {name}:\n{plan}")
        if options["json"]:
            options["json"].write_text(bench.as_json(report))
        self.stdout.write("\n" + bench.as_json(report))

    @staticmethod
    def _compare_target(options: dict[str, Any]) -> bench.CompareTarget | None:
        if not options["compare"]:
            return None
        bench.Http.to(options["compare"])  # refuses anything but an http(s) URL, early
        cookie = options["compare_cookie"]
        if cookie and "=" not in cookie:
            raise ValueError("--compare-cookie takes name=value")
        return bench.CompareTarget(
            url=options["compare"],
            cookie=cookie,
            list_path=options["compare_list"],
            lead_path=options["compare_lead"],
        )
