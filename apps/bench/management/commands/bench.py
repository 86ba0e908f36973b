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
            "--no-seed", action="store_true", help="Use the data already in the database."
        )
        parser.add_argument(
            "--requests", type=int, default=3200, help="Intake requests (default 3200)."
        )
        parser.add_argument("--concurrency", type=int, default=16)
        parser.add_argument(
            "--page-repeat", type=int, default=60, help="GETs per page (default 60)."
        )
        parser.add_argument(
            "--workers", type=int, default=4, help="gunicorn sync workers (default 4)."
        )
        parser.add_argument("--import-rows", type=int, default=50_000)
        parser.add_argument("--json", type=Path, help="Also write the report as JSON to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError(
                "bench measures the production stack: set DATABASE_URL=postgres://… and REDIS_URL."
            )
        report = bench.run_bench(
            leads=options["leads"],
            seed=not options["no_seed"],
            requests=options["requests"],
            concurrency=options["concurrency"],
            page_repeat=options["page_repeat"],
            workers=options["workers"],
            import_rows=options["import_rows"],
            log=lambda line: self.stderr.write(line),
        )
        self.stdout.write(bench.as_table(report))
        for name, plan in report.explains.items():
            self.stdout.write(f"\nEXPLAIN {name}:\n{plan}")
        if options["json"]:
            options["json"].write_text(bench.as_json(report))
        self.stdout.write("\n" + bench.as_json(report))
