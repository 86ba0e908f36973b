"""Marketing's figures: the campaign table, attribution of won revenue, reasons over time.

Every figure reuses the definitions of funnel.py and revenue.py, grouped in the database by the
lead's source campaign (its first campaign touch, LeadFacts; the primary lead's, for
opportunities) instead of filtered one campaign at a time, so a campaign's row equals
compute(metric, quarter, Segment(campaign_id=campaign)) and the whole table costs a handful of
queries. Attribution reads the credits written when each deal was won
(apps.opportunities.attribution); first touch is the source campaign itself, so the "by
campaign" won revenue and first-touch attribution agree to the cent.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from apps.campaigns.models import Campaign
from apps.campaigns.selectors import spend_between
from apps.core.quarters import quarter_window
from apps.feedback.models import Disqualification
from apps.goals.metrics import funnel, revenue
from apps.goals.metrics.base import (
    ALL,
    BY_CAMPAIGN,
    NO_SPEED,
    Speed,
    cohort_read,
    divide,
    percent,
    rounded,
    shared,
)
from apps.leads.models import CreatedCell, LeadFacts
from apps.opportunities.models import CampaignCredit, Opportunity
from apps.users.models import User

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
    speed: Speed = NO_SPEED  # not added up: a set's median is read for the set (cohort_read)
    opportunities: int = 0
    pipeline: Decimal = ZERO
    closed: int = 0
    won: int = 0
    won_revenue: Decimal = ZERO
    influenced: Decimal = ZERO
    attributed: Decimal = ZERO
    cost: Decimal | None = None  # None: no spend recorded in the quarter

    def add(self, other: _Tally) -> None:
        self.leads += other.leads
        self.ready += other.ready
        self.followed += other.followed
        self.opportunities += other.opportunities
        self.pipeline += other.pipeline
        self.closed += other.closed
        self.won += other.won
        self.won_revenue += other.won_revenue
        self.influenced += other.influenced
        self.attributed += other.attributed
        if other.cost is not None:
            self.cost = other.cost if self.cost is None else self.cost + other.cost


@dataclass(frozen=True)
class PerformanceRow:
    """One campaign, channel or total line of the performance table.

    leads: leads created in the quarter with this source campaign. ready, follow_up_rate,
    speed_to_lead_median, pipeline, win_rate, cost_per_ready_lead and cost_per_won_deal: the
    metric functions' definitions (funnel.py, revenue.py). opportunities: opportunities created
    in the quarter (the records summed by pipeline). won_deals and won_revenue ("sourced"):
    opportunities won with closed_at in the quarter whose primary lead has this source
    campaign. influenced_revenue: the whole amount of every deal won in the quarter that the
    campaign touched before the opportunity was created (deals count once per campaign, so the
    column does not add up). attributed_revenue: the campaign's credit under the chosen model.
    cost: the campaign spend dated inside the quarter (revenue.campaign_cost); None when none is
    recorded (shown "—"). roi: (attributed_revenue - cost) / cost * 100, one decimal; None
    without cost, and for revenue with no campaign, which is shown apart and is in no ROI.
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
    influenced_revenue: Decimal
    attributed_revenue: Decimal
    win_rate: Decimal | None
    cost: Decimal | None
    cost_per_ready_lead: Decimal | None
    cost_per_won_deal: Decimal | None
    roi: Decimal | None


@dataclass(frozen=True)
class Performance:
    """The table under one attribution model. `no_campaign` is the revenue and the leads with
    no source campaign (and, for attributed revenue, the deals no campaign touched): shown on
    its own line, outside ROI. `total` sums everything; its ROI is the campaigns' attributed
    revenue against all spend."""

    quarter: Quarter
    model: str
    campaigns: tuple[PerformanceRow, ...]
    channels: tuple[PerformanceRow, ...]
    no_campaign: PerformanceRow
    total: PerformanceRow


def _row(
    key: Any, label: str, channel: str, tally: _Tally, *, in_roi: bool = True
) -> PerformanceRow:
    attributed = rounded(tally.attributed, "money") or ZERO
    return PerformanceRow(
        key=key,
        label=label,
        channel=channel,
        leads=tally.leads,
        ready=tally.ready,
        follow_up_rate=percent(tally.followed, tally.ready),
        speed_to_lead_median=rounded(tally.speed.median, "minutes"),
        opportunities=tally.opportunities,
        pipeline=rounded(tally.pipeline, "money") or ZERO,
        won_deals=tally.won,
        won_revenue=rounded(tally.won_revenue, "money") or ZERO,
        influenced_revenue=rounded(tally.influenced, "money") or ZERO,
        attributed_revenue=attributed,
        win_rate=percent(tally.won, tally.closed),
        cost=rounded(tally.cost, "money"),
        cost_per_ready_lead=divide(tally.cost, tally.ready, "money"),
        cost_per_won_deal=divide(tally.cost, tally.won, "money"),
        roi=percent(attributed - tally.cost, tally.cost)
        if in_roi and tally.cost is not None
        else None,
    )


def _campaign_tallies(quarter: Quarter, model: str) -> dict[int | None, _Tally]:
    """Five queries (four under first touch): leads created (grouped), the sales-ready cohort
    with its answered leads' response minutes (one pass), the opportunities created and closed
    (one pass over both), influenced revenue and the model's credits (shared with
    attribution()); keyed by the source campaign (None for leads without one)."""
    tallies: dict[int | None, _Tally] = defaultdict(_Tally)
    for campaign_id, created in _leads_created(quarter).items():
        tallies[campaign_id].leads = created
    # the cohort: its size and follow-ups per campaign, and each campaign's speed (the read
    # the goal sheet and the scoreboard share)
    cohort = cohort_read(quarter, BY_CAMPAIGN)
    for (_rep, campaign_id), group in cohort.groups.items():
        tally = tallies[campaign_id]
        tally.ready += group.total
        tally.followed += group.followed
        tally.speed = cohort.speed("campaign", campaign_id)
    for row in _deal_groups(quarter):
        tally = tallies[row["key"]]
        tally.opportunities, tally.pipeline = row["created"], row["pipeline"] or ZERO
        tally.closed, tally.won = row["closed"], row["won"]
        tally.won_revenue = row["won_total"] or ZERO
        if model == FIRST_TOUCH:
            tally.attributed = tally.won_revenue
    for campaign_id, total in _credited(quarter, CampaignCredit.Attribution.INFLUENCED).items():
        tallies[campaign_id].influenced = total
    if model != FIRST_TOUCH:
        credited = _credited(quarter, model)
        for campaign_id, total in credited.items():
            tallies[campaign_id].attributed = total
        won = sum((tally.won_revenue for tally in tallies.values()), ZERO)
        tallies[None].attributed = won - sum(credited.values(), ZERO)
    return tallies


def _leads_created(quarter: Quarter) -> dict[int | None, int]:
    """The leads created in the quarter per source campaign. On PostgreSQL summed from the
    quarter's days' cells (CreatedCell, which the facts' triggers keep: a few hundred cells,
    whatever the number of leads); elsewhere counted from the facts' copy of created_at,
    indexed with the source campaign."""
    if connection.vendor == "postgresql":
        rows = (
            CreatedCell.objects.filter(day__gte=quarter.starts_on, day__lte=quarter.ends_on)
            .values(key=F("source_campaign_id"))
            .annotate(n=Sum("n"))
            .filter(~Q(n=0))
        )
    else:
        start, end = quarter_window(quarter)
        rows = (
            LeadFacts.objects.filter(created_at__gte=start, created_at__lt=end)
            .values(key=F("source_campaign_id"))
            .annotate(n=Count("*"))
        )
    return {row["key"]: row["n"] for row in rows.order_by()}


def _deal_groups(quarter: Quarter) -> list[dict[str, Any]]:
    """The quarter's deals per source campaign (revenue.deal_tallies' figures, "key" the
    campaign)."""
    return [{"key": key, **figures} for key, figures in revenue.deals_by(quarter, "key").items()]


# --- Revenue by the team that sourced it ---


@dataclass(frozen=True)
class OriginRow:
    """The deals one team sourced (Opportunity.origin: marketing's leads, sales' own outbound,
    service's expansion and referral hand-offs): opportunities created in the quarter and their
    pipeline, deals won with closed_at in the quarter and their revenue, with the definitions
    of revenue.pipeline_created and revenue.revenue_won."""

    key: str
    label: str
    opportunities: int
    pipeline: Decimal
    won_deals: int
    won_revenue: Decimal


ORIGIN_LABELS = {
    Opportunity.Origin.MARKETING: "Marketing-sourced",
    Opportunity.Origin.SALES: "Sales-sourced (outbound)",
    Opportunity.Origin.SERVICE: "Service-sourced (expansion and referrals)",
}


def revenue_by_origin(quarter: Quarter) -> tuple[OriginRow, ...]:
    """A row per origin (every origin, zeros included), in ORIGIN_LABELS order: one grouped
    read of the quarter's created and closed opportunities, the one the performance table
    reads (revenue.deal_tallies). The rows add up to the pipeline created and the revenue won
    of the quarter."""
    rows = revenue.deals_by(quarter, "origin")
    empty = {"created": 0, "pipeline": None, "won": 0, "won_total": None}
    origins = []
    for origin, label in ORIGIN_LABELS.items():
        row = rows.get(origin, empty)
        origins.append(
            OriginRow(
                key=str(origin),
                label=label,
                opportunities=row["created"],
                pipeline=rounded(row["pipeline"] or ZERO, "money") or ZERO,
                won_deals=row["won"],
                won_revenue=rounded(row["won_total"] or ZERO, "money") or ZERO,
            )
        )
    return tuple(origins)


def _credits_in(quarter: Quarter, model: str) -> QuerySet[CampaignCredit]:
    """The credits under `model` of the deals won in the quarter (their closed_at, copied onto
    each credit, in the quarter window)."""
    start, end = quarter_window(quarter)
    return CampaignCredit.objects.filter(model=model, closed_at__gte=start, closed_at__lt=end)


def _credited(quarter: Quarter, model: str) -> dict[int, Decimal]:
    """The credits of deals won in the quarter under `model`, summed per campaign (from the
    grouped credits attribution() reads too, once per shared_reads() block)."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in _credit_groups(quarter, model):
        totals[row["credited_campaign"]] += row["total"]
    return dict(totals)


def campaign_performance(quarter: Quarter, model: str = "w_shaped") -> Performance:
    """The performance table for the quarter under an attribution model: a row per campaign
    planned for the quarter or with any figure in it (name order), a row per channel (campaigns
    grouped by channel), the "No campaign" line (leads and revenue without a source campaign,
    and the deals no campaign touched for attributed revenue; outside ROI), and the total,
    which equals the unsegmented metrics and whose attributed revenue and ROI count the
    campaigns only. Seven queries (six under first touch) whatever the data size."""
    if model not in ATTRIBUTION_MODELS:
        raise ValueError(f"Unknown attribution model {model!r}.")
    tallies = _campaign_tallies(quarter, model)
    spend = spend_between(start=quarter.starts_on, end=quarter.ends_on)  # spend is a figure too
    ids = [key for key in tallies if key is not None] + list(spend)
    campaigns = list(
        Campaign.objects.filter(Q(quarter=quarter) | Q(pk__in=ids))
        .order_by("name", "pk")
        .values("pk", "name", "channel")
    )
    channel_labels = dict(Campaign.Channel.choices)
    channel_tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    rows = []
    for campaign in campaigns:
        tally = tallies.get(campaign["pk"], _Tally())
        # Cost is the campaign's spend dated inside the quarter (revenue.campaign_cost).
        tally.cost = spend.get(campaign["pk"])
        label = channel_labels.get(campaign["channel"], campaign["channel"])
        rows.append(_row(campaign["pk"], campaign["name"], label, tally))
        channel_tallies[campaign["channel"]].add(tally)
        total.add(tally)
    no_campaign = tallies.get(None, _Tally())
    total.add(dataclasses.replace(no_campaign, attributed=ZERO))
    cohort = cohort_read(quarter, BY_CAMPAIGN)
    total.speed = cohort.speed(*ALL)
    channels = []
    for key, tally in sorted(channel_tallies.items()):
        tally.speed = cohort.speed("channel", key)
        channels.append(_row(key, channel_labels.get(key, key), "", tally))
    return Performance(
        quarter=quarter,
        model=model,
        campaigns=tuple(rows),
        channels=tuple(channels),
        no_campaign=_row(None, NO_CAMPAIGN, "", no_campaign, in_roi=False),
        total=_row(None, "All leads", "", total),
    )


# --- Attribution of won revenue ---

FIRST_TOUCH = "first_touch"
ATTRIBUTION_MODELS: dict[str, str] = {
    FIRST_TOUCH: "First touch",
    CampaignCredit.Attribution.LAST_TOUCH: "Last touch",
    CampaignCredit.Attribution.LINEAR: "Linear",
    CampaignCredit.Attribution.W_SHAPED: "W-shaped",
}


@dataclass(frozen=True)
class CampaignShare:
    campaign_id: int | None
    name: str
    amount: Decimal


@dataclass(frozen=True)
class DealCredit:
    """One won opportunity: the owning rep is credited with the whole amount, and marketing's
    campaigns share the same amount by the model (empty when no campaign gets any)."""

    opportunity_id: int
    name: str
    account_name: str
    owner_id: int
    owner_name: str
    amount: Decimal
    closed_at: datetime
    # (campaign id, name, amount) as read; `shares` orders them, only for the deals shown
    share_rows: tuple[tuple[int | None, str, Decimal], ...] = ()

    @cached_property
    def shares(self) -> tuple[CampaignShare, ...]:
        """The campaigns' credits, largest first (then by name)."""
        return tuple(
            CampaignShare(campaign_id=c, name=n, amount=a)
            for c, n, a in sorted(self.share_rows, key=lambda share: (-share[2], share[1]))
        )


@dataclass(frozen=True)
class CampaignCreditRow:
    campaign_id: int | None
    name: str
    credit: Decimal
    deals: int
    reps: tuple[str, ...]


LARGEST_DEALS = 10  # deals listed on the performance page; the CSV has them all


@dataclass(frozen=True)
class Attribution:
    """Won revenue of a quarter credited under one model: the campaigns' credits (with the deals
    and reps behind each), the won total and what no campaign gets, and the largest deals the
    page lists. Every figure is aggregated in the database, so a quarter of tens of thousands
    of wins costs what one of ten does; the CSV reads every deal (attributed_deals)."""

    model: str
    label: str
    campaigns: tuple[CampaignCreditRow, ...]
    won_revenue: Decimal
    won_deals: int
    attributed: Decimal
    unattributed: Decimal
    largest_deals: tuple[DealCredit, ...]


def _credit_rows(quarter: Quarter, model: str) -> tuple[QuerySet[Any], str, str, str]:
    """The rows holding the model's credits of the quarter's wins, with the paths from a row to
    its deal, its campaign and the deal's owner: first touch is the won deals themselves (the
    primary lead's source campaign, which the deal carries, for the whole amount); the others
    are the credits written when the deal was won (apps.opportunities.attribution), which
    carry the deal's owner, so they are summed per rep from their index without the deals."""
    if model == FIRST_TOUCH:
        rows = revenue.won_in(quarter).filter(source_campaign__isnull=False)
        return rows, "pk", "source_campaign", "owner"
    return _credits_in(quarter, model), "opportunity_id", "campaign", "owner"


def _shares(quarter: Quarter, model: str) -> QuerySet[Any]:
    """One row per (won deal, campaign credited) under the model, as credited_deal,
    credited_campaign, credited_name and credited_amount."""
    rows, deal, campaign, _owner = _credit_rows(quarter, model)
    return rows.annotate(
        credited_deal=F(deal),
        credited_campaign=F(f"{campaign}_id"),
        credited_name=F(f"{campaign}__name"),
        credited_amount=F("amount"),
    )


def _credit_groups(quarter: Quarter, model: str) -> list[dict[str, Any]]:
    """The model's credits of the quarter's wins summed per (campaign, owning rep), with the
    deals behind each: one query over the credit index, read once per shared_reads() block
    (the performance table and the attribution card both sum it). The credits are summed by
    ids first and each group named after (naming every credit with the campaign's and rep's
    names, then grouping on those, took half the statement: 17.5 ms at 100k leads)."""

    def read() -> list[dict[str, Any]]:
        rows, deal, campaign, owner = _credit_rows(quarter, model)
        named = Campaign.objects.filter(pk=OuterRef("credited_campaign")).order_by()
        rep = User.objects.filter(pk=OuterRef("credited_owner")).order_by()
        return list(
            rows.values(credited_campaign=F(f"{campaign}_id"), credited_owner=F(f"{owner}_id"))
            .annotate(
                total=Sum("amount"),
                # a deal has one credit per campaign and model (credit_one_per_campaign), so
                # a plain count is the deals' (no DISTINCT, which would sort every credit)
                deals=Count(deal),
            )
            .annotate(
                credited_name=Subquery(named.values("name")[:1]),
                credited_first=Subquery(rep.values("first_name")[:1]),
                credited_last=Subquery(rep.values("last_name")[:1]),
                username=Subquery(rep.values("username")[:1]),
            )
            .order_by()
        )

    return shared(("credit_groups", quarter.pk, model), read)


_DEAL_COLUMNS = (
    "pk",
    "name",
    "amount",
    "closed",
    "owner_id",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "account__name",
)


def _deal_credits(
    quarter: Quarter, model: str, rows: list[tuple[Any, ...]], *, few: bool
) -> tuple[DealCredit, ...]:
    """DealCredits of these won deals (rows of _DEAL_COLUMNS, in their order) with their
    campaign shares under the model: one query, the shares of just these deals when `few`,
    else of the whole quarter (read once)."""
    shares = _shares(quarter, model)
    if few:
        shares = shares.filter(credited_deal__in=[row[0] for row in rows])
    by_deal: dict[int, list[tuple[int | None, str, Decimal]]] = defaultdict(list)
    for deal, *share in shares.values_list(
        "credited_deal", "credited_campaign", "credited_name", "credited_amount"
    ):
        by_deal[deal].append((share[0], share[1], share[2]))
    return tuple(
        DealCredit(
            opportunity_id=pk,
            name=name,
            account_name=account,
            owner_id=owner_id,
            owner_name=funnel.rep_label(first, last, username),
            amount=amount,
            closed_at=closed_at,
            share_rows=tuple(by_deal.get(pk, ())),
        )
        for pk, name, amount, closed_at, owner_id, first, last, username, account in rows
    )


def _won_deals(quarter: Quarter) -> QuerySet[Opportunity]:
    return revenue.won_in(quarter).annotate(closed=Coalesce("closed_at", "created_at"))


def attributed_deals(quarter: Quarter, model: str = "w_shaped") -> tuple[DealCredit, ...]:
    """Every deal won in the quarter, in the order they closed, with its campaign shares under
    the model (the CSV of the performance page). Two queries."""
    if model not in ATTRIBUTION_MODELS:
        raise ValueError(f"Unknown attribution model {model!r}.")
    deals = _won_deals(quarter).order_by("closed_at", "pk").values_list(*_DEAL_COLUMNS)
    return _deal_credits(quarter, model, list(deals), few=False)


def attribution(quarter: Quarter, model: str = "w_shaped") -> Attribution:
    """Won revenue of the quarter (opportunities won with closed_at in it, revenue.won_in)
    credited to campaigns under `model` (apps.opportunities.attribution defines the models;
    first touch is the primary lead's source campaign). Each deal's credits add up to its
    amount to the cent; deals no campaign gets credit for are unattributed, so the campaign
    credits plus the unattributed amount equal revenue_won. Four queries: the credits grouped
    by campaign and rep, the deals grouped by campaign (both shared with the performance table),
    the largest deals and their shares."""
    if model not in ATTRIBUTION_MODELS:
        raise ValueError(f"Unknown attribution model {model!r}.")
    credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, str] = {}
    deal_count: dict[int, int] = defaultdict(int)
    reps: dict[int, set[str]] = defaultdict(set)
    # a deal has one owner, so its credits fall in one (campaign, rep) group
    for row in _credit_groups(quarter, model):
        campaign_id = row["credited_campaign"]
        credit[campaign_id] += row["total"]
        names[campaign_id] = row["credited_name"]
        deal_count[campaign_id] += row["deals"]
        reps[campaign_id].add(
            funnel.rep_label(row["credited_first"], row["credited_last"], row["username"])
        )
    # the won totals from the deals grouped by campaign (read once with the performance table);
    # a credited deal's credits add up to its amount, so what no campaign got is the rest
    deals = _deal_groups(quarter)
    won_deals = sum(row["won"] for row in deals)
    won_total = sum((row["won_total"] or ZERO for row in deals), ZERO)
    unattributed = won_total - sum(credit.values(), ZERO)
    # the largest deals: the quarter's won deals ranked from the index of their stage and close
    # time, which carries the amount, and only the ten kept read with their names
    ranking = ("-amount", "-closed_at", "pk")
    top = revenue.won_in(quarter).order_by(*ranking).values("pk")[:LARGEST_DEALS]
    largest = list(
        _won_deals(quarter)
        .filter(pk__in=Subquery(top))
        .order_by(*ranking)
        .values_list(*_DEAL_COLUMNS)
    )
    campaigns = sorted(
        (
            CampaignCreditRow(
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
    return Attribution(
        model=model,
        label=ATTRIBUTION_MODELS[model],
        campaigns=tuple(campaigns),
        won_revenue=won_total,
        won_deals=won_deals,
        attributed=sum((row.credit for row in campaigns), ZERO),
        unattributed=unattributed,
        largest_deals=_deal_credits(quarter, model, largest, few=True),
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
        records = records.filter(lead__facts__source_campaign_id=key)
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
