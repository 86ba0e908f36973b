"""Shared vocabulary of the metrics: the quarter window, the segment, the result and rounding."""

from __future__ import annotations

import dataclasses
import functools
import logging
import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.db import connection
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.core.quarters import quarter_window
from apps.leads.cells import SPEED_BUCKET_SQL
from apps.leads.models import Activity, CohortCell, CohortEntry, Lead, LeadEvent
from apps.opportunities.models import Opportunity

if TYPE_CHECKING:
    from apps.core.models import Quarter
    from apps.goals.models import JointGoal

logger = logging.getLogger(__name__)

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


def median_ranks(size: int) -> tuple[int, int]:
    """The ranks (0-based, in order) whose values' mean is the median of `size` values: the
    middle one twice when `size` is odd, as statistics.median takes them."""
    return (size - 1) // 2, size // 2


def p90_rank(size: int) -> int:
    """The nearest-rank 90th percentile's rank (0-based) among `size` values: ceil(0.9 * size)
    - 1, in integers (the cohort's SQL computes it the same way)."""
    return (9 * size + 9) // 10 - 1


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: sorted(values)[ceil(0.9 * n) - 1]; None for no values."""
    if not values:
        return None
    return sorted(values)[p90_rank(len(values))]


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
    """The cohort leads that count for one rep and one source campaign: CohortFigures' counts."""

    total: int = 0
    followed: int = 0
    converted: int = 0
    met: int = 0
    breached: int = 0


GroupKey = tuple[int | None, int | None]  # (the rep it counts for, its source campaign)


@dataclass(frozen=True)
class Speed:
    """The median and the p90 of the response minutes of a set of answered cohort leads, as
    median() and p90() compute them from the minutes themselves; None when none is answered."""

    median: float | None = None
    p90: float | None = None


NO_SPEED = Speed()
# The sets of answered leads a cohort read gives a Speed for: every one ("all", None), the ones
# counting for a rep ("rep", its id or None), of a source campaign ("campaign", its id, or None
# for no campaign) and of a channel's campaigns ("channel", the channel)
SpeedKey = tuple[str, int | str | None]
ALL: SpeedKey = ("all", None)
# The sets beside "all" a read computes. Each page asks for what it shows: the goal sheet and
# the scoreboard each rep's, the performance page each campaign's and each channel's. On
# PostgreSQL each kind is its own share of the quarter's cells (the rep sets alone read in
# 3.8 ms what every set read in 13.8, at 100k leads).
SpeedSets = frozenset[str]
BY_REP: SpeedSets = frozenset({"rep"})
BY_CAMPAIGN: SpeedSets = frozenset({"campaign", "channel"})
EVERY_SET: SpeedSets = BY_REP | BY_CAMPAIGN


@dataclass(frozen=True)
class Cohort:
    """A quarter's whole cohort as it stands: its counts per (credited rep, source campaign) and
    the speeds of every set of answered leads the pages show (SpeedKey)."""

    groups: dict[GroupKey, CohortGroup]
    speeds: dict[SpeedKey, Speed]

    def speed(self, kind: str, key: int | str | None = None) -> Speed:
        return self.speeds.get((kind, key), NO_SPEED)


def cohort_read(quarter: Quarter, sets: SpeedSets = EVERY_SET) -> Cohort:
    """The quarter's cohort with the speeds of the whole cohort and of `sets` (any of "rep",
    "campaign", "channel"), read once per shared_reads() block for the goal sheet, the
    scoreboard and the performance table: a read of more sets made earlier in the block
    answers too. One query either way. On PostgreSQL it reads the quarter's cells
    (apps.leads.cells: a few thousand running counts, whatever the number of leads) and each
    median's and p90's exact value from the entries of the one speed bucket it falls in;
    elsewhere it reads the quarter's CohortEntry rows (one per lead that became ready in the
    quarter, carrying the facts the transactions that change the lead keep) and tallies them
    here."""
    held = _wider_read(quarter, sets)
    if held is not None:
        return held

    def read() -> Cohort:
        if connection.vendor == "postgresql":
            return _read_cells(quarter, sets)
        return _read_entries(quarter, sets)

    return shared(("cohort_read", quarter.starts_on, sets), read)


def _wider_read(quarter: Quarter, sets: SpeedSets) -> Cohort | None:
    """The quarter's cohort read earlier in this shared_reads() block with `sets` or more
    (None when there is none, or outside a block). A set that does not exist is an error."""
    if not sets <= EVERY_SET:
        raise ValueError(f"Unknown speed sets: {sorted(sets - EVERY_SET)}.")
    for key, cohort in (_SHARED.get() or {}).items():
        if (
            isinstance(key, tuple)
            and key[:2] == ("cohort_read", quarter.starts_on)
            and sets <= key[2]
        ):
            held: Cohort = cohort
            return held
    return None


def cohort_groups(quarter: Quarter) -> dict[GroupKey, CohortGroup]:
    """The quarter's whole cohort as it stands now, grouped by (credited rep, source campaign):
    read with the reps' speeds, the goal sheet's read (its cards and its scoreboard share it)."""
    return cohort_read(quarter, BY_REP).groups


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


def _speed(size: int, at: Callable[[int], float]) -> Speed:
    """A set's Speed from its size and its sorted minutes' value at a rank (`at`)."""
    if not size:
        return NO_SPEED
    low, high = median_ranks(size)
    return Speed(
        median=(at(low) + at(high)) / 2 if low != high else at(low), p90=at(p90_rank(size))
    )


def _read_entries(quarter: Quarter, sets: SpeedSets) -> Cohort:
    """The cohort from its entries, one query (with each entry's campaign's channel when
    `sets` has channels)."""
    groups: dict[GroupKey, CohortGroup] = defaultdict(CohortGroup)
    minutes_of: dict[SpeedKey, list[float]] = defaultdict(list)
    channel = (
        Subquery(Campaign.objects.filter(pk=OuterRef("source_campaign_id")).values("channel")[:1])
        if "channel" in sets
        else Value(None, output_field=CharField())
    )
    rows = (
        CohortEntry.objects.filter(quarter_starts_on=quarter.starts_on)
        .annotate(channel=channel)
        .values_list(
            "rep_id",
            "source_campaign_id",
            "attempted",
            "converted",
            "sla_state",
            "response_minutes",
            "channel",
        )
    )
    for rep_id, campaign_id, attempted, converted, clock, minutes, channel_key in rows:
        group = groups[(rep_id, campaign_id)]
        group.total += 1
        group.followed += attempted
        group.converted += converted
        group.met += clock == Lead.SlaState.MET
        group.breached += clock == Lead.SlaState.BREACHED
        if minutes is None:
            continue
        keys: list[SpeedKey] = [ALL]
        if "rep" in sets:
            keys.append(("rep", rep_id))
        if "campaign" in sets:
            keys.append(("campaign", campaign_id))
        if channel_key is not None:
            keys.append(("channel", channel_key))
        for key in keys:
            minutes_of[key].append(minutes)
    speeds = {}
    for key, values in minutes_of.items():
        values.sort()
        speeds[key] = _speed(len(values), values.__getitem__)
    return Cohort(groups=dict(groups), speeds=speeds)


_CELLS = CohortCell._meta.db_table
_ENTRIES = CohortEntry._meta.db_table
_CAMPAIGNS = Campaign._meta.db_table
_ENTRY_BUCKET = SPEED_BUCKET_SQL.format(minutes="entry.response_minutes")
_CHANNEL = 4  # a set the read merges from its campaigns' cells (the cells keep no channel)
_KINDS = {
    CohortCell.Kind.ALL: "all",
    CohortCell.Kind.REP: "rep",
    CohortCell.Kind.CAMPAIGN: "campaign",
    _CHANNEL: "channel",
}
# each set's running total below a bucket and its size, over the set's buckets in order
_RUNNING = """
    (sum(n) OVER (PARTITION BY {set} ORDER BY speed_bucket) - n)::int AS below,
    (sum(n) OVER (PARTITION BY {set}))::int AS size
"""
# whether a bucket holds one of the ranks a median and a p90 need (median_ranks, p90_rank)
_HOLDS = " OR ".join(
    f"({rank} >= below AND {rank} < below + n)"
    for rank in ("(size - 1) / 2", "size / 2", "(9 * size + 9) / 10 - 1")
)
# One statement (one snapshot, so the exact values agree with the counts):
# - counts: the groups' counts, from the quarter's COUNTS cells;
# - sets: each set's answered leads per speed bucket (the whole cohort's and the kinds asked
#   for), read from the cells' index in bucket order (so summed and totalled without sorting),
#   and, asked for, channels: the campaigns' buckets merged per channel (a few hundred rows
#   each);
# - the bucket each rank a median and a p90 need falls in (median_ranks, p90_rank), found from
#   the running totals;
# - each of those values read from the entries of its bucket alone (cohort_entry_speed_idx: the
#   bucket's entries in order of their minutes, the set's filter applied on the index's rep and
#   campaign), at the rank's offset within the bucket.
_SET_KINDS = {"rep": CohortCell.Kind.REP, "campaign": CohortCell.Kind.CAMPAIGN}


@functools.cache
def _cohort_sql(sets: SpeedSets) -> str:
    """The cohort read's statement for the speed sets asked for (one per choice, built once)."""
    kinds = ", ".join(
        str(kind)
        for kind in [CohortCell.Kind.ALL, *(_SET_KINDS[s] for s in sorted(sets) if s in _SET_KINDS)]
    )
    channels = "channel" in sets
    return f"""
WITH counts AS (
    SELECT rep_id, source_campaign_id, sum(n)::int AS total,
        coalesce(sum(n) FILTER (WHERE attempted), 0)::int AS followed,
        coalesce(sum(n) FILTER (WHERE converted), 0)::int AS converted,
        coalesce(sum(n) FILTER (WHERE sla_state = %(met)s), 0)::int AS met,
        coalesce(sum(n) FILTER (WHERE sla_state = %(breached)s), 0)::int AS breached
    FROM {_CELLS}
    WHERE quarter_starts_on = %(quarter)s AND kind = {CohortCell.Kind.COUNTS}
    GROUP BY rep_id, source_campaign_id
    HAVING sum(n) <> 0
), sets AS (
    SELECT kind, rep_id, source_campaign_id, NULL::text AS channel, speed_bucket,
        sum(n)::int AS n
    FROM {_CELLS}
    WHERE quarter_starts_on = %(quarter)s AND kind IN ({kinds})
    GROUP BY kind, rep_id, source_campaign_id, speed_bucket
    HAVING sum(n) <> 0
), channels AS (
    SELECT {_CHANNEL} AS kind, NULL::bigint AS rep_id, NULL::bigint AS source_campaign_id,
        campaign.channel::text AS channel, cell.speed_bucket, sum(cell.n)::int AS n
    FROM {_CELLS} AS cell JOIN {_CAMPAIGNS} AS campaign ON campaign.id = cell.source_campaign_id
    WHERE cell.quarter_starts_on = %(quarter)s AND cell.kind = {CohortCell.Kind.CAMPAIGN}
        AND {"true" if channels else "false"}
    GROUP BY campaign.channel, cell.speed_bucket
    HAVING sum(cell.n) <> 0
), totals AS (
    SELECT sets.*, {_RUNNING.format(set="kind, rep_id, source_campaign_id")} FROM sets
    UNION ALL
    SELECT channels.*, {_RUNNING.format(set="channel")} FROM channels
), wanted AS (
    SELECT holding.*, rank
    FROM (SELECT * FROM totals WHERE {_HOLDS}) AS holding,
        unnest(ARRAY[(size - 1) / 2, size / 2, (9 * size + 9) / 10 - 1]) AS rank
    WHERE rank >= below AND rank < below + n
)
SELECT -1, rep_id, source_campaign_id, NULL::text, total, followed, converted, met, breached,
    NULL::int, NULL::float8
FROM counts
UNION ALL
SELECT wanted.kind, wanted.rep_id, wanted.source_campaign_id, wanted.channel, wanted.size,
    NULL, NULL, NULL, NULL, wanted.rank, value.minutes
FROM wanted CROSS JOIN LATERAL (
    SELECT entry.response_minutes AS minutes
    FROM {_ENTRIES} AS entry
    WHERE entry.quarter_starts_on = %(quarter)s
        AND entry.response_minutes IS NOT NULL
        AND {_ENTRY_BUCKET} = wanted.speed_bucket
        AND CASE wanted.kind
            WHEN {CohortCell.Kind.REP} THEN entry.rep_id IS NOT DISTINCT FROM wanted.rep_id
            WHEN {CohortCell.Kind.CAMPAIGN} THEN
                entry.source_campaign_id IS NOT DISTINCT FROM wanted.source_campaign_id
            WHEN {_CHANNEL} THEN entry.source_campaign_id IN (
                SELECT campaign.id FROM {_CAMPAIGNS} AS campaign
                WHERE campaign.channel = wanted.channel
            )
            ELSE true
        END
    ORDER BY entry.response_minutes
    OFFSET wanted.rank - wanted.below
    LIMIT 1
) AS value
"""  # noqa: S608 - table names and constants only


def _read_cells(quarter: Quarter, sets: SpeedSets) -> Cohort:
    """The cohort from its cells and the speed buckets' entries (PostgreSQL), one query."""
    params = {
        "quarter": quarter.starts_on,
        "met": Lead.SlaState.MET.value,
        "breached": Lead.SlaState.BREACHED.value,
    }
    groups: dict[GroupKey, CohortGroup] = {}
    sizes: dict[SpeedKey, int] = {}
    values: dict[SpeedKey, dict[int, float]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_cohort_sql(sets), params)
        rows = cursor.fetchall()
    for kind, rep_id, campaign_id, channel, total, *counts, rank, minutes in rows:
        if kind == -1:  # a group's counts
            followed, converted, met, breached = counts
            groups[(rep_id, campaign_id)] = CohortGroup(
                total=total, followed=followed, converted=converted, met=met, breached=breached
            )
            continue
        name = _KINDS[kind]
        key: SpeedKey = (
            name,
            {"rep": rep_id, "campaign": campaign_id, "channel": channel}.get(name),
        )
        sizes[key] = total
        values[key][rank] = minutes
    speeds = {}
    for key, size in sizes.items():
        found = values[key]
        if all(rank in found for rank in (*median_ranks(size), p90_rank(size))):
            speeds[key] = _speed(size, found.__getitem__)
            continue
        # a rank fell past its bucket's entries: the cells disagree with the entries (entries
        # loaded with the triggers off; `rebuild_facts` mends the cells). This set's figures
        # come from its minutes themselves meanwhile, so the page stays right.
        logger.warning(
            "The cohort cells of the quarter from %s disagree with its entries (%s %s): "
            "run `python manage.py rebuild_facts`.",
            quarter.starts_on,
            *key,
        )
        minutes = sorted(_set_entries(quarter, key).values_list("response_minutes", flat=True))
        speeds[key] = _speed(len(minutes), minutes.__getitem__)
    return Cohort(groups=groups, speeds=speeds)


def _set_entries(quarter: Quarter, key: SpeedKey) -> QuerySet[CohortEntry]:
    """The quarter's answered cohort entries in one set of SpeedKey."""
    entries = CohortEntry.objects.filter(
        quarter_starts_on=quarter.starts_on, response_minutes__isnull=False
    )
    kind, value = key
    if kind == "rep":
        return entries.filter(rep_id=value)
    if kind == "campaign":
        return entries.filter(source_campaign_id=value)
    if kind == "channel":
        return entries.filter(
            source_campaign_id__in=Campaign.objects.filter(channel=value).values("pk")
        )
    return entries


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
