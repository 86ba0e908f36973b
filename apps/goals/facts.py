"""Rebuilding the facts the reports read, from the records alone.

The writing transactions keep LeadFacts current (apps.leads.facts); this module computes the
same rows from scratch, set-wise, for `python manage.py rebuild_facts`, the demo seed and the
migration that introduced them. A property test (tests/goals/test_facts.py) holds the two equal.

A lead's facts from its records: ready_at, first_response_at, converted_at and disqualified_at
are the lead's own; response_minutes the SLA calendar's working minutes between ready_at and
first_response_at; source_campaign its first campaign touch (earliest occurred_at, then lowest
id); won_amount the sum of its won opportunities as primary lead; disqualification_reason_id
the reason of its latest disqualification while it is disqualified; rep_id, sla_state and
attempted follow the lead's owner, clock and attempts (apps.leads.facts.cohort_values);
converted whether it is the primary lead of an opportunity.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.models import Quarter
from apps.core.quarters import quarter_start_of, quarters
from apps.core.queue import publish
from apps.feedback.cells import rebuild_disqualification_cells
from apps.feedback.models import Disqualification
from apps.leads import cells, engagement, facts
from apps.leads.facts import ENTRY_COPIED
from apps.leads.models import (
    AccountWeek,
    CohortEntry,
    Lead,
    LeadEvent,
    LeadFacts,
    StatusMove,
    Touchpoint,
)
from apps.opportunities.attribution import credit_deals
from apps.opportunities.cells import rebuild_deal_cells
from apps.opportunities.models import Opportunity
from apps.routing.business_hours import working_minutes_between
from apps.routing.models import SlaPolicy
from apps.routing.services import active_policy

CHUNK = 2000
ZERO = Decimal("0.00")
COLUMNS = (
    "created_at",
    "ready_at",
    "first_response_at",
    "response_minutes",
    "converted_at",
    "won_amount",
    "disqualified_at",
    "archived_at",
    "disqualification_reason_id",
    "rep_id",
    "sla_state",
    "attempted",
    "converted",
    "account_id",
)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def rebuild_lead_facts(lead_ids: Collection[int] | None = None) -> int:
    """Recompute the facts of these leads (all leads when None) from the records; returns how
    many rows were written. A few set-wise queries per chunk of CHUNK leads."""
    ids = sorted(lead_ids if lead_ids is not None else Lead.objects.values_list("pk", flat=True))
    policy = active_policy()  # its holidays prefetched: the calendar is read once
    written = 0
    for chunk in _chunks(ids):
        with transaction.atomic():
            written += _rebuild_chunk(chunk, policy=policy)
    return written


def _rebuild_chunk(ids: list[int], *, policy: SlaPolicy | None) -> int:
    won = dict(
        Opportunity.objects.filter(primary_lead_id__in=ids, stage=Opportunity.Stage.WON)
        .values("primary_lead_id")
        .annotate(total=Sum("amount"))
        .values_list("primary_lead_id", "total")
    )
    reasons: dict[int, int] = {}
    for lead_id, reason_id in (
        Disqualification.objects.filter(lead_id__in=ids, lead__disqualified_at__isnull=False)
        .order_by("lead_id", "-at", "-pk")
        .values_list("lead_id", "reason_id")
    ):
        reasons.setdefault(lead_id, reason_id)
    converted = set(
        Opportunity.objects.filter(primary_lead_id__in=ids).values_list(
            "primary_lead_id", flat=True
        )
    )
    rows = []
    for lead in Lead.objects.filter(pk__in=ids).only(
        "pk",
        "created_at",
        "ready_at",
        "first_response_at",
        "converted_at",
        "disqualified_at",
        "archived_at",
        "owner_id",
        "breached_owner_id",
        "sla_state",
        "attempt_count",
        "account_id",
    ):
        minutes = None
        if lead.ready_at is not None and lead.first_response_at is not None:
            minutes = working_minutes_between(
                start=lead.ready_at, end=lead.first_response_at, policy=policy
            )
        rows.append(
            LeadFacts(
                lead_id=lead.pk,
                created_at=lead.created_at,
                ready_at=lead.ready_at,
                first_response_at=lead.first_response_at,
                response_minutes=minutes,
                converted_at=lead.converted_at,
                won_amount=won.get(lead.pk) or ZERO,
                disqualified_at=lead.disqualified_at,
                archived_at=lead.archived_at,
                disqualification_reason_id=reasons.get(lead.pk),
                converted=lead.pk in converted,
                account_id=lead.account_id,
                **facts.cohort_values(lead),
            )
        )
    LeadFacts.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["lead"], update_fields=list(COLUMNS)
    )
    facts.touches_added(ids)
    _rebuild_entries(ids, configured=quarters())
    facts.rebuild_moves(ids)
    return len(rows)


def _rebuild_entries(ids: list[int], *, configured: list[Quarter]) -> int:
    """The leads' cohort entries from their ready events: one per quarter they became ready in,
    dated by the first such event, with their facts' columns (apps.leads.facts.entered_cohort
    writes the same incrementally)."""
    CohortEntry.objects.filter(lead_id__in=ids).delete()
    firsts: dict[tuple[int, date], date] = {}
    for lead_id, at in (
        LeadEvent.objects.filter(
            lead_id__in=ids, kind=LeadEvent.Kind.STATUS, new_value=Lead.Status.READY
        )
        .order_by("at", "pk")
        .values_list("lead_id", "at")
    ):
        day = at.astimezone(UTC).date()
        firsts.setdefault((lead_id, quarter_start_of(day, configured)), day)
    copied = {
        row.pop("lead_id"): row
        for row in LeadFacts.objects.filter(lead_id__in=ids).values("lead_id", *ENTRY_COPIED)
    }
    entries = [
        CohortEntry(lead_id=lead_id, quarter_starts_on=starts_on, ready_on=day, **copied[lead_id])
        for (lead_id, starts_on), day in firsts.items()
        if lead_id in copied
    ]
    # an entry written meanwhile by another transaction (a second rebuild, or the lead made
    # ready again: entered_cohort) was computed from the same records and stays, as the first
    # entry does there; inserting over it would fail the whole rebuild
    CohortEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def rebuild_cohort_entries() -> int:
    """Every lead's cohort entries again (after the quarters were edited); returns how many
    were computed (an entry another transaction wrote meanwhile is kept and counted)."""
    ids = sorted(Lead.objects.values_list("pk", flat=True))
    configured = quarters()
    written = 0
    for chunk in _chunks(ids):
        with transaction.atomic():
            written += _rebuild_entries(chunk, configured=configured)
    cells.fold_cohort_cells()  # each chunk's entries left a row per cell they moved
    return written


def rebuild_deal_credits(chunk: int = 500) -> int:
    """Rewrite every won deal's campaign credits (apps.opportunities.attribution) from the
    touches); returns how many deals were credited. Three queries per chunk of deals, taken in
    account order: a chunk reads every campaign touch of its deals' accounts, so a chunk of
    deals at a few accounts reads those accounts' touches once, where a chunk in key order
    spanned most accounts and read most of the touch table again for every chunk."""
    won = Opportunity.objects.filter(stage=Opportunity.Stage.WON).order_by("account_id", "pk")
    count = 0
    batch: list[Opportunity] = []
    for opportunity in won.iterator(chunk_size=chunk):
        batch.append(opportunity)
        if len(batch) == chunk:
            count += _credit_batch(batch)
            batch = []
    return count + _credit_batch(batch)


def _credit_batch(batch: list[Opportunity]) -> int:
    with transaction.atomic():
        credit_deals(batch)
    return len(batch)


def rebuild_all() -> tuple[int, int, int]:
    """Every lead's facts (the cohort's cells and the leads created's written again from the
    entries and the facts, the disqualifications' and the deals' from their records), every won
    deal's credits and the accounts' weekly touches: (leads, deals, account weeks)."""
    leads = rebuild_lead_facts()
    cells.rebuild_cohort_cells()
    cells.rebuild_created_cells()
    rebuild_disqualification_cells()
    rebuild_deal_cells()
    return leads, rebuild_deal_credits(), engagement.rebuild()


def backfill_after_migrate(sender: object, *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate receiver: an install that has leads but no facts yet (one that upgraded
    past goals.0003) gets them rebuilt once every migration has run, so the live models the
    rebuild reads match the schema. A no-op on a new or an up-to-date install."""
    if using != DEFAULT_DB_ALIAS:
        return
    if Lead.objects.exists() and not LeadFacts.objects.exists():
        rebuild_all()
    elif (
        not CohortEntry.objects.exists()
        and LeadFacts.objects.filter(ready_at__isnull=False).exists()
    ):
        rebuild_cohort_entries()  # an install from before the cohort entries (leads.0016)
    if not StatusMove.objects.exists() and LeadEvent.objects.filter(facts.FLOW_EVENTS).exists():
        # an install from before the lead flow's moves (leads.0027)
        facts.rebuild_moves(LeadFacts.objects.values_list("lead_id", flat=True))
    if (
        not AccountWeek.objects.exists()
        and Touchpoint.objects.filter(account_id__isnull=False).exists()
    ):
        engagement.rebuild()  # an install from before the accounts' weekly touches (leads.0025)


# The rebuilds the quarters' edits queue are coalesced (seed_demo saves three quarters, an
# admin editing a year saves four, and at a million leads one rebuild takes minutes): each
# is queued with the moment its edit committed, and a finished rebuild notes the moment it
# started, before it read the quarters. A queued rebuild whose edit committed before a
# finished rebuild started (by more than CLOCK_MARGIN, for the servers' clocks) has nothing
# to do. Only finished rebuilds write the note, so a note lost or older than the truth (an
# evicted key, Redis away, two workers) costs a rebuild, never skips one.
REBUILT_FROM = "goals:cohort-entries:rebuilt-from"
CLOCK_MARGIN = timedelta(seconds=1)


def quarters_changed(sender: object, **kwargs: Any) -> None:
    """post_save / post_delete of a Quarter: a lead's cohort entry is keyed by the quarter its
    ready day falls in, so the entries are rebuilt once the change commits (by the worker)."""
    transaction.on_commit(_queue_rebuild, robust=True)


def _queue_rebuild() -> None:
    # taken after the commit: a rebuild that starts later reads the edited quarters
    publish(REBUILD_TASK, timezone.now().isoformat())


REBUILD_TASK = "goals.rebuild_cohort_entries"


def rebuild_cohort_entries_once(*, requested_at: datetime | None = None) -> int | None:
    """The queued rebuild: every lead's cohort entries again (how many, as
    rebuild_cohort_entries counts them), or None when a rebuild that started after the edit
    committed (`requested_at`) has finished since. Without `requested_at` it always runs."""
    covered = moment(cache.get(REBUILT_FROM))
    if requested_at and covered and covered >= requested_at + CLOCK_MARGIN:
        return None
    started = timezone.now()
    written = rebuild_cohort_entries()
    noted = moment(cache.get(REBUILT_FROM))
    if noted is None or noted < started:
        cache.set(REBUILT_FROM, started.isoformat(), timeout=None)
    return written


def moment(text: object) -> datetime | None:
    """An aware time from ISO 8601 text; None for anything else (a note or a task argument that
    cannot be read means "rebuild", never "skip")."""
    try:
        value = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return value if value is not None and timezone.is_aware(value) else None
