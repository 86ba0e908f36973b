"""Marketing's figures: the campaign table, attribution of won revenue, reasons over time.

Every figure reuses the definitions of funnel.py and revenue.py, grouped in the database by the
lead's first-touch campaign (the primary lead's, for opportunities) instead of filtered one
campaign at a time, so a campaign's row equals compute(metric, quarter,
Segment(campaign_id=campaign)) and the whole table costs a handful of queries.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from apps.campaigns.models import Campaign
from apps.feedback.models import Disqualification
from apps.goals.metrics import funnel, revenue
from apps.goals.metrics.base import (
    cohort,
    divide,
    median,
    percent,
    policy_holidays,
    quarter_window,
    rounded,
    working_minutes,
)
from apps.leads.models import Lead, Touchpoint
from apps.opportunities.models import Opportunity
from apps.routing.services import active_policy

if TYPE_CHECKING:
    from apps.core.models import Quarter

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
NO_CAMPAIGN = "No campaign"

# --- The campaign and channel table ---


@dataclass
class _Tally:
    """Raw counts behind one row; every figure is derived from these."""

    leads: int = 0
    ready: int = 0
    followed: int = 0
    speeds: list[float] = field(default_factory=list)
    opportunities: int = 0
    pipeline: Decimal = ZERO
    closed: int = 0
    won: int = 0
    won_revenue: Decimal = ZERO
    cost: Decimal = ZERO

    def add(self, other: _Tally) -> None:
        self.leads += other.leads
        self.ready += other.ready
        self.followed += other.followed
        self.speeds.extend(other.speeds)
        self.opportunities += other.opportunities
        self.pipeline += other.pipeline
        self.closed += other.closed
        self.won += other.won
        self.won_revenue += other.won_revenue
        self.cost += other.cost


@dataclass(frozen=True)
class PerformanceRow:
    """One campaign, channel or total line of the performance table.

    leads: leads created in the quarter with this first-touch campaign. ready, follow_up_rate,
    speed_to_lead_median, pipeline, won_revenue, win_rate, cost_per_ready_lead and
    cost_per_won_deal: the metric functions' definitions (funnel.py, revenue.py).
    opportunities: opportunities created in the quarter (the records summed by pipeline).
    won_deals: opportunities won with closed_at in the quarter. cost: actual_cost of the
    campaigns whose quarter is this quarter. roi: (won_revenue - cost) / cost * 100, in percent
    to one decimal; None without cost.
    """

    key: Any
    label: str
    channel: str
    leads: int
    ready: int
    follow_up_rate: Decimal | None
    speed_to_lead_median: Decimal | None
    opportunities: int
    pipeline: Decimal
    won_deals: int
    won_revenue: Decimal
    win_rate: Decimal | None
    cost: Decimal
    cost_per_ready_lead: Decimal | None
    cost_per_won_deal: Decimal | None
    roi: Decimal | None


@dataclass(frozen=True)
class Performance:
    quarter: Quarter
    campaigns: tuple[PerformanceRow, ...]
    channels: tuple[PerformanceRow, ...]
    total: PerformanceRow


def _row(key: Any, label: str, channel: str, tally: _Tally) -> PerformanceRow:
    won_revenue = rounded(tally.won_revenue, "money") or ZERO
    return PerformanceRow(
        key=key,
        label=label,
        channel=channel,
        leads=tally.leads,
        ready=tally.ready,
        follow_up_rate=percent(tally.followed, tally.ready),
        speed_to_lead_median=rounded(median(tally.speeds), "minutes"),
        opportunities=tally.opportunities,
        pipeline=rounded(tally.pipeline, "money") or ZERO,
        won_deals=tally.won,
        won_revenue=won_revenue,
        win_rate=percent(tally.won, tally.closed),
        cost=rounded(tally.cost, "money") or ZERO,
        cost_per_ready_lead=divide(tally.cost, tally.ready, "money"),
        cost_per_won_deal=divide(tally.cost, tally.won, "money"),
        roi=percent(won_revenue - tally.cost, tally.cost),
    )


def _campaign_tallies(quarter: Quarter) -> dict[int | None, _Tally]:
    """Six grouped queries (plus the SLA policy): leads created, the sales-ready cohort, the
    answered cohort leads' times, opportunities created, opportunities closed; keyed by the
    first-touch campaign (None for leads without one)."""
    tallies: dict[int | None, _Tally] = defaultdict(_Tally)
    start, end = quarter_window(quarter)
    for row in (
        Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("campaign_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        tallies[row["campaign_id"]].leads = row["n"]
    leads = cohort(quarter)
    for row in (
        leads.values("campaign_id")
        .annotate(n=Count("pk"), followed=Count("pk", filter=Q(attempt_count__gt=0)))
        .order_by()
    ):
        tallies[row["campaign_id"]].ready = row["n"]
        tallies[row["campaign_id"]].followed = row["followed"]
    policy = active_policy()
    holidays = policy_holidays(policy)
    answered = funnel.speed_drilldown(quarter).values_list(
        "campaign_id", "ready_at", "first_response_at"
    )
    for campaign_id, ready_at, responded in answered:
        if ready_at is None or responded is None:  # filtered in SQL; narrows the type
            continue
        tallies[campaign_id].speeds.append(
            working_minutes(start=ready_at, end=responded, policy=policy, holidays=holidays)
        )
    for row in (
        revenue.created_in(quarter)
        .values(key=F("primary_lead__campaign_id"))
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    ):
        tally = tallies[row["key"]]
        tally.opportunities, tally.pipeline = row["n"], row["total"] or ZERO
    for row in (
        revenue.closed_in(quarter)
        .values(key=F("primary_lead__campaign_id"))
        .annotate(
            n=Count("pk"),
            won=Count("pk", filter=Q(stage=revenue.WON)),
            won_total=Sum("amount", filter=Q(stage=revenue.WON)),
        )
        .order_by()
    ):
        tally = tallies[row["key"]]
        tally.closed, tally.won = row["n"], row["won"]
        tally.won_revenue = row["won_total"] or ZERO
    return tallies


def campaign_performance(quarter: Quarter) -> Performance:
    """The performance table for the quarter: a row per campaign planned for the quarter or
    with any figure in it (name order), a row per channel (campaigns grouped by channel; leads
    without a campaign form "No campaign"), and the total, which equals the unsegmented metrics.
    Eight queries whatever the data size."""
    tallies = _campaign_tallies(quarter)
    ids = [key for key in tallies if key is not None]
    campaigns = list(
        Campaign.objects.filter(Q(quarter=quarter) | Q(pk__in=ids))
        .order_by("name", "pk")
        .values("pk", "name", "channel", "actual_cost", "quarter_id")
    )
    channel_labels = dict(Campaign.Channel.choices)
    channel_tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    rows = []
    for campaign in campaigns:
        tally = tallies.get(campaign["pk"], _Tally())
        # Cost is the campaign's when it is planned for this quarter (revenue.campaign_cost).
        tally.cost = campaign["actual_cost"] if campaign["quarter_id"] == quarter.pk else ZERO
        label = channel_labels.get(campaign["channel"], campaign["channel"])
        rows.append(_row(campaign["pk"], campaign["name"], label, tally))
        channel_tallies[campaign["channel"]].add(tally)
        total.add(tally)
    if None in tallies:
        channel_tallies[""].add(tallies[None])
        total.add(tallies[None])
    channels = [
        _row(key, channel_labels.get(key, NO_CAMPAIGN), "", tally)
        for key, tally in sorted(channel_tallies.items(), key=lambda item: (item[0] == "", item[0]))
    ]
    return Performance(
        quarter=quarter,
        campaigns=tuple(rows),
        channels=tuple(channels),
        total=_row(None, "All leads", "", total),
    )


# --- Attribution of won revenue ---

AttributionModel = Literal["first_touch", "last_touch", "linear", "w_shaped"]
ATTRIBUTION_MODELS: dict[str, str] = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "w_shaped": "W-shaped",
}
W_ROLE = Fraction(3, 10)  # each of first touch, lead creation, opportunity creation
W_REST = Fraction(1, 10)  # spread evenly over the other touches


@dataclass(frozen=True)
class Touch:
    pk: int
    lead_id: int
    campaign_id: int
    campaign_name: str
    occurred_at: datetime


@dataclass(frozen=True)
class CampaignShare:
    campaign_id: int | None
    name: str
    amount: Decimal


@dataclass(frozen=True)
class DealCredit:
    """One won opportunity: the owning rep is credited with the whole amount, and marketing's
    campaigns share the same amount by the model (empty when no campaign touch preceded it)."""

    opportunity_id: int
    name: str
    account_name: str
    owner_id: int
    owner_name: str
    amount: Decimal
    closed_at: datetime
    touches: int
    shares: tuple[CampaignShare, ...]


@dataclass(frozen=True)
class CampaignCredit:
    campaign_id: int | None
    name: str
    credit: Decimal
    deals: int
    reps: tuple[str, ...]


@dataclass(frozen=True)
class Attribution:
    model: str
    label: str
    deals: tuple[DealCredit, ...]
    campaigns: tuple[CampaignCredit, ...]
    won_revenue: Decimal
    attributed: Decimal
    unattributed: Decimal


def touch_weights(
    touches: list[Touch], model: str, primary_lead_id: int | None
) -> dict[int, Fraction]:
    """Each touch's share (by position in `touches`, oldest first) under the model; shares sum
    to 1. First touch: all to the first. Last touch: all to the last (the last before the
    opportunity was created). Linear: 1/n each. W-shaped: 30% to the first touch, 30% to the
    lead-creation touch (the primary lead's first touch; the first touch when the primary lead
    has none), 30% to the opportunity-creation touch (the last), 10% spread evenly over the
    touches holding none of those roles, or over the role-holding touches when there are no
    others; roles landing on one touch add up."""
    n = len(touches)
    if n == 0:
        return {}
    if model == "first_touch":
        return {0: Fraction(1)}
    if model == "last_touch":
        return {n - 1: Fraction(1)}
    if model == "linear":
        return dict.fromkeys(range(n), Fraction(1, n))
    if model != "w_shaped":
        raise ValueError(f"Unknown attribution model {model!r}.")
    lead_creation = next(
        (i for i, touch in enumerate(touches) if touch.lead_id == primary_lead_id), 0
    )
    weights: dict[int, Fraction] = defaultdict(Fraction)
    for index in (0, lead_creation, n - 1):
        weights[index] += W_ROLE
    rest = [i for i in range(n) if i not in weights] or sorted(weights)
    for index in rest:
        weights[index] += W_REST / len(rest)
    return dict(weights)


def split_cents(amount: Decimal, weights: list[tuple[Any, Fraction]]) -> dict[Any, Decimal]:
    """Split `amount` by `weights` (summing to 1) into cents that add up exactly: each key gets
    the floor of its exact share, and the cents left over go one each to the largest remainders
    (ties to the earlier key in `weights`)."""
    cents = int((amount / CENT).to_integral_value())
    exact = [(key, cents * weight) for key, weight in weights]
    floors = {key: int(share) for key, share in exact}
    left = cents - sum(floors.values())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in order[:left]:
        floors[exact[i][0]] += 1
    return {key: Decimal(value) * CENT for key, value in floors.items()}


def _touches_for(
    opportunities: list[Opportunity],
) -> tuple[dict[int, list[Touch]], dict[int, list[Touch]]]:
    """Campaign touchpoints of the opportunities' accounts' leads and primary leads, before the
    latest creation time among them, by account and by lead (one query)."""
    if not opportunities:
        return {}, {}
    accounts = {opp.account_id for opp in opportunities}
    leads = {opp.primary_lead_id for opp in opportunities if opp.primary_lead_id}
    latest = max(opp.created_at for opp in opportunities)
    rows = (
        Touchpoint.objects.filter(
            Q(lead__account_id__in=accounts) | Q(lead_id__in=leads),
            campaign__isnull=False,
            occurred_at__lt=latest,
        )
        .order_by("occurred_at", "pk")
        .values_list(
            "pk", "lead_id", "lead__account_id", "campaign_id", "campaign__name", "occurred_at"
        )
    )
    by_account: dict[int, list[Touch]] = defaultdict(list)
    by_lead: dict[int, list[Touch]] = defaultdict(list)
    for pk, lead_id, account_id, campaign_id, name, occurred_at in rows:
        touch = Touch(pk, lead_id, campaign_id, name, occurred_at)
        if account_id is not None:
            by_account[account_id].append(touch)
        by_lead[lead_id].append(touch)
    return by_account, by_lead


def deal_touches(
    opp: Opportunity, by_account: dict[int, list[Touch]], by_lead: dict[int, list[Touch]]
) -> list[Touch]:
    """The touches that count for a deal: campaign touchpoints of every lead of the account (and
    of the primary lead), strictly before the opportunity was created, oldest first."""
    seen: dict[int, Touch] = {}
    for touch in [*by_account.get(opp.account_id, []), *by_lead.get(opp.primary_lead_id or 0, [])]:
        if touch.occurred_at < opp.created_at:
            seen[touch.pk] = touch
    return sorted(seen.values(), key=lambda t: (t.occurred_at, t.pk))


@dataclass
class _AccountIndex:
    """An account's campaign touches, oldest first, indexed so a deal's share of them is found by
    bisection instead of walking every touch (large accounts have tens of thousands)."""

    touches: list[Touch]
    times: list[datetime]
    positions: dict[int, list[int]]  # campaign -> positions in `touches`, ascending
    lead_first: dict[int, int]  # lead -> position of its first touch


def _index(touches: list[Touch]) -> _AccountIndex:
    positions: dict[int, list[int]] = defaultdict(list)
    lead_first: dict[int, int] = {}
    for position, touch in enumerate(touches):
        positions[touch.campaign_id].append(position)
        lead_first.setdefault(touch.lead_id, position)
    return _AccountIndex(touches, [t.occurred_at for t in touches], dict(positions), lead_first)


def _fast_campaign_weights(
    opp: Opportunity, index: _AccountIndex, model: str
) -> tuple[int, list[tuple[int, Fraction]]]:
    """(number of touches, [(campaign, share)] in order of first appearance) — the same result as
    summing touch_weights(deal_touches(...)) per campaign, in O(campaigns · log touches)."""
    n = bisect_left(index.times, opp.created_at)
    if n == 0:
        return 0, []
    present = []
    for campaign_id, positions in index.positions.items():
        count = bisect_left(positions, n)
        if count:
            present.append((positions[0], campaign_id, count))
    present.sort()
    campaign_at = {position: index.touches[position].campaign_id for position in (0, n - 1)}
    if model == "first_touch":
        return n, [(campaign_at[0], Fraction(1))]
    if model == "last_touch":
        return n, [(campaign_at[n - 1], Fraction(1))]
    if model == "linear":
        return n, [(c, Fraction(count, n)) for _, c, count in present]
    first_of_lead = index.lead_first.get(opp.primary_lead_id or 0)
    lead_creation = first_of_lead if first_of_lead is not None and first_of_lead < n else 0
    role_weight: dict[int, Fraction] = defaultdict(Fraction)
    for position in (0, lead_creation, n - 1):
        role_weight[position] += W_ROLE
    rest = n - len(role_weight)
    shares = []
    for _, campaign_id, count in present:
        roles_here = [p for p in role_weight if index.touches[p].campaign_id == campaign_id]
        share = sum((role_weight[p] for p in roles_here), Fraction(0))
        if rest:
            share += W_REST * (count - len(roles_here)) / rest
        else:
            share += W_REST * len(roles_here) / len(role_weight)
        if share:
            shares.append((campaign_id, share))
    return n, shares


def attribution(quarter: Quarter, model: str = "w_shaped") -> Attribution:
    """Won revenue of the quarter (opportunities won with closed_at in it, revenue.won_in)
    attributed to campaigns by `model` (see touch_weights) from the touches of deal_touches.
    Each deal's shares are split to the cent (split_cents) so they add up to its amount; deals
    without a campaign touch are reported as unattributed, so the campaign credits plus the
    unattributed amount equal revenue_won. Two queries."""
    if model not in ATTRIBUTION_MODELS:
        raise ValueError(f"Unknown attribution model {model!r}.")
    opportunities = list(
        revenue.won_in(quarter).select_related("owner", "account").order_by("closed_at", "pk")
    )
    by_account, by_lead = _touches_for(opportunities)
    indexes = {account_id: _index(touches) for account_id, touches in by_account.items()}
    empty = _index([])
    deals: list[DealCredit] = []
    credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, str] = {
        touch.campaign_id: touch.campaign_name for touches in by_lead.values() for touch in touches
    }
    deal_count: dict[int, int] = defaultdict(int)
    reps: dict[int, set[str]] = defaultdict(set)
    won_total = ZERO
    unattributed = ZERO
    for opp in opportunities:
        won_total += opp.amount
        index = indexes.get(opp.account_id, empty)
        lead_touches = by_lead.get(opp.primary_lead_id or 0, [])
        per_campaign: dict[int, Fraction] = {}
        if lead_touches and (opp.primary_lead_id or 0) not in index.lead_first:
            # The primary lead's touches are not among the account's (another or no account):
            # walk the merged list (small, rare).
            touches = deal_touches(opp, by_account, by_lead)
            weights = touch_weights(touches, model, opp.primary_lead_id)
            for position, weight in sorted(weights.items()):
                campaign_id = touches[position].campaign_id
                per_campaign[campaign_id] = per_campaign.get(campaign_id, Fraction(0)) + weight
            touch_count = len(touches)
        else:
            touch_count, shares = _fast_campaign_weights(opp, index, model)
            per_campaign = dict(shares)
        split = split_cents(opp.amount, list(per_campaign.items())) if per_campaign else {}
        owner_name = opp.owner.display_name
        for campaign_id, amount in split.items():
            credit[campaign_id] += amount
            deal_count[campaign_id] += 1
            reps[campaign_id].add(owner_name)
        if not split:
            unattributed += opp.amount
        deals.append(
            DealCredit(
                opportunity_id=opp.pk,
                name=opp.name,
                account_name=opp.account.name,
                owner_id=opp.owner_id,
                owner_name=owner_name,
                amount=opp.amount,
                closed_at=opp.closed_at or opp.created_at,
                touches=touch_count,
                shares=tuple(
                    CampaignShare(campaign_id=c, name=names[c], amount=a)
                    for c, a in sorted(split.items(), key=lambda item: (-item[1], names[item[0]]))
                ),
            )
        )
    campaigns = sorted(
        (
            CampaignCredit(
                campaign_id=c,
                name=names[c],
                credit=amount,
                deals=deal_count[c],
                reps=tuple(sorted(reps[c])),
            )
            for c, amount in credit.items()
        ),
        key=lambda row: (-row.credit, row.name),
    )
    attributed = sum((row.credit for row in campaigns), ZERO)
    return Attribution(
        model=model,
        label=ATTRIBUTION_MODELS[model],
        deals=tuple(deals),
        campaigns=tuple(campaigns),
        won_revenue=won_total,
        attributed=attributed,
        unattributed=unattributed,
    )


# --- Funnel and reasons over time ---


@dataclass(frozen=True)
class FunnelStep:
    label: str
    value: int


def funnel_steps(performance: Performance) -> tuple[FunnelStep, ...]:
    """Leads created -> sales-ready -> opportunities created -> won, from the table's total."""
    total = performance.total
    return (
        FunnelStep("Leads", total.leads),
        FunnelStep("Sales-ready", total.ready),
        FunnelStep("Opportunities", total.opportunities),
        FunnelStep("Won", total.won_deals),
    )


@dataclass(frozen=True)
class ReasonsOverTime:
    """Disqualifications of the quarter per reason and week. Week i covers the days
    starts_on + 7i to starts_on + 7i + 6 (UTC dates of `at`); the last week may be shorter."""

    weeks: tuple[date, ...]
    reasons: tuple[tuple[int, str], ...]
    counts: dict[tuple[int, int], int]

    def series(self, reason_id: int) -> list[int]:
        return [self.counts.get((reason_id, week), 0) for week in range(len(self.weeks))]

    def week_totals(self) -> list[int]:
        return [
            sum(self.counts.get((reason_id, week), 0) for reason_id, _ in self.reasons)
            for week in range(len(self.weeks))
        ]


def reasons_over_time(quarter: Quarter) -> ReasonsOverTime:
    """One GROUP BY (day, reason) over the quarter's disqualifications, folded into weeks."""
    days = (quarter.ends_on - quarter.starts_on).days + 1
    weeks = tuple(quarter.starts_on + timedelta(days=7 * i) for i in range((days + 6) // 7))
    rows = (
        funnel.disqualifications(quarter)
        .annotate(day=TruncDate("at", tzinfo=UTC))
        .values("day", "reason_id", "reason__label")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    labels: dict[int, str] = {}
    totals: dict[int, int] = defaultdict(int)
    for row in rows:
        day = row["day"]
        if isinstance(day, datetime):
            day = day.date()
        week = (day - quarter.starts_on).days // 7
        counts[(row["reason_id"], week)] += row["n"]
        labels[row["reason_id"]] = row["reason__label"]
        totals[row["reason_id"]] += row["n"]
    reasons = tuple(sorted(labels.items(), key=lambda item: (-totals[item[0]], item[1], item[0])))
    return ReasonsOverTime(weeks=weeks, reasons=reasons, counts=dict(counts))


# --- The records behind a breakdown number ---


def parse_breakdown_key(by: str, raw: str | None) -> Any:
    """The group key of disqualification_breakdown from a URL parameter: "none" is the group of
    leads without a campaign/asset; ids are integers; sources stay strings."""
    if raw is None or raw == "" or raw == "none":
        return None
    if by == "source":
        return raw
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"{raw!r} is not a valid {by} key.") from error


def disqualification_records(quarter: Quarter, by: str, key: Any) -> QuerySet[Disqualification]:
    """The disqualifications counted in disqualification_breakdown(quarter, by)'s row `key`."""
    if by not in funnel.BREAKDOWNS:
        raise ValueError(f"Unknown breakdown {by!r}.")
    records = funnel.disqualifications(quarter)
    if by == "reason":
        records = records.filter(reason_id=key)
    elif by == "campaign":
        records = records.filter(lead__campaign_id=key)
    elif by == "source":
        records = records.filter(lead__source=key)
    elif by == "rep":
        records = records.filter(rep_id=key)
    else:
        records = records.annotate(first_asset=funnel._first_asset("lead_id"))  # noqa: SLF001
        records = (
            records.filter(first_asset__isnull=True)
            if key is None
            else records.filter(first_asset=key)
        )
    return records
