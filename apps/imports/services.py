"""CSV import of leads: inspect, dry run, import in committed chunks, resume.

The file is streamed (the csv module over a UTF-8 text wrapper of the stored file, one line at a
time with a length guard), so memory stays flat however large it is. Each chunk of rows is one
transaction holding its leads, touchpoints, LeadEvents, rejected rows and the job's progress, so
an import killed mid-way resumes after the last committed chunk without repeating a row.
Every row goes the way of any intake: one lead per normalised email (a known email is merged:
blanks are filled, filled fields never overwritten), account matching by domain (never for
free-mail), a touchpoint, scoring, and the qualification decision of the agreement in force.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Account
from apps.accounts.services import email_domain, match_accounts
from apps.campaigns.models import Campaign
from apps.core.bulk import update_rows
from apps.core.csv_safe import safe_row, write_rows
from apps.core.errors import DomainError, InvalidTransition, NotAllowed
from apps.core.queue import enqueue_on_commit
from apps.imports.models import ImportJob, ImportRejection
from apps.leads import events as lead_events
from apps.leads.models import BuyingRole, Lead, LeadEvent, Touchpoint, normalise_email
from apps.scoring import services as scoring
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.users.models import Role, User
from apps.users.roles import has_role

CHUNK_ROWS = 1000
MAX_COLUMNS = 200
MAX_LINE_CHARS = 64 * 1024
MAX_CELL_CHARS = 32 * 1024
REPORT_PREVIEW_ROWS = 200
IMPORT_ROLES = (Role.REVOPS, Role.MARKETING, Role.SALES_MANAGER)

# Lead fields an import can fill, with their limits; the header names recognised for each.
FIELDS: dict[str, int] = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "title": 150,
    "phone": 40,
    "company_name": 200,
    "country": 2,
    "source": 20,
    "campaign": 80,
}
FILLABLE = ("first_name", "last_name", "title", "phone", "country", "company_name")
ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "email_address", "work email", "mail"),
    "first_name": ("first_name", "first name", "firstname", "given name"),
    "last_name": ("last_name", "last name", "lastname", "surname", "family name"),
    "title": ("title", "job title", "job_title", "position", "role"),
    "phone": ("phone", "phone number", "telephone", "mobile"),
    "company_name": ("company_name", "company", "company name", "organisation", "organization"),
    "country": ("country", "country code", "country_code"),
    "source": ("source", "lead source", "lead_source"),
    "campaign": ("campaign", "campaign slug", "campaign_slug"),
}
EVENT_REASON = "import"

_email_validator = EmailValidator()


class ImportFileError(DomainError):
    """The file itself cannot be read as a lead CSV (encoding, columns, line length)."""

    code = "bad_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


# --- Reading the file ------------------------------------------------------------------------


def _open_binary(job: ImportJob) -> IO[bytes]:
    if job.source_path:
        return open(job.source_path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    job.file.open("rb")
    return cast(IO[bytes], job.file.file)


def _guarded_lines(text: IO[str]) -> Iterator[str]:
    """Lines of at most MAX_LINE_CHARS, so a 100 MB line is refused without reading it whole."""
    number = 0
    while True:
        try:
            line = text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 (a bad byte near line {number + 1}). "
                "Save it as “CSV UTF-8” and upload it again."
            ) from exc
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise ImportFileError(
                f"Line {number} is longer than {MAX_LINE_CHARS // 1024} KB; "
                "this does not look like a lead CSV."
            )
        yield line


@dataclass
class CsvRows:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number of the row, its cells)
    text: io.TextIOWrapper


def _read(stream: IO[bytes]) -> CsvRows:
    """The header and an iterator of data rows; raises ImportFileError for a file it cannot read."""
    csv.field_size_limit(MAX_CELL_CHARS)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(_guarded_lines(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(f"The header row cannot be read as CSV: {exc}.") from exc
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError("The file is empty: the first line must name the columns.")
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            f"The file has {len(header):,} columns; at most {MAX_COLUMNS} are supported. "
            "Remove the columns you do not import."
        )
    if any("\x00" in cell for cell in header):
        raise ImportFileError("The header row contains NUL characters.")
    header = [cell.strip() for cell in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"Line {reader.line_num} cannot be read as CSV ({exc})."
                ) from exc
            if cells:
                yield reader.line_num, cells

    return CsvRows(header=header, rows=rows(), text=text)


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Lead field → column, for the columns whose names are known aliases."""
    by_name = {name.strip().lower(): name for name in header}
    mapping = {}
    for lead_field, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_name:
                mapping[lead_field] = by_name[alias]
                break
    return mapping


def parse_mapping(text: str, header: list[str]) -> dict[str, str]:
    """`email=Email,first_name=First` (from the command line) over the guessed mapping."""
    mapping = guess_mapping(header)
    for pair in filter(None, (p.strip() for p in text.split(","))):
        lead_field, _, column = pair.partition("=")
        mapping[lead_field.strip()] = column.strip()
    return mapping


def validate_mapping(mapping: dict[str, str], header: list[str]) -> dict[str, str]:
    """Only known fields and existing columns; an email column is required."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ImportFileError(
            f"Unknown lead field(s): {', '.join(unknown)}. Map to: {', '.join(FIELDS)}."
        )
    clean = {k: v for k, v in mapping.items() if v}
    missing = sorted(v for v in clean.values() if v not in header)
    if missing:
        raise ImportFileError(f"No column named {', '.join(missing)} in the file.")
    if "email" not in clean:
        raise ImportFileError(
            "No email column: name one “email” or map a column to email (email=<column>)."
        )
    return clean


class _Undetachable(io.RawIOBase):
    """A read-only view of a binary file that closing does not close (the text wrapper closes
    what it wraps when it is collected; an upload must stay open to be saved)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._raw.seek(offset, whence) or 0)

    def seekable(self) -> bool:
        return True


def inspect_file(stream: IO[bytes]) -> list[str]:
    """The header of a candidate file, after checking it can be read (encoding, columns, lines).

    Reads the header and up to the first 1,000 rows, so a wrong file is refused at upload.
    """
    try:
        parsed = _read(stream)
        for _ in zip(range(1000), parsed.rows, strict=False):
            pass
        return parsed.header
    finally:
        if not stream.closed:
            stream.seek(0)


# --- Rows ------------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    email: str
    values: dict[str, str]
    cells: list[str]


@dataclass
class Rejected:
    number: int
    email: str
    reason: str
    cells: list[str]


def _parse_row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    header_len: int,
    campaigns: dict[str, Campaign | None],
) -> Row | Rejected:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    email = normalise_email(cell("email"))
    if len(cells) > header_len:
        return Rejected(number, email, f"{len(cells)} cells but {header_len} columns", cells)
    if any("\x00" in c for c in cells):
        return Rejected(number, email, "contains NUL characters", cells)
    if not email:
        return Rejected(number, email, "email: blank", cells)
    try:
        if len(email) > FIELDS["email"]:
            raise ValidationError("too long")
        _email_validator(email)
    except ValidationError:
        return Rejected(number, email, "email: not a valid address", cells)
    values: dict[str, str] = {}
    for name, limit in FIELDS.items():
        if name == "email":
            continue
        value = cell(name)
        if len(value) > limit and name != "country":
            return Rejected(number, email, f"{name}: longer than {limit} characters", cells)
        values[name] = value
    if values["country"]:
        if not values["country"].isalpha() or len(values["country"]) != 2:
            return Rejected(number, email, "country: use a two-letter ISO code", cells)
        values["country"] = values["country"].upper()
    if values["source"] and values["source"] not in Lead.Source.values:
        return Rejected(number, email, f"source: unknown value {values['source']!r}", cells)
    slug = values["campaign"]
    if slug:
        if slug not in campaigns:
            campaigns[slug] = Campaign.objects.filter(slug=slug).first()
        if campaigns[slug] is None:
            return Rejected(number, email, f"campaign: no campaign with slug {slug!r}", cells)
    return Row(number, email, values, cells)


@dataclass
class Plan:
    """The per-row decisions of one chunk: what a dry run reports and an import does."""

    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _plan(
    chunk: list[tuple[int, list[str]]],
    columns: dict[str, int],
    header_len: int,
    campaigns: dict[str, Campaign | None],
) -> Plan:
    plan = Plan()
    for number, cells in chunk:
        parsed = _parse_row(number, cells, columns, header_len, campaigns)
        if isinstance(parsed, Rejected):
            plan.rejected.append(parsed)
        else:
            plan.rows.append(parsed)
    return plan


def _chunks(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _columns(job: ImportJob, header: list[str]) -> dict[str, int]:
    mapping = validate_mapping(job.mapping, header)
    return {lead_field: header.index(column) for lead_field, column in mapping.items()}


# --- Jobs --------------------------------------------------------------------------------------


def may_import(user: User) -> bool:
    return has_role(user, *IMPORT_ROLES)


@transaction.atomic(durable=True)
def create_import_job(
    *,
    actor: User | None,
    original_name: str,
    upload: Any = None,
    source_path: str = "",
) -> ImportJob:
    """Store the file (or note the server path), check it can be read, and guess the mapping."""
    if actor is not None and not may_import(actor):
        raise NotAllowed("Only RevOps, Marketing and sales managers import leads.")
    if upload is not None:
        # A wrapper over the upload's own file object, detached so the upload stays open.
        header = inspect_file(cast(IO[bytes], _Undetachable(upload.file)))
        upload.seek(0)
        size = upload.size
    else:
        with open(source_path, "rb") as stream:
            header = inspect_file(stream)
        size = os.path.getsize(source_path)
    job = ImportJob(
        created_by=actor,
        source_path=source_path,
        original_name=original_name[:255],
        size_bytes=size,
        header=header,
        mapping=guess_mapping(header),
    )
    if upload is not None:
        job.file.save(os.path.basename(original_name)[:100] or "leads.csv", upload, save=False)
    job.save()
    return job


def _lock_job(job_id: int) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job_id)


@transaction.atomic(durable=True)
def start_dry_run(*, job_id: int, mapping: dict[str, str], actor: User | None) -> ImportJob:
    """Save the mapping and queue the dry run (re-checking is allowed until the import starts)."""
    job = _lock_job(job_id)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED):
        raise InvalidTransition("This import has started; the mapping is fixed.", field="mapping")
    job.mapping = validate_mapping(mapping, job.header)
    job.status = ImportJob.Status.CHECKING
    job.error = ""
    job.save(update_fields=["mapping", "status", "error", "updated_at"])
    enqueue_on_commit("imports.dry_run_import", job.pk)
    return job


@transaction.atomic(durable=True)
def start_import(*, job_id: int, actor: User | None) -> ImportJob:
    """Queue the import after a dry run, or resume one that stopped. Safe to call twice."""
    job = _lock_job(job_id)
    if job.status == ImportJob.Status.QUEUED or (
        job.status == ImportJob.Status.RUNNING and not is_stalled(job)
    ):
        return job
    if job.status not in (
        ImportJob.Status.CHECKED,
        ImportJob.Status.FAILED,
        ImportJob.Status.RUNNING,
    ):
        raise InvalidTransition("Run the dry run first.", field="status")
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status", "updated_at"])
    enqueue_on_commit("imports.run_import", job.pk)
    return job


STALLED_AFTER = timedelta(minutes=2)


def is_stalled(job: ImportJob, now: datetime | None = None) -> bool:
    """A running job whose progress has not moved for STALLED_AFTER: its worker died (a chunk
    takes seconds, and every chunk commits its progress), so it may be resumed from the page
    instead of waiting an hour for the broker to redeliver the task."""
    return (
        job.status == ImportJob.Status.RUNNING
        and (now or timezone.now()) - job.updated_at > STALLED_AFTER
    )


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, error=message[:2000], updated_at=timezone.now()
    )


# --- Dry run -----------------------------------------------------------------------------------


@dataclass
class DryRunLine:
    row: int
    email: str
    action: str  # create | merge | reject
    detail: str


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
    campaigns: dict[str, Campaign | None] = {}
    try:
        with _open_binary(job) as stream:
            parsed = _read(stream)
            columns = _columns(job, parsed.header)
            for chunk in _chunks(parsed.rows, chunk_size):
                plan = _plan(chunk, columns, len(parsed.header), campaigns)
                emails = {row.email for row in plan.rows}
                existing = dict(Lead.objects.filter(email__in=emails).values_list("email", "pk"))
                earlier = seen.first_rows(emails)
                first_in_chunk: dict[str, int] = {}
                decided: dict[int, DryRunLine] = {}
                for row in plan.rows:
                    if row.email in existing:
                        line = DryRunLine(
                            row.number, row.email, "merge", f"into lead {existing[row.email]}"
                        )
                    elif row.email in earlier or row.email in first_in_chunk:
                        first = earlier.get(row.email) or first_in_chunk[row.email]
                        line = DryRunLine(row.number, row.email, "merge", f"with row {first}")
                    else:
                        first_in_chunk[row.email] = row.number
                        line = DryRunLine(row.number, row.email, "create", "")
                    decided[row.number] = line
                for rejected in plan.rejected:
                    decided[rejected.number] = DryRunLine(
                        rejected.number, rejected.email, "reject", rejected.reason
                    )
                seen.add(first_in_chunk.items())
                for number in sorted(decided):
                    yield decided[number]
    finally:
        seen.close()


def dry_run_import(*, job_id: int, chunk_size: int = CHUNK_ROWS) -> ImportJob:
    """Run the dry run of a job in CHECKING state: counts on the job, the row-by-row report as
    a CSV file. A file that cannot be read goes back to UPLOADED with the reason on the job."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job  # a duplicate delivery, or the mapping changed since
    counts = {"create": 0, "merge": 0, "reject": 0}
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(["row", "email", "action", "detail"])
        total = 0
        try:
            for line in dry_run_lines(job, chunk_size=chunk_size):
                counts[line.action] += 1
                total += 1
                writer.writerow(safe_row([line.row, line.email, line.action, line.detail]))
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


# --- The import --------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    created: int = 0
    merged: int = 0
    rejected: int = 0


@dataclass
class _Context:
    """What every chunk of one run shares: loaded once, so a chunk costs a few queries in all."""

    job: ImportJob
    actor: User | None
    agreement: QualificationAgreement | None
    scoring_rules: list[ScoringRule]
    role_rules: list[BuyingRoleRule]
    campaigns: dict[str, Campaign | None] = field(default_factory=dict)

    @property
    def half_life(self) -> int:
        if self.agreement is None:
            return scoring.DEFAULT_HALF_LIFE_DAYS
        return self.agreement.engagement_half_life_days


def _chunk_accounts(plan: Plan, leads: dict[str, Lead]) -> dict[str, Account | None]:
    """Domain → account for every row that asks for one (a new email, or a known lead without
    an account), matched in one batch; a new account is named from the first such row."""
    return match_accounts(
        rows=[
            (row.email, row.values["company_name"], row.values["country"])
            for row in plan.rows
            if (known := leads.get(row.email)) is None or known.account_id is None
        ]
    )


def _engagement(lead_ids: list[int], now: datetime, half_life: int) -> dict[int, float]:
    """Decayed touchpoint weights per lead, in one query (scoring.engagement_score in bulk)."""
    totals: dict[int, float] = dict.fromkeys(lead_ids, 0.0)
    rows = Touchpoint.objects.filter(lead_id__in=lead_ids).values_list(
        "lead_id", "kind", "occurred_at", "asset__engagement_weight"
    )
    for lead_id, kind, occurred_at, asset_weight in rows:
        weight = asset_weight if asset_weight is not None else scoring.KIND_WEIGHTS.get(kind, 1)
        totals[lead_id] += scoring.decayed(weight, occurred_at, now, half_life)
    return {lead_id: round(total, 2) for lead_id, total in totals.items()}


def _own_engagement(touches: int, now: datetime, half_life: int) -> float:
    """The engagement of a lead the chunk creates: its only touchpoints are the chunk's own
    (one form submission per row, occurring now, no asset), summed as _engagement sums them."""
    weight = scoring.KIND_WEIGHTS.get(Touchpoint.Kind.FORM_SUBMIT, 1)
    total = 0.0
    for _ in range(touches):
        total += scoring.decayed(weight, now, now, half_life)
    return round(total, 2)


def _score(lead: Lead, engagement: float, ctx: _Context, now: datetime) -> None:
    """Fit from the rules, the given engagement, and their sum (as scoring.rescore_lead)."""
    lead.fit_score = scoring.fit_score(lead=lead, account=lead.account, rules=ctx.scoring_rules)
    lead.engagement_score = engagement
    lead.score = min(32000, lead.fit_score + round(lead.engagement_score))
    lead.updated_at = now


_EVENT_COLUMNS = ("lead", "kind", "actor", "reason", "old_value", "new_value", "payload", "at")


def _event(
    lead: Lead, kind: str, *, reason: str, actor: User | None, now: datetime, **kw: Any
) -> tuple[Any, ...]:
    """A LeadEvent row (values in _EVENT_COLUMNS order) built by apps.leads.events, so imported
    events look exactly like the ones intake writes."""
    fields = lead_events.event_fields(
        lead=lead,
        kind=kind,
        actor=actor,
        reason=reason,
        old=kw.get("old", ""),
        new=kw.get("new", ""),
        payload=kw.get("payload"),
        at=now,
    )
    return tuple(fields[column] for column in _EVENT_COLUMNS)


def _copy(model: type[Any], names: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL: insert rows of database values (in the order of the named fields) with one
    COPY; database errors surface as Django's (an IntegrityError redoes the chunk)."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _next_ids(model: type[Any], count: int) -> list[int]:
    """PostgreSQL: `count` fresh primary keys from the table's identity sequence, ascending."""
    if not count:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def _write_touchpoints(
    ctx: _Context, rows: list[Row], leads: dict[str, Lead], now: datetime
) -> list[tuple[Lead, int]]:
    """One form-submission touchpoint per row (bulk_create elsewhere, COPY with preallocated
    keys on PostgreSQL); (lead, touchpoint id) per row, in row order."""

    def campaign(row: Row) -> Campaign | None:
        return ctx.campaigns.get(row.values["campaign"]) if row.values["campaign"] else None

    kind = Touchpoint.Kind.FORM_SUBMIT
    if connection.vendor != "postgresql":
        touchpoints = [
            Touchpoint(
                lead=leads[row.email],
                account=leads[row.email].account,
                kind=kind,
                campaign=campaign(row),
                occurred_at=now,
                metadata={"import_job": ctx.job.pk, "row": row.number},
            )
            for row in rows
        ]
        Touchpoint.objects.bulk_create(touchpoints, batch_size=CHUNK_ROWS)
        return [(t.lead, t.pk) for t in touchpoints]
    ids = _next_ids(Touchpoint, len(rows))
    adapt_json = connection.ops.adapt_json_value
    encoder = cast(Any, Touchpoint._meta.get_field("metadata")).encoder
    created_at = timezone.now()
    written: list[tuple[Lead, int]] = []
    values: list[tuple[Any, ...]] = []
    for pk, row in zip(ids, rows, strict=True):
        lead = leads[row.email]
        chosen = campaign(row)
        values.append(
            (
                pk,
                lead.pk,
                lead.account_id,
                kind.value,
                chosen.pk if chosen is not None else None,
                None,
                now,
                adapt_json({"import_job": ctx.job.pk, "row": row.number}, encoder),
                created_at,
            )
        )
        written.append((lead, pk))
    _copy(
        Touchpoint,
        (
            "id",
            "lead",
            "account",
            "kind",
            "campaign",
            "asset",
            "occurred_at",
            "metadata",
            "created_at",
        ),
        values,
    )
    return written


def _write_events(events: list[tuple[Any, ...]]) -> None:
    """Insert the chunk's LeadEvents: on PostgreSQL one COPY (no model instances, no per-value
    SQL quoting: the rows are the larger part of an import's writes), elsewhere bulk_create."""
    if connection.vendor != "postgresql":
        LeadEvent.objects.bulk_create(
            [LeadEvent(**dict(zip(_EVENT_COLUMNS, event, strict=True))) for event in events],
            batch_size=CHUNK_ROWS,
        )
        return
    adapt_json = connection.ops.adapt_json_value
    encoder = cast(Any, LeadEvent._meta.get_field("payload")).encoder
    _copy(
        LeadEvent,
        _EVENT_COLUMNS,
        (
            (
                lead.pk,
                kind,
                actor.pk if actor is not None else None,
                reason,
                old,
                new,
                adapt_json(payload, encoder),
                at,
            )
            for lead, kind, actor, reason, old, new, payload, at in events
        ),
    )


def _import_chunk(ctx: _Context, plan: Plan, *, rows_in_chunk: int) -> ChunkResult:
    """One transaction: leads created or merged, touchpoints, events, rejections and progress.

    A few statements per chunk whatever its size: accounts matched in one batch, new leads
    scored in memory before their INSERT (their only touchpoints are the chunk's own), one
    UPDATE for the merged leads, accounts rolled up in one batch.
    """
    now = timezone.now()
    actor = ctx.actor
    job = ctx.job
    result = ChunkResult(rejected=len(plan.rejected))
    with transaction.atomic():
        emails = sorted({row.email for row in plan.rows})
        # Lock known leads in pk order (the lock order every lead writer uses).
        leads: dict[str, Lead] = {
            lead.email: lead
            for lead in Lead.objects.select_for_update(of=("self",))
            .filter(email__in=emails)
            .select_related("account")
            .order_by("pk")
        }
        accounts = _chunk_accounts(plan, leads)
        created: dict[str, Lead] = {}
        changed: dict[int, set[str]] = {}
        touches: dict[str, int] = {}
        for row in plan.rows:
            touches[row.email] = touches.get(row.email, 0) + 1
            lead = leads.get(row.email)
            values = row.values
            campaign = ctx.campaigns.get(values["campaign"]) if values["campaign"] else None
            if lead is None:
                lead = Lead(
                    email=row.email,
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    title=values["title"],
                    phone=values["phone"],
                    country=values["country"],
                    company_name=values["company_name"],
                    source=values["source"] or Lead.Source.IMPORT,
                    campaign=campaign,
                    last_touch_at=now,
                )
                lead.account = accounts[email_domain(row.email)]
                if lead.title:
                    lead.buying_role = scoring.infer_buying_role(lead.title, ctx.role_rules)
                leads[row.email] = created[row.email] = lead
                result.created += 1
                continue
            result.merged += 1
            fields = changed.setdefault(id(lead), set())
            for name in FILLABLE:
                if values[name] and not getattr(lead, name):
                    setattr(lead, name, values[name])
                    fields.add(name)
            if lead.account_id is None and lead.pk is not None:
                lead.account = accounts[email_domain(row.email)]
                if lead.account is not None:
                    fields.add("account")
            if (
                lead.title
                and not lead.buying_role_set_by_hand
                and lead.buying_role == BuyingRole.UNKNOWN
            ):
                role = scoring.infer_buying_role(lead.title, ctx.role_rules)
                if role != lead.buying_role:
                    lead.buying_role = role
                    fields.add("buying_role")
            lead.last_touch_at = now
            fields.add("last_touch_at")
        # Every lead the chunk touched, in the order the events and qualification take them:
        # the known leads (pk order), then the new ones (file order).
        touched = [lead for lead in leads.values() if lead.email in touches]
        old_scores = {id(lead): lead.score for lead in touched}
        # A new lead's score is known before it is written: fit from the rules, and the
        # engagement of the chunk's own touchpoints.
        for lead in created.values():
            _score(lead, _own_engagement(touches[lead.email], now, ctx.half_life), ctx, now)
        Lead.objects.bulk_create(list(created.values()), batch_size=CHUNK_ROWS)
        touchpoints = _write_touchpoints(ctx, plan.rows, leads, now)
        # A merged lead is scored over all its touchpoints, then written once with its filled
        # fields.
        merged = [lead for lead in touched if lead.email not in created]
        if merged:
            engagement = _engagement([lead.pk for lead in merged], now, ctx.half_life)
            for lead in merged:
                _score(lead, engagement[lead.pk], ctx, now)
            names = sorted({name for lead in merged for name in changed[id(lead)]})
            update_rows(
                Lead,
                merged,
                [*names, "fit_score", "engagement_score", "score", "updated_at"],
            )
        events = [
            _event(
                lead,
                LeadEvent.Kind.CREATED,
                reason=f"import {job.pk}",
                actor=actor,
                now=now,
                new=lead.email,
            )
            for lead in created.values()
        ]
        events += [
            _event(
                lead,
                LeadEvent.Kind.TOUCHPOINT,
                reason=EVENT_REASON,
                actor=actor,
                now=now,
                new=Touchpoint.Kind.FORM_SUBMIT,
                payload={"touchpoint": touchpoint_id, "asset": ""},
            )
            for lead, touchpoint_id in touchpoints
        ]
        for lead in touched:
            is_new = lead.email in created
            old_score = old_scores[id(lead)]
            old_band = "" if is_new else scoring.score_band(old_score)
            new_band = scoring.score_band(lead.score)
            if is_new or old_band != new_band:
                events.append(
                    _event(
                        lead,
                        LeadEvent.Kind.SCORE,
                        reason="rescored",
                        actor=None,
                        now=now,
                        old=old_band,
                        new=new_band,
                        payload={"old_score": old_score, "new_score": lead.score},
                    )
                )
        _write_events(events)
        # Qualification under the agreement in force: mark_ready writes its own event and
        # routes after commit, exactly as for an intake.
        if ctx.agreement is not None:
            for lead in touched:
                reason = scoring.ready_reason(lead=lead, agreement=ctx.agreement, hand_raiser=False)
                if reason:
                    scoring.mark_ready(
                        lead=lead, agreement=ctx.agreement, reason=reason, actor=actor, now=now
                    )
        rolled_up = scoring.roll_up_accounts(
            account_ids={lead.account_id for lead in touched if lead.account_id},
            agreement=ctx.agreement,
            now=now,
        )
        for account_id, account in sorted(rolled_up.items()):
            if (
                ctx.agreement
                and not account.is_conversation_ready
                and scoring.account_meets_rule(account=account, agreement=ctx.agreement)
            ):
                enqueue_on_commit("scoring.qualify_account", account_id)
        ImportRejection.objects.bulk_create(
            [
                ImportRejection(
                    job=job,
                    row_number=r.number,
                    email=r.email[:254],
                    reason=r.reason[:300],
                    values=[c[:1000] for c in r.cells[:MAX_COLUMNS]],
                )
                for r in plan.rejected
            ],
            batch_size=CHUNK_ROWS,
        )
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=F("rows_done") + rows_in_chunk,
            created_count=F("created_count") + result.created,
            merged_count=F("merged_count") + result.merged,
            rejected_count=F("rejected_count") + result.rejected,
            updated_at=now,
        )
    return result


def _claim_run(job_id: int) -> ImportJob | None:
    """Queued (or running: a redelivered task after a killed worker) → running."""
    with transaction.atomic():
        job = _lock_job(job_id)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return None
        job.status = ImportJob.Status.RUNNING
        job.error = ""
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "error", "started_at", "updated_at"])
        return job


def run_import(
    *,
    job_id: int,
    chunk_size: int = CHUNK_ROWS,
    on_chunk: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Import a queued job chunk by chunk, resuming after the last committed chunk. Safe to call
    twice: a finished job is left alone."""
    job = _claim_run(job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    ctx = _Context(
        job=job,
        actor=job.created_by,
        agreement=QualificationAgreement.objects.in_force(),
        scoring_rules=list(ScoringRule.objects.filter(is_active=True)),
        role_rules=list(BuyingRoleRule.objects.all()),
    )
    try:
        with _open_binary(job) as stream:
            parsed = _read(stream)
            columns = _columns(job, parsed.header)
            skip = job.rows_done
            remaining = (row for index, row in enumerate(parsed.rows) if index >= skip)
            for chunk in _chunks(remaining, chunk_size):
                plan = _plan(chunk, columns, len(parsed.header), ctx.campaigns)
                _import_chunk_with_retry(ctx, plan, rows_in_chunk=len(chunk))
                if on_chunk is not None:
                    on_chunk(ImportJob.objects.get(pk=job.pk))
    except ImportFileError as exc:
        _fail(job.pk, exc.message)
        return ImportJob.objects.get(pk=job.pk)
    except Exception as exc:
        _fail(job.pk, f"Stopped unexpectedly ({type(exc).__name__}); start it again to resume.")
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
    )
    return ImportJob.objects.get(pk=job.pk)


def _import_chunk_with_retry(ctx: _Context, plan: Plan, *, rows_in_chunk: int) -> None:
    """A concurrent intake may insert one of the chunk's emails between our read and insert;
    the chunk then rolls back whole and is redone (its re-read finds that lead to merge into)."""
    for attempt in range(3):
        try:
            _import_chunk(ctx, plan, rows_in_chunk=rows_in_chunk)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def rejected_rows(job: ImportJob) -> Iterator[list[Any]]:
    """Rows for the rejected-rows CSV: row, email, reason, then the row's cells."""
    for rejection in job.rejections.order_by("row_number").iterator(chunk_size=2000):
        yield [rejection.row_number, rejection.email, rejection.reason, *rejection.values]


def rejected_header(job: ImportJob) -> list[str]:
    return ["row", "email", "reason", *job.header]


def write_rejected_csv(job: ImportJob, out: Any) -> None:
    write_rows(out, rejected_header(job), rejected_rows(job))


def rows_per_second(job: ImportJob) -> float:
    if not job.started_at or not job.finished_at:
        return math.nan
    seconds = max((job.finished_at - job.started_at).total_seconds(), 1e-6)
    return job.rows_done / seconds
