"""Shared vocabulary of the metrics: the quarter window, the segment, the result and rounding."""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.accounts.models import Account
from apps.core.prepared import binary_results
from apps.core.quarters import quarter_window
from apps.leads.models import Activity, CohortEntry, Lead, LeadEvent
from apps.opportunities.models import Opportunity

if TYPE_CHECKING:
    from apps.core.models import Quarter
    from apps.goals.models import JointGoal

Unit = Literal["count", "percent", "minutes", "days", "money"]

HUNDRED = Decimal(100)
PLACES: dict[str, Decimal] = {
    "count": Decimal(1),
    "percent": Decimal("0.1"),
    "minutes": Decimal("0.1"),
    "days": Decimal("0.1"),
    "money": Decimal("0.01"),
}
# Averages of whole numbers (attempts before disqualification) keep one decimal.
AVERAGE_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class Segment:
    """An optional slice of a metric. Empty fields (None or "") do not filter."""

    campaign_id: int | None = None
    source: str | None = None
    country: str | None = None
    tier: str | None = None

    @classmethod
    def from_goal(cls, goal: JointGoal) -> Segment | None:
        """The goal's segment_* fields as a Segment, or None when the goal has no segment."""
        segment = cls(
            campaign_id=goal.segment_campaign_id,
            source=goal.segment_source or None,
            country=goal.segment_country or None,
            tier=goal.segment_tier or None,
        )
        return None if segment.is_empty else segment

    @property
    def is_empty(self) -> bool:
        return not (self.campaign_id or self.source or self.country or self.tier)

    def campaign_only(self) -> Segment | None:
        """The part cost metrics honour: campaign spend cannot be split by source or country."""
        return Segment(campaign_id=self.campaign_id) if self.campaign_id else None


@dataclass(frozen=True)
class MetricValue:
    """One computed figure. `value` is None when there is nothing to divide by or no data."""

    metric: str
    label: str
    unit: Unit
    value: Decimal | None


def quantize(value: Decimal | float | int | None, places: Decimal) -> Decimal | None:
    """Round half up to `places`; floats go through str() so 0.1 stays 0.1."""
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(places, rounding=ROUND_HALF_UP)


def rounded(value: Decimal | float | int | None, unit: Unit) -> Decimal | None:
    return quantize(value, PLACES[unit])


def percent(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    """numerator / denominator * 100 to one decimal; None when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return None
    return rounded(Decimal(numerator) * HUNDRED / Decimal(denominator), "percent")


def divide(
    numerator: Decimal | int | None, denominator: Decimal | int | None, unit: Unit
) -> Decimal | None:
    """numerator / denominator rounded for `unit`; None when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return None
    return rounded(Decimal(numerator) / Decimal(denominator), unit)


def median(values: Sequence[float]) -> float | None:
    """statistics.median, None for no values."""
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: sorted(values)[ceil(0.9 * n) - 1]; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# --- Segment filters, one per record the metrics count ---


def _country_q(prefix: str, country: str) -> Q:
    """The lead's country, or its account's when the lead's is blank (case-insensitive)."""
    return Q(**{f"{prefix}country__iexact": country}) | (
        Q(**{f"{prefix}country": ""}) & Q(**{f"{prefix}account__country__iexact": country})
    )


def lead_segment_q(segment: Segment | None, *, prefix: str = "") -> Q:
    """Filter leads (or records reaching a lead through `prefix`, e.g. "lead__") by segment;
    the campaign is the lead's source campaign (its first campaign touch, LeadFacts)."""
    q = Q()
    if segment is None:
        return q
    if segment.campaign_id:
        q &= Q(**{f"{prefix}facts__source_campaign_id": segment.campaign_id})
    if segment.source:
        q &= Q(**{f"{prefix}source": segment.source})
    if segment.country:
        q &= _country_q(prefix, segment.country)
    if segment.tier:
        q &= Q(**{f"{prefix}account__tier": segment.tier})
    return q


def opportunity_segment_q(segment: Segment | None) -> Q:
    """Filter opportunities: source campaign and source of the primary lead, country and tier
    of the opportunity's account."""
    q = Q()
    if segment is None:
        return q
    if segment.campaign_id:
        q &= Q(source_campaign_id=segment.campaign_id)
    if segment.source:
        q &= Q(primary_lead__source=segment.source)
    if segment.country:
        q &= Q(account__country__iexact=segment.country)
    if segment.tier:
        q &= Q(account__tier=segment.tier)
    return q


def renewal_segment_q(segment: Segment | None) -> Q:
    """Filter renewals by their account's country and tier; a renewal has no campaign or source,
    so those segment fields are ignored for retention."""
    q = Q()
    if segment is None:
        return q
    if segment.country:
        q &= Q(account__country__iexact=segment.country)
    if segment.tier:
        q &= Q(account__tier=segment.tier)
    return q


# --- As of a moment: the records as they stood then (the goal history, apps.goals.history) ---


def window(quarter: Quarter, as_of: datetime | None = None) -> tuple[datetime, datetime]:
    """The quarter window, cut off at `as_of` when that comes first: the quarter to date as
    the records stood at `as_of`. None: the whole window (every record known now)."""
    start, end = quarter_window(quarter)
    if as_of is None:
        return start, end
    return start, max(start, min(end, as_of))


def known_by(field: str, as_of: datetime | None) -> Q:
    """Records whose `field` time is before `as_of`: a state reached later (a close, a breach,
    an answer, a renewal) is not yet counted. Q() (no filter) when as_of is None."""
    return Q() if as_of is None else Q(**{f"{field}__lt": as_of})


def attempted_by(as_of: datetime | None) -> Q:
    """Leads with an attempt that happened before `as_of` (their Activity rows' occurred_at);
    Q() when as_of is None. Combine with attempt_count > 0, which says the same of now."""
    if as_of is None:
        return Q()
    return Q(Exists(Activity.objects.filter(lead_id=OuterRef("pk"), occurred_at__lt=as_of)))


def became_ready_in(start: datetime, end: datetime) -> QuerySet[LeadEvent]:
    """Status events that made a lead ready inside [start, end)."""
    return LeadEvent.objects.filter(
        kind=LeadEvent.Kind.STATUS, new_value=Lead.Status.READY, at__gte=start, at__lt=end
    )


def cohort(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Lead]:
    """The quarter's sales-ready leads: distinct leads with a LeadEvent(kind="status",
    new_value="ready") whose `at` is in the quarter window (before `as_of`, if given), filtered
    by segment. Archived leads count: they were ready, and history does not change when a lead
    is archived. The cohort as it stands now is the quarter's CohortEntry rows (one per lead,
    kept with the ready events), narrowed by source campaign in the index when the segment
    names one; as of a past moment, the ready events before it."""
    if as_of is None:
        entries = CohortEntry.objects.filter(quarter_starts_on=quarter.starts_on)
        if segment is not None and segment.campaign_id:
            entries = entries.filter(source_campaign_id=segment.campaign_id)
        return Lead.objects.filter(Q(pk__in=entries.values("lead_id")) & lead_segment_q(segment))
    start, end = window(quarter, as_of)
    ready_ids = became_ready_in(start, end).values("lead_id")
    return Lead.objects.filter(Q(pk__in=ready_ids) & lead_segment_q(segment))


# --- One read per figure a page shows several times ---

T = TypeVar("T")
_SHARED: ContextVar[dict[Hashable, Any] | None] = ContextVar("metrics_shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Inside the block, a cohort aggregate several figures share (the cohort's size, its
    settled clocks, its answered leads' minutes) is read once per (quarter, segment, as_of):
    a page or a report computing a dozen goals runs each aggregate once. Outside the block
    every call reads the database. Use it for one page or one command run, never longer."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(key: Hashable, read: Callable[[], T]) -> T:
    """read(), or what it returned for `key` earlier in the same shared_reads() block."""
    reads = _SHARED.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    value: T = reads[key]
    return value


@dataclass(frozen=True)
class CohortFigures:
    """The counts over the quarter's cohort that several metrics divide: its size, the leads
    followed up (an attempt), converted (primary lead of an opportunity) and the settled
    clocks (met, breached), as the records stood at `as_of` when given."""

    total: int
    followed: int
    converted: int
    met: int
    breached: int


def _met_breached(as_of: datetime | None = None) -> dict[str, Count]:
    """Settled clocks; before `as_of`, a clock is met from its answer and breached from its
    due time (sla_breached_at), the moments the services settle them."""
    met = Q(sla_state=Lead.SlaState.MET) & known_by("first_response_at", as_of)
    breached = Q(sla_state=Lead.SlaState.BREACHED) & known_by("sla_breached_at", as_of)
    return {"met": Count("pk", filter=met), "breached": Count("pk", filter=breached)}


@dataclass
class CohortGroup:
    """The cohort leads that count for one rep and one source campaign: CohortFigures' counts
    and the answered leads' response minutes (the speeds a median needs)."""

    total: int = 0
    followed: int = 0
    converted: int = 0
    met: int = 0
    breached: int = 0
    minutes: list[float] = field(default_factory=list)


GroupKey = tuple[int | None, int | None]  # (the rep it counts for, its source campaign)


def cohort_groups(quarter: Quarter) -> dict[GroupKey, CohortGroup]:
    """The quarter's whole cohort as it stands now, grouped by (credited rep, source campaign):
    one index range of the quarter's CohortEntry rows (one per lead that became ready in the
    quarter, carrying the facts the transactions that change the lead keep, apps.leads.facts),
    so the goal sheet, the scoreboard and the performance table share one read of the cohort
    instead of a pass each over its ready events and leads. One query: grouped in the database
    on PostgreSQL, tallied from the rows elsewhere. Read once per shared_reads() block."""

    def read() -> dict[GroupKey, CohortGroup]:
        entries = CohortEntry.objects.filter(quarter_starts_on=quarter.starts_on)
        if connection.vendor == "postgresql":
            return _grouped_in_database(entries)
        return _grouped_row_by_row(entries)

    return shared(("cohort_groups", quarter.starts_on), read)


def _entry_counts() -> dict[str, Count]:
    """CohortFigures' counts over CohortEntry rows (their copies of the leads' facts), counting
    the lead column (never null, one entry per lead and quarter), which the quarter's covering
    index holds: counting the entry's id, the one column it does not, sent the cohort read to
    the table instead of the index alone."""
    return {
        "total": Count("lead"),
        "followed": Count("lead", filter=Q(attempted=True)),
        "converted": Count("lead", filter=Q(converted=True)),
        "met": Count("lead", filter=Q(sla_state=Lead.SlaState.MET)),
        "breached": Count("lead", filter=Q(sla_state=Lead.SlaState.BREACHED)),
    }


def _grouped_in_database(entries: QuerySet[CohortEntry]) -> dict[GroupKey, CohortGroup]:
    """One GROUP BY, the answered leads' minutes gathered per group with array_agg, in order."""
    groups: dict[GroupKey, CohortGroup] = {}
    grouped = (
        entries.values("rep_id", "source_campaign_id")
        .annotate(
            **_entry_counts(),
            # sorted in each group: a figure's minutes are then a few sorted runs, which the
            # median's and the p90's sorts merge in linear time instead of n log n
            minutes=ArrayAgg(
                "response_minutes",
                filter=Q(response_minutes__isnull=False),
                order_by="response_minutes",
            ),
        )
        .order_by()
    )
    # the minutes come back as binary float8: parsing tens of thousands of them from decimal
    # text cost more than PostgreSQL's grouping and sorting (core.prepared.binary_results)
    with binary_results():
        rows = list(grouped)
    for row in rows:
        key = (row.pop("rep_id"), row.pop("source_campaign_id"))
        groups[key] = CohortGroup(**{**row, "minutes": row["minutes"] or []})
    return groups


def _grouped_row_by_row(entries: QuerySet[CohortEntry]) -> dict[GroupKey, CohortGroup]:
    """The same groups tallied from the rows (SQLite has no array aggregate), one query."""
    groups: dict[GroupKey, CohortGroup] = defaultdict(CohortGroup)
    for rep_id, campaign_id, attempted, converted, clock, minutes in entries.values_list(
        "rep_id", "source_campaign_id", "attempted", "converted", "sla_state", "response_minutes"
    ):
        group = groups[(rep_id, campaign_id)]
        group.total += 1
        group.followed += attempted
        group.converted += converted
        group.met += clock == Lead.SlaState.MET
        group.breached += clock == Lead.SlaState.BREACHED
        if minutes is not None:
            group.minutes.append(minutes)
    return dict(groups)


def _segment_entries(quarter: Quarter, segment: Segment | None) -> QuerySet[CohortEntry]:
    """The quarter's cohort entries in the segment. The entry carries the lead's source
    campaign and account, so a campaign or tier segment is counted from the quarter's index
    (and the few accounts of the tier); only source and country reach the leads."""
    entries = CohortEntry.objects.filter(quarter_starts_on=quarter.starts_on)
    if segment is None:
        return entries
    if segment.campaign_id:
        entries = entries.filter(source_campaign_id=segment.campaign_id)
    if segment.tier:
        entries = entries.filter(
            account_id__in=Account.objects.filter(tier=segment.tier).values("pk")
        )
    rest = dataclasses.replace(segment, campaign_id=None, tier=None)
    return entries.filter(lead_segment_q(rest, prefix="lead__"))


def cohort_figures(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> CohortFigures:
    """CohortFigures in one aggregate over the cohort (read once per shared_reads() block); the
    whole cohort as it stands now is summed from cohort_groups(), a segment of it counted from
    its CohortEntry rows, and the cohort as of a past moment from the records then."""

    def read() -> CohortFigures:
        if segment is None and as_of is None:
            groups = cohort_groups(quarter).values()
            return CohortFigures(
                total=sum(group.total for group in groups),
                followed=sum(group.followed for group in groups),
                converted=sum(group.converted for group in groups),
                met=sum(group.met for group in groups),
                breached=sum(group.breached for group in groups),
            )
        if as_of is None:  # a segment of the cohort as it stands: its entries, no lead facts
            return CohortFigures(**_segment_entries(quarter, segment).aggregate(**_entry_counts()))
        has_opportunity = Exists(
            Opportunity.objects.filter(
                Q(primary_lead=OuterRef("pk")) & known_by("created_at", as_of)
            )
        )
        row = cohort(quarter, segment, as_of=as_of).aggregate(
            total=Count("pk"),
            followed=Count("pk", filter=Q(attempt_count__gt=0) & attempted_by(as_of)),
            converted=Count("pk", filter=Q(has_opportunity)),
            **_met_breached(as_of),
        )
        return CohortFigures(**row)

    return shared(("cohort", quarter.pk, segment, as_of), read)
