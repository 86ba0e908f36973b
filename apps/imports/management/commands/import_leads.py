"""`manage.py import_leads FILE.csv [--mapping email=Email,...] [--campaign SLUG] [--dry-run]
[--resume JOB]`."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.campaigns.models import Campaign
from apps.core.errors import DomainError
from apps.imports import services
from apps.imports.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import leads from a CSV (comma, semicolon, tab or pipe separated; UTF-8 or "
        "Windows-1252, found from the file): dedupe by email (merging blanks), match accounts, score "
        "and qualify as any intake. Each row adds a touch of kind 'import' (no engagement) "
        "unless touch_kind or asset columns are mapped. Chunks of 1000 rows commit one by one; "
        "--resume continues a stopped import after its last committed chunk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Path of the CSV file")
        parser.add_argument(
            "--mapping",
            default="",
            help="field=Column pairs, comma-separated (e.g. email=E-mail,company_name=Org,"
            "touch_kind=Activity,asset=Asset). Columns named like the fields are mapped without it.",
        )
        parser.add_argument(
            "--campaign",
            default="",
            help="Slug of the campaign that rows naming no campaign or asset are touches of.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report row by row; change nothing."
        )
        parser.add_argument("--resume", type=int, help="Resume the import job with this id.")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_ROWS)

    def handle(self, *args: Any, **options: Any) -> None:
        chunk_size = max(1, min(options["chunk_size"], 10_000))
        try:
            if options["resume"]:
                job = ImportJob.objects.filter(pk=options["resume"]).first()
                if job is None:
                    raise CommandError(f"No import job {options['resume']}.")
                services.start_import(job_id=job.pk, actor=None)
            else:
                job = self._new_job(options)
                if options["dry_run"]:
                    self._dry_run(job, chunk_size)
                    return
                ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
                services.start_import(job_id=job.pk, actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        started = time.monotonic()
        job = services.run_import(
            job_id=job.pk,
            chunk_size=chunk_size,
            on_chunk=lambda j: self.stderr.write(f"  {j.rows_done:,} rows committed"),
        )
        elapsed = max(time.monotonic() - started, 1e-6)
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import {job.pk} stopped: {job.error}")
        self.stdout.write(
            f"Import {job.pk}: {job.rows_done:,} rows — created {job.created_count:,}, merged "
            f"{job.merged_count:,}, rejected {job.rejected_count:,} "
            f"({job.rows_done / elapsed:,.0f} rows/s)."
        )
        if job.rejected_count:
            for rejection in job.rejections.order_by("row_number")[:50]:
                self.stdout.write(f"  row {rejection.row_number}: {rejection.reason}")

    def _new_job(self, options: dict[str, Any]) -> ImportJob:
        path = options["file"]
        if not path:
            raise CommandError("Give the CSV file to import (or --resume JOB).")
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        job = services.create_import_job(
            actor=None, original_name=os.path.basename(path), source_path=os.path.abspath(path)
        )
        mapping = services.parse_mapping(options["mapping"], job.header)
        job.mapping = services.validate_mapping(mapping, job.header)
        if options["campaign"]:
            job.campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if job.campaign is None:
                ImportJob.objects.filter(pk=job.pk).delete()
                raise CommandError(f"--campaign: no campaign with slug {options['campaign']!r}.")
        job.save(update_fields=["mapping", "campaign", "updated_at"])
        file_format = services.FileFormat.of(job)
        self.stderr.write(
            f"Read as {job.get_encoding_display()}, columns separated by "
            f"{file_format.delimiter_name}. {file_format.warning}".rstrip()
        )
        return job

    def _dry_run(self, job: ImportJob, chunk_size: int) -> None:
        counts = {"create": 0, "merge": 0, "reject": 0}
        touches: dict[str, int] = {}
        for line in services.dry_run_lines(job, chunk_size=chunk_size):
            counts[line.action] += 1
            if line.touch_kind:
                touches[line.touch_kind] = touches.get(line.touch_kind, 0) + 1
            detail = f" ({line.detail})" if line.detail else ""
            self.stdout.write(f"row {line.row}: {line.action} {line.email}{detail}")
        added = ", ".join(f"{count:,} {kind}" for kind, count in sorted(touches.items()))
        self.stdout.write(
            f"Dry run: {counts['create']:,} to create, {counts['merge']:,} to merge, "
            f"{counts['reject']:,} to reject; touches to add: {added or 'none'}. "
            "Nothing was changed."
        )
        ImportJob.objects.filter(pk=job.pk).delete()
