"""Reads for the pipeline page: opportunities by stage with counts and amounts, overdue deals,
and the deals lost in the page's window by reason and by source campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.core.lookups import AmongSubquery
from apps.opportunities.models import LostReason, Opportunity
from apps.users.models import Role, User
from apps.users.roles import has_role, roles_of

PER_STAGE = 50
CLOSED_WINDOW = timedelta(days=90)
OPEN_STAGES = (
    Opportunity.Stage.DISCOVERY,
    Opportunity.Stage.DEMO,
    Opportunity.Stage.PROPOSAL,
    Opportunity.Stage.NEGOTIATION,
)


def visible_opportunities(*, user: User) -> QuerySet[Opportunity]:
    """Sales reps see their own; managers, marketing, service and RevOps read the team's."""
    roles = roles_of(user)
    if roles & {Role.SALES_MANAGER, Role.MARKETING, Role.SERVICE, Role.REVOPS}:
        return Opportunity.objects.all()
    if Role.SALES in roles:
        return Opportunity.objects.filter(owner=user)
    return Opportunity.objects.none()


def opportunity_for(*, user: User, opportunity_id: int) -> Opportunity:
    """One opportunity the user may read; 404 alike for missing and forbidden."""
    queryset = visible_opportunities(user=user).select_related("account", "owner", "primary_lead")
    opportunity: Opportunity = get_object_or_404(queryset, pk=opportunity_id)
    return opportunity


@dataclass(frozen=True)
class StageColumn:
    stage: str
    label: str
    opportunities: list[Opportunity]
    count: int
    total: Decimal

    @property
    def is_closed(self) -> bool:
        return self.stage in (Opportunity.Stage.WON, Opportunity.Stage.LOST)

    @property
    def shown_all(self) -> bool:
        return len(self.opportunities) >= self.count


@dataclass(frozen=True)
class PipelineBoard:
    columns: list[StageColumn]
    open_count: int
    open_total: Decimal
    won_total: Decimal
    overdue_count: int  # open deals whose expected close date is before `today`
    may_change: bool
    team_view: bool
    today: date  # in the reader's time zone: what "overdue" is measured against
    since: datetime  # closed deals shown (and lost deals analysed) from here on

    @property
    def is_empty(self) -> bool:
        return not any(column.count for column in self.columns)


def pipeline_since() -> datetime:
    """The start of the pipeline's window: deals closed since then are shown and analysed."""
    return timezone.now() - CLOSED_WINDOW


def pipeline_board(*, user: User) -> PipelineBoard:
    """Open opportunities and those closed in the last 90 days, by stage, with the open ones
    past their expected close date counted: 2 queries."""
    since = pipeline_since()
    today = timezone.localdate()
    scope = visible_opportunities(user=user).filter(
        Q(stage__in=OPEN_STAGES) | Q(closed_at__gte=since)
    )
    overdue = Q(stage__in=OPEN_STAGES, expected_close__lt=today)
    totals: dict[str, dict[str, Any]] = {
        row["stage"]: dict(row)
        for row in scope.values("stage")
        .annotate(n=Count("pk"), total=Sum("amount"), overdue=Count("pk", filter=overdue))
        .order_by()
    }
    # The first PER_STAGE cards of every stage in one query: each stage's are read in card
    # order from `opp_owner_cards_idx` (a rep's) or `opp_stage_cards_idx` (the team's), LIMIT
    # PER_STAGE, so no stage's deals are sorted whole; only the cards kept are joined to their
    # account, owner, lead and reason.
    card_order = [F("expected_close").asc(nulls_last=True), F("amount").desc(), F("pk").asc()]
    first_cards = Q()
    for stage, _ in Opportunity.Stage.choices:
        column = scope.filter(stage=stage).order_by(*card_order).values("pk")[:PER_STAGE]
        first_cards |= Q(AmongSubquery("pk", column))
    cards = list(
        Opportunity.objects.filter(first_cards)
        .select_related("account", "owner", "primary_lead", "lost_reason")
        .order_by("stage", *card_order)
    )
    columns = []
    for stage, label in Opportunity.Stage.choices:
        row: dict[str, Any] = totals.get(stage, {})
        columns.append(
            StageColumn(
                stage=stage,
                label=str(label),
                opportunities=[o for o in cards if o.stage == stage],
                count=int(row.get("n", 0)),
                total=row.get("total") or Decimal("0"),
            )
        )
    open_columns = [c for c in columns if not c.is_closed]
    won = next(c for c in columns if c.stage == Opportunity.Stage.WON)
    return PipelineBoard(
        columns=columns,
        open_count=sum(c.count for c in open_columns),
        open_total=sum((c.total for c in open_columns), Decimal("0")),
        won_total=won.total,
        overdue_count=sum(int(row["overdue"]) for row in totals.values()),
        may_change=has_role(user, Role.SALES, Role.SALES_MANAGER),
        team_view=has_role(user, Role.SALES_MANAGER, Role.MARKETING, Role.SERVICE, Role.REVOPS),
        today=today,
        since=since,
    )


def offered_lost_reasons() -> list[LostReason]:
    """The active lost reasons, in the order RevOps set: what a rep chooses from."""
    return list(LostReason.objects.offered())


# --- Lost deals by reason and by source campaign ---------------------------------------------

NO_CAMPAIGN = "none"  # the campaign filter's value for deals whose lead had no source campaign
ALL_REASONS = "all"  # the reason filter's value for every reason
CampaignKey = int | Literal["none"]


@dataclass(frozen=True)
class LostReasonLine:
    reason_id: int
    name: str
    count: int
    amount: Decimal
    share: Decimal  # percent of the window's lost deals


@dataclass(frozen=True)
class LostCell:
    reason_id: int
    count: int


@dataclass(frozen=True)
class CampaignLosses:
    key: str  # the campaign's id, or NO_CAMPAIGN: the records link's `campaign` value
    name: str
    cells: list[LostCell]  # one per reason, in the reason table's order
    count: int


@dataclass(frozen=True)
class LostReport:
    lines: list[LostReasonLine]
    campaigns: list[CampaignLosses]
    count: int
    amount: Decimal

    @property
    def is_empty(self) -> bool:
        return not self.count


def _lost_since(*, user: User, since: datetime) -> QuerySet[Opportunity]:
    return visible_opportunities(user=user).filter(
        stage=Opportunity.Stage.LOST, closed_at__gte=since
    )


def lost_report(*, user: User, since: datetime) -> LostReport:
    """The deals the user may read lost since `since`: per reason the deals, amount and share
    of all lost deals (most deals first), and per source campaign of the primary lead
    (LeadFacts.source_campaign; "No campaign" without one) the deals per reason. Two grouped
    queries."""
    lost = _lost_since(user=user, since=since)
    by_reason = list(
        lost.values("lost_reason_id", reason=F("lost_reason__name"))
        .annotate(n=Count("pk"), lost=Sum("amount"))
        .order_by("-n", "-lost", "lost_reason__order", "reason")
    )
    total = sum(row["n"] for row in by_reason)
    lines = [
        LostReasonLine(
            reason_id=row["lost_reason_id"],
            name=row["reason"],
            count=row["n"],
            amount=row["lost"] or Decimal("0"),
            share=Decimal(100 * row["n"]) / total,
        )
        for row in by_reason
    ]
    by_campaign: dict[int | None, dict[str, Any]] = {}
    for row in (
        lost.values(
            "lost_reason_id",
            campaign_id=F("source_campaign_id"),
            campaign=F("source_campaign__name"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        entry = by_campaign.setdefault(
            row["campaign_id"], {"name": row["campaign"] or "No campaign", "counts": {}}
        )
        entry["counts"][row["lost_reason_id"]] = row["n"]
    campaigns = [
        CampaignLosses(
            key=NO_CAMPAIGN if campaign_id is None else str(campaign_id),
            name=entry["name"],
            cells=[
                LostCell(line.reason_id, entry["counts"].get(line.reason_id, 0)) for line in lines
            ],
            count=sum(entry["counts"].values()),
        )
        for campaign_id, entry in by_campaign.items()
    ]
    # most lost first; "No campaign" after the campaigns it ties with
    campaigns.sort(key=lambda c: (-c.count, c.key == NO_CAMPAIGN, c.name.casefold()))
    return LostReport(
        lines=lines,
        campaigns=campaigns,
        count=total,
        amount=sum((line.amount for line in lines), Decimal("0")),
    )


@dataclass(frozen=True)
class LostRecords:
    """The deals behind one count of the lost report: one reason or all, maybe one campaign."""

    reason: LostReason | None  # None: every reason
    campaign: CampaignKey | None  # None: every campaign
    campaign_name: str
    deals: QuerySet[Opportunity]  # page it newest loss first, on ("closed_at", "pk")
    count: int
    amount: Decimal


def lost_records(
    *,
    user: User,
    since: datetime,
    reason_id: int | None = None,
    campaign: CampaignKey | None = None,
) -> LostRecords:
    """The deals the user may read lost since `since`, of one reason (404 if there is no such
    reason) and of one source campaign (404 if none such) or none if given: up to 3 queries
    (reason, campaign, totals) before the page."""
    deals = _lost_since(user=user, since=since)
    reason: LostReason | None = None
    if reason_id is not None:
        reason = get_object_or_404(LostReason, pk=reason_id)
        deals = deals.filter(lost_reason=reason)
    campaign_name = ""
    if campaign == NO_CAMPAIGN:
        deals = deals.filter(source_campaign__isnull=True)
        campaign_name = "No campaign"
    elif isinstance(campaign, int):
        campaign_name = get_object_or_404(Campaign.objects.only("name"), pk=campaign).name
        deals = deals.filter(source_campaign_id=campaign)
    totals = deals.aggregate(n=Count("pk"), amount=Sum("amount"))
    return LostRecords(
        reason=reason,
        campaign=campaign,
        campaign_name=campaign_name,
        deals=deals.select_related(
            "account", "owner", "primary_lead__facts__source_campaign", "lost_reason"
        ),
        count=totals["n"],
        amount=totals["amount"] or Decimal("0"),
    )
