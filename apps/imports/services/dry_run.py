"""The dry run: what the import would do with each row (create, merge, reject) and the touch it
would add, in file order, written as a row-by-row report and counted on the job (the touches by
kind beside the report); it changes no lead."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.base import ContentFile, File
from django.utils import timezone

from apps.core.bulk import fewer_collections
from apps.core.csv_safe import safe_row
from apps.imports.models import ImportJob
from apps.imports.services.mapping import mapped_columns
from apps.imports.services.reading import (
    CsvRows,
    FileFormat,
    ImportFileError,
    open_job_file,
    read_csv,
)
from apps.imports.services.rows import CHUNK_ROWS, Lookups, chunks, plan_chunk
from apps.leads.models import Lead, Touchpoint

REPORT_PREVIEW_ROWS = 200
REPORT_HEADER = ["row", "email", "action", "detail", "touch_kind", "asset"]


@dataclass
class DryRunLine:
    row: int
    email: str
    action: str  # create | merge | reject
    detail: str
    touch_kind: str = ""  # the kind of the touch the row would add ("" for a rejected row)
    asset: str = ""  # the slug of its asset, if the file maps one


class _SeenEmails:
    """Emails met earlier in the file, in a temporary on-disk SQLite table (flat memory)."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(suffix=".sqlite3", prefix="import-seen-")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.execute("CREATE TABLE seen (email TEXT PRIMARY KEY, row INTEGER)")

    def first_rows(self, emails: Iterable[str]) -> dict[str, int]:
        wanted = list(set(emails))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            found.update(
                self.db.execute(f"SELECT email, row FROM seen WHERE email IN ({marks})", part)  # noqa: S608 - placeholders only
            )
        return found

    def add(self, pairs: Iterable[tuple[str, int]]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO seen (email, row) VALUES (?, ?)", pairs)

    def close(self) -> None:
        self.db.close()
        os.unlink(self.path)


def dry_run_lines(job: ImportJob, *, chunk_size: int = CHUNK_ROWS) -> Iterator[DryRunLine]:
    """What the import would do with each row, in file order; writes nothing."""
    seen = _SeenEmails()
    lookups = Lookups(tag=job.campaign)
    try:
        with open_job_file(job) as stream:
            parsed = read_csv(stream, FileFormat.of(job))
            columns = mapped_columns(job, parsed.header)
            # planning a chunk allocates as much as importing it: the garbage collector is out
            # of its way the same (core.bulk.fewer_collections) until the generator finishes
            with fewer_collections():
                yield from _dry_run_chunks(parsed, columns, lookups, seen, chunk_size)
    finally:
        seen.close()


def _dry_run_chunks(
    parsed: CsvRows,
    columns: dict[str, int],
    lookups: Lookups,
    seen: _SeenEmails,
    chunk_size: int,
) -> Iterator[DryRunLine]:
    for chunk in chunks(parsed.rows, chunk_size):
        plan = plan_chunk(chunk, columns, parsed.header, lookups)
        emails = {row.email for row in plan.rows}
        existing = dict(Lead.objects.filter(email__in=emails).values_list("email", "pk"))
        earlier = seen.first_rows(emails)
        first_in_chunk: dict[str, int] = {}
        decided: dict[int, DryRunLine] = {}
        for row in plan.rows:
            if row.email in existing:
                action, detail = "merge", f"into lead {existing[row.email]}"
            elif row.email in earlier or row.email in first_in_chunk:
                first = earlier.get(row.email) or first_in_chunk[row.email]
                action, detail = "merge", f"with row {first}"
            else:
                first_in_chunk[row.email] = row.number
                action, detail = "create", ""
            decided[row.number] = DryRunLine(
                row.number,
                row.email,
                action,
                detail,
                touch_kind=row.kind,
                asset=row.asset.slug if row.asset is not None else "",
            )
        for rejected in plan.rejected:
            decided[rejected.number] = DryRunLine(
                rejected.number, rejected.email, "reject", rejected.reason
            )
        seen.add(first_in_chunk.items())
        for number in sorted(decided):
            yield decided[number]


def _touches_name(job: ImportJob) -> str:
    """Where the touches-by-kind counts of a job's dry-run report are kept: beside the report,
    so the page reads a few bytes instead of recounting the whole report."""
    return f"{os.path.splitext(job.report.name or '')[0]}.touches.json"


def _save_touches(job: ImportJob, touches: dict[str, int]) -> None:
    storage = job.report.storage
    name = _touches_name(job)
    if storage.exists(name):  # a leftover of an interrupted run: the name must stay this one
        storage.delete(name)
    storage.save(name, ContentFile(json.dumps(touches).encode()))


def dry_run_touches(job: ImportJob) -> list[tuple[str, int]]:
    """The touches the import would add, by kind (label, count) in the kinds' order; empty
    before a dry run."""
    if not job.report:
        return []
    try:
        with job.report.storage.open(_touches_name(job), "rb") as stream:
            counts: dict[str, int] = json.load(stream)
    except (FileNotFoundError, ValueError):
        return []
    return [(kind.label, counts[kind.value]) for kind in Touchpoint.Kind if counts.get(kind.value)]


def dry_run_import(*, job_id: int, chunk_size: int = CHUNK_ROWS) -> ImportJob:
    """Run the dry run of a job in CHECKING state: counts on the job, the row-by-row report as
    a CSV file and the touches by kind beside it. A file that cannot be read goes back to
    UPLOADED with the reason on the job."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job  # a duplicate delivery, or the mapping changed since
    counts = {"create": 0, "merge": 0, "reject": 0}
    touches: dict[str, int] = {}
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(REPORT_HEADER)
        total = 0
        try:
            for line in dry_run_lines(job, chunk_size=chunk_size):
                counts[line.action] += 1
                if line.touch_kind:
                    touches[line.touch_kind] = touches.get(line.touch_kind, 0) + 1
                total += 1
                writer.writerow(
                    safe_row(
                        [
                            line.row,
                            line.email,
                            line.action,
                            line.detail,
                            line.touch_kind,
                            line.asset,
                        ]
                    )
                )
                if total % (chunk_size * 10) == 0:
                    ImportJob.objects.filter(pk=job.pk).update(checked_rows=total)
        except ImportFileError as exc:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.UPLOADED, error=exc.message, updated_at=timezone.now()
            )
            text.detach()
            return ImportJob.objects.get(pk=job.pk)
        text.flush()
        raw.seek(0)
        job.report.save(f"dry-run-{job.pk}.csv", File(raw), save=False)
        text.detach()
    _save_touches(job, touches)
    job.checked_rows = total
    job.check_created, job.check_merged, job.check_rejected = (
        counts["create"],
        counts["merge"],
        counts["reject"],
    )
    job.status = ImportJob.Status.CHECKED
    job.save(
        update_fields=[
            "report",
            "checked_rows",
            "check_created",
            "check_merged",
            "check_rejected",
            "status",
            "updated_at",
        ]
    )
    return job


def report_preview(job: ImportJob, *, limit: int = REPORT_PREVIEW_ROWS) -> list[list[str]]:
    """The first rows of the dry-run report, for the page."""
    if not job.report:
        return []
    with job.report.open("rb") as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        reader = csv.reader(text)
        next(reader, None)
        return [row for _, row in zip(range(limit), reader, strict=False)]
