"""Keeping LeadFacts true in the transaction that changes the lead.

Who calls what:
- every lead event (apps.leads.events) refreshes the columns that mirror the lead (ready_at,
  first_response_at, converted_at, disqualified_at), one upsert;
- settle_first_response (apps.leads.services) adds the response in working minutes;
- every campaign touchpoint write (intake's event, imports' bulk writes) calls
  touches_added(), which re-reads the first campaign touch in SQL (a touch without a
  campaign cannot be the first campaign touch, so it changes no fact);
- an owner, clock or attempt event mirrors the cohort columns too (the credited rep, the
  clock, followed up);
- a lead whose account changes after it was written (intake or an import matching a known
  lead, an admin's edit) calls accounts_changed();
- converting (apps.opportunities) marks the lead converted, winning adds to won_amount;
  disqualifying (apps.feedback) records the reason;
- a status event into ready or out of an open status writes its StatusMove, and the moves of
  a lead copy its source campaign, first response and archiving time whenever those change
  (a campaign touch, an answer, becoming ready again, archiving);
- a deal keeps its primary lead's source campaign: opportunities installs that copy at
  start-up (use_source_copy), and touches_added refreshes it with the facts.

Working minutes follow the SLA calendar, which routing owns, above this layer: routing plugs
its arithmetic in at start-up (RoutingConfig.ready -> use_working_minutes), the way a lower
layer is told about a higher one without importing it. Until then minutes are wall-clock.

apps.goals.facts rebuilds every row from the records; a property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from apps.core.quarters import quarter_start_of
from apps.core.statements import InsertInto
from apps.leads.models import CohortEntry, Lead, LeadEvent, LeadFacts, StatusMove, Touchpoint
from apps.leads.querysets import OPEN_STATUSES

WorkingMinutes = Callable[[datetime, datetime], float]
MIRRORED = (
    "created_at",
    "ready_at",
    "first_response_at",
    "converted_at",
    "disqualified_at",
    "archived_at",
    "account_id",
)


def _wall_clock(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60)


_working_minutes: WorkingMinutes = _wall_clock


def use_working_minutes(clock: WorkingMinutes) -> None:
    """Install the SLA calendar's arithmetic (routing does, once, at start-up)."""
    global _working_minutes  # noqa: PLW0603 - the one plug point, set once at start-up
    _working_minutes = clock


SourceCopy = Callable[[list[int]], None]
# copies of the leads' source campaign kept by apps above this one (a deal's, for reports that
# group deals by it): each is refreshed whenever touches_added re-reads the source campaign
_source_copies: list[SourceCopy] = []


def use_source_copy(copy: SourceCopy) -> None:
    """Install a copy of the source campaign to keep (opportunities does, at start-up)."""
    if copy not in _source_copies:
        _source_copies.append(copy)


def working_minutes(start: datetime, end: datetime) -> float:
    return _working_minutes(start, end)


def response_minutes(lead: Lead) -> float | None:
    """Working minutes from ready to first response; None until both are known."""
    if lead.ready_at is None or lead.first_response_at is None:
        return None
    return working_minutes(lead.ready_at, lead.first_response_at)


def credited_rep_id(lead: Lead) -> int | None:
    """The rep a lead's cohort figures count for: the breached owner when its SLA was breached
    (the rep who let it slip keeps the breach after a reassignment), otherwise the owner."""
    if lead.sla_state == Lead.SlaState.BREACHED and lead.breached_owner_id is not None:
        return lead.breached_owner_id
    return lead.owner_id


def cohort_values(lead: Lead) -> dict[str, Any]:
    """The cohort columns that follow the lead's owner, clock and attempts."""
    return {
        "rep_id": credited_rep_id(lead),
        "sla_state": lead.sla_state,
        "attempted": lead.attempt_count > 0,
    }


COHORT = ("rep_id", "sla_state", "attempted")
_UPSERT_FACTS = InsertInto(LeadFacts, unique=["lead"])


def lead_changed(lead: Lead, *, with_response: bool = False, archived: bool = False) -> None:
    """Upsert the columns that mirror the lead, from its in-memory values (the ones its
    transaction saves). The response minutes are cleared when the lead has no ready time or
    no answer, and recomputed only `with_response` (the answer or the ready time just moved),
    so an ordinary status change does not read the SLA calendar. The lead's status moves take
    the answer and the archiving time when they just moved (`with_response`, `archived`)."""
    values: dict[str, object] = {name: getattr(lead, name) for name in MIRRORED}
    values.update(cohort_values(lead))
    fields = [*MIRRORED, *COHORT]
    if lead.ready_at is None or lead.first_response_at is None:
        values["response_minutes"] = None
        fields.append("response_minutes")
    elif with_response:
        values["response_minutes"] = response_minutes(lead)
        fields.append("response_minutes")
    _UPSERT_FACTS.save([LeadFacts(lead_id=lead.pk, **values)], update=fields)
    if lead.ready_at is not None:  # a lead never ready is in no cohort and has no moves
        copy_to_entries([lead.pk])
        if with_response or archived:
            answer_moved(lead)


def answer_moved(lead: Lead) -> None:
    """The lead's first response or archiving time changed (an answer, a new hand-off that
    clears the earlier answer, archiving): its status moves take them, one UPDATE."""
    StatusMove.objects.filter(lead_id=lead.pk).update(
        first_response_at=lead.first_response_at, archived_at=lead.archived_at
    )


# --- The cohort entries (CohortEntry): a copy of these columns per quarter the lead entered ---

ENTRY_COPIED = (
    "rep_id",
    "source_campaign_id",
    "attempted",
    "converted",
    "sla_state",
    "response_minutes",
    "account_id",
)


def entered_cohort(*, lead_id: int, on: date) -> None:
    """The lead became ready on `on` (a UTC day): it enters that day's quarter's cohort unless
    it already did earlier in the quarter (the first entry stays). Call after its facts are
    written; two queries."""
    values = LeadFacts.objects.filter(lead_id=lead_id).values(*ENTRY_COPIED).first()
    if values is None:
        return
    CohortEntry.objects.bulk_create(
        [
            CohortEntry(
                lead_id=lead_id, quarter_starts_on=quarter_start_of(on), ready_on=on, **values
            )
        ],
        ignore_conflicts=True,
    )


def copy_to_entries(lead_ids: list[int]) -> None:
    """Copy the leads' current facts onto their cohort entries: one UPDATE (none when they have
    no entries yet)."""
    copy_facts(CohortEntry.objects.filter(lead_id__in=lead_ids), ENTRY_COPIED)


# --- The lead flow's moves (StatusMove): status events into ready or out of an open status ---


def moves_flow(old: str, new: str) -> bool:
    """Whether a status change is one the lead flow counts: an arrival in ready, or a
    departure from an open status (ready or working)."""
    return new == Lead.Status.READY or old in OPEN_STATUSES


# the same, over the events
FLOW_EVENTS = Q(kind=LeadEvent.Kind.STATUS) & (
    Q(new_value=Lead.Status.READY) | Q(old_value__in=OPEN_STATUSES)
)


_MOVE_COLUMNS = "source_campaign_id, first_response_at, archived_at"
_MOVE_INSERT = (
    f"INSERT INTO {StatusMove._meta.db_table} "  # noqa: S608
    f"(event_id, lead_id, at, old_status, new_status, {_MOVE_COLUMNS}) "
)
_MOVE_SQL = (
    f"{_MOVE_INSERT}SELECT %s, lead_id, %s, %s, %s, {_MOVE_COLUMNS} "  # noqa: S608
    f"FROM {LeadFacts._meta.db_table} WHERE lead_id = %s"
)


def status_moved(event: LeadEvent) -> None:
    """Record a status event the lead flow counts, with the lead's facts as they are now (call
    after they are written): one INSERT ... SELECT. Other status events write nothing."""
    if not moves_flow(event.old_value, event.new_value):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _MOVE_SQL, [event.pk, event.at, event.old_value, event.new_value, event.lead_id]
        )


def rebuild_moves(lead_ids: Collection[int]) -> None:
    """The leads' status moves again, from their status events (FLOW_EVENTS) and current facts
    (what status_moved and the copies keep incrementally): a DELETE and an INSERT ... SELECT
    per chunk of ENSURE_CHUNK leads, the SELECT being the ORM's."""
    ids = sorted(set(lead_ids))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ENSURE_CHUNK):
            chunk = ids[start : start + ENSURE_CHUNK]
            StatusMove.objects.filter(lead_id__in=chunk).delete()
            moves = (
                LeadEvent.objects.filter(FLOW_EVENTS, lead_id__in=chunk, facts__isnull=False)
                .values_list(
                    "pk",
                    "lead_id",
                    "at",
                    "old_value",
                    "new_value",
                    "facts__source_campaign_id",
                    "facts__first_response_at",
                    "facts__archived_at",
                )
                .order_by()
            )
            select, params = moves.query.sql_with_params()
            cursor.execute(_MOVE_INSERT + select, params)


def copy_facts(rows: QuerySet[Any], columns: Iterable[str], *, lead: str = "lead_id") -> None:
    """Copy these facts columns of each row's lead (the row's `lead` column) onto the rows: one
    UPDATE. The cohort entries and status moves here, a deal's source campaign above."""
    facts = LeadFacts.objects.filter(lead_id=OuterRef(lead))
    rows.update(**{column: Subquery(facts.values(column)[:1]) for column in columns})


def copy_to_moves(lead_ids: list[int]) -> None:
    """Copy the leads' current facts onto their status moves: one UPDATE."""
    copy_facts(
        StatusMove.objects.filter(lead_id__in=lead_ids),
        ("source_campaign_id", "first_response_at", "archived_at"),
    )


ENSURE_CHUNK = 1000
# one statement, built in the database: an import chunk's thousand new leads cost one INSERT,
# not a thousand model instances (on PostgreSQL the ids are one array parameter; SQLite takes
# them as placeholders, ENSURE_CHUNK at a time)
_ENSURE_SQL = (
    f"INSERT INTO {LeadFacts._meta.db_table} (lead_id, won_amount, created_at, account_id) "  # noqa: S608
    f"SELECT id, 0, created_at, account_id FROM {Lead._meta.db_table} WHERE {{ids}} "
    "ON CONFLICT (lead_id) DO NOTHING"
)


def ensure(lead_ids: Iterable[int]) -> None:
    """Make sure each lead has its facts row (new leads written in bulk)."""
    ids = sorted(set(lead_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one array parameter instead of a placeholder per lead
            cursor.execute(_ENSURE_SQL.format(ids="id = ANY(%s)"), [ids])
            return
        for start in range(0, len(ids), ENSURE_CHUNK):
            chunk = ids[start : start + ENSURE_CHUNK]
            cursor.execute(
                _ENSURE_SQL.format(ids=f"id IN ({', '.join(['%s'] * len(chunk))})"), chunk
            )


def _update(lead_ids: list[int], **values: Any) -> None:
    """Update the leads' facts rows. Every lead written through the services or an import has
    its row already, so this is one UPDATE; a row found missing (a lead loaded behind the
    application's back) is created first and the update repeated, which the values allow:
    they are expressions over the row, or the same for every row."""
    rows = LeadFacts.objects.filter(lead_id__in=lead_ids)
    if rows.update(**values) < len(lead_ids):
        ensure(lead_ids)
        rows.update(**values)


def accounts_changed(lead_ids: Iterable[int]) -> None:
    """These leads' account changed after they were written (a known lead matched at intake or
    by an import, an admin's edit): their facts and cohort entries take the lead's account now,
    one UPDATE each. A new lead's account comes with its facts row (lead_changed, ensure)."""
    ids = sorted(set(lead_ids))
    if not ids:
        return
    account = Lead.objects.filter(pk=OuterRef("lead_id")).values("account_id")[:1]
    _update(ids, account_id=Subquery(account))
    copy_to_entries(ids)


def _first_campaign_touch(column: str) -> Subquery:
    return Subquery(
        Touchpoint.objects.filter(lead_id=OuterRef("lead_id"), campaign__isnull=False)
        .order_by("occurred_at", "pk")
        .values(column)[:1]
    )


def touches_added(
    lead_ids: Iterable[int], *, ever_ready: bool = True, new_leads: bool = False
) -> None:
    """Re-read each lead's first campaign touch after campaign touchpoints were written: one
    UPDATE, whatever the number of leads (an import chunk passes hundreds), then one each to
    copy it onto their cohort entries and status moves, skipped when the caller knows none of
    the leads was ever ready (such a lead has neither: a new lead at intake), and one per
    installed copy (the deals'), skipped for leads the caller has just created."""
    ids = sorted(set(lead_ids))
    if not ids:
        return
    _update(
        ids,
        source_campaign_id=_first_campaign_touch("campaign_id"),
        source_touch_id=_first_campaign_touch("pk"),
        source_touch_at=_first_campaign_touch("occurred_at"),
    )
    if ever_ready:
        copy_to_entries(ids)
        copy_to_moves(ids)
    if not new_leads:
        for copy in _source_copies:
            copy(ids)


def converted(*, lead_id: int) -> None:
    """An opportunity was created with this primary lead."""
    _update([lead_id], converted=True)
    copy_to_entries([lead_id])


def won(*, lead_id: int | None, amount: Decimal) -> None:
    """An opportunity with this primary lead was won for `amount`."""
    if lead_id is None:
        return
    _update([lead_id], won_amount=F("won_amount") + amount)


def deals_restated(*, lead_id: int, converted: bool, won_amount: Decimal) -> None:
    """The lead's deals were corrected by hand: whether it is the primary lead of one, and the
    sum of those won, as they now stand."""
    _update([lead_id], converted=converted, won_amount=won_amount)
    copy_to_entries([lead_id])


def disqualified(*, lead_id: int, reason_id: int | None) -> None:
    """The lead's latest disqualification reason (None when a dispute reopened it)."""
    _update([lead_id], disqualification_reason_id=reason_id)
