"""Reads for the pipeline page: opportunities by stage with counts and amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.opportunities.models import Opportunity
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
    may_change: bool
    team_view: bool

    @property
    def is_empty(self) -> bool:
        return not any(column.count for column in self.columns)


def pipeline_board(*, user: User) -> PipelineBoard:
    """Open opportunities and those closed in the last 90 days, by stage: 2 queries."""
    since = timezone.now() - CLOSED_WINDOW
    scope = visible_opportunities(user=user).filter(
        Q(stage__in=OPEN_STAGES) | Q(closed_at__gte=since)
    )
    totals: dict[str, dict[str, Any]] = {
        row["stage"]: dict(row)
        for row in scope.values("stage").annotate(n=Count("pk"), total=Sum("amount")).order_by()
    }
    # The first PER_STAGE cards of every stage in one query (a window per stage).
    position = Window(
        RowNumber(),
        partition_by=F("stage"),
        order_by=[F("expected_close").asc(nulls_last=True), F("amount").desc(), F("pk").asc()],
    )
    cards = list(
        scope.select_related("account", "owner", "primary_lead")
        .annotate(position=position)
        .filter(position__lte=PER_STAGE)
        .order_by("stage", "position")
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
        may_change=has_role(user, Role.SALES, Role.SALES_MANAGER),
        team_view=has_role(user, Role.SALES_MANAGER, Role.MARKETING, Role.SERVICE, Role.REVOPS),
    )
