"""The import itself: the file read in chunks, each chunk one transaction holding its leads,
touchpoints, LeadEvents, rejected rows and the job's progress, so an import killed mid-way
resumes after the last committed chunk without repeating a row.

Every row goes the way of any intake: one lead per normalised email (a known email is merged:
blanks are filled, filled fields never overwritten), account matching by domain (never for
free-mail), a touchpoint, scoring, and the qualification decision of the agreement in force.

The touchpoint records the import, not a buyer's action: kind "import" with no asset, worth no
engagement, unless the file maps a touch kind or an asset column saying what the buyer did. It
never poses as a form submission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Account
from apps.accounts.services import email_domain, match_accounts
from apps.core.bulk import (
    builder,
    copy_rows,
    fewer_collections,
    insert_objects,
    next_ids,
    update_rows,
)
from apps.imports.models import ImportJob, ImportRejection
from apps.imports.services.jobs import claim_run, fail_job
from apps.imports.services.mapping import mapped_columns
from apps.imports.services.reading import (
    MAX_COLUMNS,
    FileFormat,
    ImportFileError,
    open_job_file,
    read_csv,
)
from apps.imports.services.rows import CHUNK_ROWS, Lookups, Plan, Row, chunks, plan_chunk
from apps.leads import engagement
from apps.leads import events as lead_events
from apps.leads import facts as lead_facts
from apps.leads.models import BuyingRole, Lead, LeadEvent, Touchpoint
from apps.scoring import services as scoring
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.scoring.rulebook import rulebook
from apps.users.models import User

# The fields a merge fills when the known lead has them blank (never overwriting).
FILLABLE = ("first_name", "last_name", "title", "phone", "country", "company_name")
EVENT_REASON = "import"
_EVENT_COLUMNS = ("lead", "kind", "actor", "reason", "old_value", "new_value", "payload", "at")
# How many domains a run remembers the account of between chunks: a file names the same
# companies again and again, and a file of a million different ones keeps memory flat.
KNOWN_DOMAINS_MAX = 20_000


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
    scoring_rules: Sequence[ScoringRule]
    role_rules: Sequence[BuyingRoleRule]
    lookups: Lookups = field(default_factory=Lookups)
    # domain -> the account an earlier chunk of this run matched it to, kept only once that
    # chunk committed (a rolled-back chunk's new accounts do not exist); accounts are archived,
    # never deleted, so a match stands for the run
    accounts: dict[str, Account | None] = field(default_factory=dict)

    @property
    def half_life(self) -> int:
        if self.agreement is None:
            return scoring.DEFAULT_HALF_LIFE_DAYS
        return self.agreement.engagement_half_life_days

    def remember_accounts(self, matched: dict[str, Account | None]) -> None:
        """Keep a committed chunk's matches for the chunks after it (forgetting them all when
        the run has seen KNOWN_DOMAINS_MAX domains: memory stays flat on any file)."""
        if len(self.accounts) + len(matched) > KNOWN_DOMAINS_MAX:
            self.accounts.clear()
        self.accounts.update(matched)


def _chunk_accounts(
    ctx: _Context, plan: Plan, leads: dict[str, Lead]
) -> tuple[dict[str, Account | None], dict[str, Account | None]]:
    """Domain → account for every row that asks for one (a new email, or a known lead without
    an account): the domains an earlier chunk matched from the run's memory, the rest matched
    in one batch (a new account is named from the first such row). Also returns that batch's
    matches alone, for the run to remember once the chunk commits."""
    accounts: dict[str, Account | None] = {}
    wanted: list[tuple[str, str, str]] = []
    for row in plan.rows:
        if (known := leads.get(row.email)) is not None and known.account_id is not None:
            continue
        domain = email_domain(row.email)
        if domain in ctx.accounts:
            accounts[domain] = ctx.accounts[domain]
        else:
            wanted.append((row.email, row.values["company_name"], row.values["country"]))
    matched = match_accounts(rows=wanted) if wanted else {}
    accounts.update(matched)
    return accounts, matched


def _score(lead: Lead, engagement: float, ctx: _Context, now: datetime) -> None:
    """Fit from the rules, the given engagement, and their total (as scoring.rescore_lead)."""
    lead.fit_score = scoring.fit_score(lead=lead, account=lead.account, rules=ctx.scoring_rules)
    lead.engagement_score = engagement
    lead.score = scoring.total_score(fit=lead.fit_score, engagement=lead.engagement_score)
    lead.updated_at = now


def _fresh_engagement(touches: list[Row], now: datetime, half_life_days: int) -> float:
    """engagement_scores' value for a new lead whose only touchpoints are these rows' touches,
    occurring `now`: scoring's weights and decay, summed touch by touch as it sums them."""
    total = 0.0
    for row in touches:
        weight = scoring.touch_weight(
            row.kind, row.asset.engagement_weight if row.asset is not None else None
        )
        total += scoring.decayed(weight, now, now, half_life_days)
    return round(total, 2)


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


def _engages(row: Row) -> bool:
    """The row's touch counts as engagement (scoring's NOT_ENGAGEMENT is its negation)."""
    return row.asset is not None or row.kind != Touchpoint.Kind.IMPORT


def _write_touchpoints(
    ctx: _Context, rows: list[Row], leads: dict[str, Lead], now: datetime
) -> list[tuple[Lead, int]]:
    """One touchpoint per row, of the row's kind and asset (bulk_create elsewhere, COPY with
    preallocated keys on PostgreSQL); (lead, touchpoint id) per row, in row order."""
    if connection.vendor != "postgresql":
        touchpoints = [
            Touchpoint(
                lead=leads[row.email],
                account=leads[row.email].account,
                kind=row.kind,
                campaign_id=row.touch_campaign_id,
                asset=row.asset,
                occurred_at=now,
                metadata={"import_job": ctx.job.pk, "row": row.number},
            )
            for row in rows
        ]
        Touchpoint.objects.bulk_create(touchpoints, batch_size=CHUNK_ROWS)
        return [(t.lead, t.pk) for t in touchpoints]
    ids = next_ids(Touchpoint, len(rows))
    adapt_json = connection.ops.adapt_json_value
    encoder = cast(Any, Touchpoint._meta.get_field("metadata")).encoder
    created_at = timezone.now()
    written: list[tuple[Lead, int]] = []
    values: list[tuple[Any, ...]] = []
    for pk, row in zip(ids, rows, strict=True):
        lead = leads[row.email]
        values.append(
            (
                pk,
                lead.pk,
                lead.account_id,
                row.kind,
                row.touch_campaign_id,
                row.asset.pk if row.asset is not None else None,
                now,
                adapt_json({"import_job": ctx.job.pk, "row": row.number}, encoder),
                created_at,
            )
        )
        written.append((lead, pk))
    copy_rows(
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
    lead_events.announce(leads={event[0].pk: event[0] for event in events}.values())
    if connection.vendor != "postgresql":
        LeadEvent.objects.bulk_create(
            [LeadEvent(**dict(zip(_EVENT_COLUMNS, event, strict=True))) for event in events],
            batch_size=CHUNK_ROWS,
        )
        return
    adapt_json = connection.ops.adapt_json_value
    encoder = cast(Any, LeadEvent._meta.get_field("payload")).encoder
    copy_rows(
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
        accounts, matched = _chunk_accounts(ctx, plan, leads)
        new_lead = builder(Lead, last_touch_at=now)
        created: dict[str, Lead] = {}
        changed: dict[int, set[str]] = {}
        touches: dict[str, list[Row]] = {}
        role_moves: list[tuple[int, str, str]] = []  # (known lead, old role, new role)
        for row in plan.rows:
            touches.setdefault(row.email, []).append(row)
            lead = leads.get(row.email)
            values = row.values
            if lead is None:
                lead = new_lead(
                    email=row.email,
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    title=values["title"],
                    phone=values["phone"],
                    country=values["country"],
                    company_name=values["company_name"],
                    source=values["source"] or Lead.Source.IMPORT,
                    # the row's campaign, else its asset's (as intake credits a new lead)
                    campaign_id=row.touch_campaign_id,
                    account=accounts[email_domain(row.email)],
                )
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
                    role_moves.append((lead.pk, lead.buying_role, role))
                    lead.buying_role = role
                    fields.add("buying_role")
            lead.last_touch_at = now
            fields.add("last_touch_at")
        # Every lead the chunk touched, in the order the events and qualification take them:
        # the known leads (pk order), then the new ones (file order).
        touched = [lead for lead in leads.values() if lead.email in touches]
        old_scores = {id(lead): lead.score for lead in touched}
        # A new lead's score is known before it is written: fit from the rules, and the
        # engagement of the chunk's own touchpoints (one per row, now; an unmapped "import"
        # touch adds none).
        for lead in created.values():
            _score(lead, _fresh_engagement(touches[lead.email], now, ctx.half_life), ctx, now)
        insert_objects(Lead, list(created.values()))
        tally = engagement.Tally()
        tally.role_changes(role_moves)  # their touches so far, before the chunk's are written
        touchpoints = _write_touchpoints(ctx, plan.rows, leads, now)
        tally.touches(
            (
                leads[row.email].account_id,
                now,
                leads[row.email].buying_role,
                row.asset.pk if row.asset is not None else None,
            )
            for row in plan.rows
        )
        tally.write()
        # bulk writes send no events: the new leads get their facts row, and the leads that got
        # a campaign touch have their source campaign re-read (an import touch has none)
        lead_facts.ensure(lead.pk for lead in created.values())
        lead_facts.touches_added(
            leads[row.email].pk for row in plan.rows if row.touch_campaign_id is not None
        )
        # A merged lead is scored over all its touchpoints, then written once with its filled
        # fields.
        merged = [lead for lead in touched if lead.email not in created]
        if merged:
            engagements = scoring.engagement_scores(
                lead_ids=[lead.pk for lead in merged], now=now, half_life_days=ctx.half_life
            )
            for lead in merged:
                _score(lead, engagements[lead.pk], ctx, now)
            names = sorted({name for lead in merged for name in changed[id(lead)]})
            update_rows(
                Lead,
                merged,
                [*names, "fit_score", "engagement_score", "score", "updated_at"],
            )
            # a known lead matched to an account here: its facts and cohort entries take it
            lead_facts.accounts_changed(
                lead.pk for lead in merged if "account" in changed[id(lead)]
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
                new=row.kind,
                payload={
                    "touchpoint": touchpoint_id,
                    "asset": row.asset.slug if row.asset is not None else "",
                },
            )
            for row, (lead, touchpoint_id) in zip(plan.rows, touchpoints, strict=True)
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
        # routes after commit, exactly as for an intake. A mapped hand-raiser asset is not a
        # hand raised now: an import records what happened elsewhere, earlier, so only the
        # score (the asset's weight included) can make an imported lead ready.
        if ctx.agreement is not None:
            for lead in touched:
                reason = scoring.ready_reason(lead=lead, agreement=ctx.agreement, hand_raiser=False)
                if reason:
                    scoring.mark_ready(
                        lead=lead, agreement=ctx.agreement, reason=reason, actor=actor, now=now
                    )
        # Only the accounts whose roll-up inputs moved: a known person (rescored, maybe a
        # role or an account found) or a new one with a touch that engages. A bare import row
        # adds no engagement and no role, so a file of new names changes no account.
        rolled_up = scoring.roll_up_accounts(
            account_ids={
                lead.account_id
                for lead in touched
                if lead.account_id
                and (lead.email not in created or any(map(_engages, touches[lead.email])))
            },
            agreement=ctx.agreement,
            now=now,
        )
        scoring.qualify_after_commit(rolled_up, ctx.agreement)
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
    ctx.remember_accounts(matched)
    return result


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


def run_import(
    *,
    job_id: int,
    chunk_size: int = CHUNK_ROWS,
    on_chunk: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Import a queued job chunk by chunk, resuming after the last committed chunk. Safe to call
    twice: a finished job is left alone."""
    job = claim_run(job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    book = rulebook()
    ctx = _Context(
        job=job,
        actor=job.created_by,
        agreement=book.agreement_at(),
        scoring_rules=book.scoring_rules,
        role_rules=book.role_rules,
        lookups=Lookups(tag=job.campaign),
    )
    try:
        with open_job_file(job) as stream:
            parsed = read_csv(stream, FileFormat.of(job))
            columns = mapped_columns(job, parsed.header)
            skip = job.rows_done
            remaining = (row for index, row in enumerate(parsed.rows) if index >= skip)
            with fewer_collections():
                for chunk in chunks(remaining, chunk_size):
                    plan = plan_chunk(chunk, columns, parsed.header, ctx.lookups)
                    _import_chunk_with_retry(ctx, plan, rows_in_chunk=len(chunk))
                    if on_chunk is not None:
                        on_chunk(ImportJob.objects.get(pk=job.pk))
    except ImportFileError as exc:
        fail_job(job.pk, exc.message)
        return ImportJob.objects.get(pk=job.pk)
    except Exception as exc:
        fail_job(job.pk, f"Stopped unexpectedly ({type(exc).__name__}); start it again to resume.")
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
    )
    return ImportJob.objects.get(pk=job.pk)


def rejected_header(job: ImportJob) -> list[str]:
    """The header of the rejected-rows CSV: row, email, reason, then the file's own columns."""
    return ["row", "email", "reason", *job.header]


def rejected_rows(job: ImportJob) -> Iterator[list[Any]]:
    """Rows for the rejected-rows CSV: row, email, reason, then the row's cells."""
    for rejection in job.rejections.order_by("row_number").iterator(chunk_size=2000):
        yield [rejection.row_number, rejection.email, rejection.reason, *rejection.values]
