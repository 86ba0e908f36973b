"""Deal-side metrics: opportunities, campaign cost per result, renewals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce, Least

from apps.campaigns.selectors import spend_between
from apps.goals.metrics.base import (
    MetricValue,
    Segment,
    Unit,
    cohort_figures,
    divide,
    known_by,
    mean,
    opportunity_segment_q,
    percent,
    renewal_segment_q,
    rounded,
    shared,
    window,
)
from apps.goals.models import Metric
from apps.opportunities.models import DealCell, Opportunity
from apps.service.models import Renewal

if TYPE_CHECKING:
    from apps.core.models import Quarter

WON = Opportunity.Stage.WON
LOST = Opportunity.Stage.LOST
MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


def _value(metric: str, unit: Unit, value: Decimal | None) -> MetricValue:
    return MetricValue(metric=metric, label=Metric(metric).label, unit=unit, value=value)


def created_q(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> Q:
    """Opportunities with created_at in the quarter window (before `as_of`, if given)."""
    start, end = window(quarter, as_of)
    return Q(created_at__gte=start, created_at__lt=end) & opportunity_segment_q(segment)


def closed_q(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> Q:
    """Opportunities won or lost with closed_at in the quarter window (before `as_of`, if
    given). Won and lost are final (opportunities.services.change_stage), so closed_at dates
    the stage."""
    start, end = window(quarter, as_of)
    return Q(stage__in=[WON, LOST], closed_at__gte=start, closed_at__lt=end) & (
        opportunity_segment_q(segment)
    )


def created_in(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Opportunity]:
    """The opportunities of created_q."""
    return Opportunity.objects.filter(created_q(quarter, segment, as_of=as_of))


def closed_in(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Opportunity]:
    """The opportunities of closed_q."""
    return Opportunity.objects.filter(closed_q(quarter, segment, as_of=as_of))


def won_in(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Opportunity]:
    """Opportunities won with closed_at in the quarter window (before `as_of`, if given)."""
    return closed_in(quarter, segment, as_of=as_of).filter(stage=WON)


DEAL_FIGURES = ("created", "pipeline", "closed", "won", "won_total")


def deal_tallies(quarter: Quarter) -> list[dict[str, Any]]:
    """The opportunities created in the quarter (counted, "created", and their amounts added up,
    "pipeline") and those won or lost in it ("closed", "won" and the won amounts, "won_total"),
    per owner ("owner_id"), source campaign ("key", the deal's own copy of its primary lead's)
    and origin: one read per shared_reads() block for the performance table, the revenue by
    origin, the scoreboard and the goal sheet's pipeline, revenue and win rate (no segment). A
    sum is None where no deal counts in it, as the database's. On PostgreSQL summed from the
    quarter's days' cells (DealCell, which the opportunities' triggers keep: a few thousand at
    any size); elsewhere from the deals, one pass over the created and the closed."""

    def read() -> list[dict[str, Any]]:
        if connection.vendor == "postgresql":
            created, closed = Q(kind=DealCell.Kind.CREATED), Q(kind=DealCell.Kind.CLOSED)
            won = closed & Q(stage=WON)
            rows = (
                DealCell.objects.filter(day__gte=quarter.starts_on, day__lte=quarter.ends_on)
                .exclude(n=0)
                .values("owner_id", "origin", key=F("source_campaign_id"))
                .annotate(
                    created=Coalesce(Sum("n", filter=created), 0),
                    pipeline=Sum("amount", filter=created),
                    closed=Coalesce(Sum("n", filter=closed), 0),
                    won=Coalesce(Sum("n", filter=won), 0),
                    won_total=Sum("amount", filter=won),
                )
            )
        else:
            created, closed = created_q(quarter), closed_q(quarter)
            won = closed & Q(stage=WON)
            rows = (
                Opportunity.objects.filter(created | closed)
                .values("owner_id", "origin", key=F("source_campaign_id"))
                .annotate(
                    created=Count("pk", filter=created),
                    pipeline=Sum("amount", filter=created),
                    closed=Count("pk", filter=closed),
                    won=Count("pk", filter=won),
                    won_total=Sum("amount", filter=won),
                )
            )
        return list(rows.order_by())

    return shared(("deal_tallies", quarter.pk), read)


def _added_up(rows: list[dict[str, Any]], column: str | None) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        into = out.setdefault(row[column] if column else None, dict.fromkeys(DEAL_FIGURES))
        for figure in DEAL_FIGURES:
            if row[figure] is not None:
                into[figure] = row[figure] if into[figure] is None else into[figure] + row[figure]
    return out


def deals_by(quarter: Quarter, column: str) -> dict[Any, dict[str, Any]]:
    """deal_tallies() added up per `column` ("owner_id", "origin" or "key"); a sum stays None
    where no deal counts in it."""
    return _added_up(deal_tallies(quarter), column)


def deal_totals(quarter: Quarter) -> dict[str, Any]:
    """deal_tallies() added up over the quarter (every figure None-or-zero when it had none)."""
    return _added_up(deal_tallies(quarter), None).get(None, dict.fromkeys(DEAL_FIGURES))


def opportunity_to_won(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Conversion opportunity -> won (%): opportunities created in the quarter that are won (at
    any time so far, also after the quarter) / opportunities created in the quarter * 100.
    Segment: the primary lead's campaign and source, the account's country and tier."""
    won = Q(stage=WON) & known_by("closed_at", as_of)
    row = created_in(quarter, segment, as_of=as_of).aggregate(
        total=Count("pk"), won=Count("pk", filter=won)
    )
    return _value(Metric.OPPORTUNITY_TO_WON, "percent", percent(row["won"], row["total"]))


def win_rate(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Win rate (%): of the opportunities closed in the quarter, won / (won + lost) * 100."""
    if segment is None and as_of is None:
        totals = deal_totals(quarter)
        row = {"total": totals["closed"] or 0, "won": totals["won"] or 0}
    else:
        row = closed_in(quarter, segment, as_of=as_of).aggregate(
            total=Count("pk"), won=Count("pk", filter=Q(stage=WON))
        )
    return _value(Metric.WIN_RATE, "percent", percent(row["won"], row["total"]))


def pipeline_created(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Pipeline created (money): sum of amount of the opportunities created in the quarter,
    whatever their stage now; 0.00 when there were none."""
    if segment is None and as_of is None:
        total = deal_totals(quarter)["pipeline"]
    else:
        total = created_in(quarter, segment, as_of=as_of).aggregate(total=Sum("amount"))["total"]
    return _value(Metric.PIPELINE_CREATED, "money", rounded(total or ZERO, "money"))


def revenue_won(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Revenue won (money): sum of amount of opportunities won with closed_at in the quarter,
    whenever they were created; 0.00 when there were none."""
    if segment is None and as_of is None:
        total = deal_totals(quarter)["won_total"]
    else:
        total = won_in(quarter, segment, as_of=as_of).aggregate(total=Sum("amount"))["total"]
    return _value(Metric.REVENUE_WON, "money", rounded(total or ZERO, "money"))


def expansion_revenue(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Expansion revenue (money): sum of amount of won opportunities of type "expansion" closed
    in the quarter; 0.00 when there were none."""
    total = (
        won_in(quarter, segment, as_of=as_of)
        .filter(type=Opportunity.Type.EXPANSION)
        .aggregate(total=Sum("amount"))["total"]
    )
    return _value(Metric.EXPANSION_REVENUE, "money", rounded(total or ZERO, "money"))


def sales_cycle_days(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Average sales cycle (days, 1 decimal): mean of (closed_at - created_at) in fractional
    days over opportunities won in the quarter. Durations are computed in Python from the two
    fetched columns, so SQLite and PostgreSQL agree. None when nothing was won."""
    rows = won_in(quarter, segment, as_of=as_of).values_list("created_at", "closed_at")
    days = [
        (closed - created).total_seconds() / 86400
        for created, closed in rows
        if closed is not None  # won implies closed (a check constraint); narrows the type
    ]
    return _value(Metric.SALES_CYCLE_DAYS, "days", rounded(mean(days), "days"))


def campaign_cost(quarter: Quarter, segment: Segment | None = None) -> Decimal | None:
    """The campaign spend dated inside the quarter (starts_on..ends_on), summed over the
    campaigns of campaigns_of: each entry counts pro rata by day for the days it shares with
    the quarter (apps.campaigns.selectors.spend_between), whichever quarter the campaign was
    planned for. None when no campaign has spend in the quarter (shown "—", never 0.00)."""
    spend = spend_between(
        start=quarter.starts_on, end=quarter.ends_on, campaign_ids=campaigns_of(quarter, segment)
    )
    return sum(spend.values(), ZERO) if spend else None


def campaigns_of(quarter: Quarter, segment: Segment | None = None) -> list[int] | None:
    """The campaigns whose spend makes the quarter's cost: None for every campaign (spend
    counts in the quarter it is dated in, not the campaign's planned quarter), or the
    segment's campaign only, if it names one."""
    if segment is not None and segment.campaign_id:
        return [segment.campaign_id]
    return None


def cost_per_ready_lead(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Cost per sales-ready lead (money): the campaign spend dated inside the quarter
    (campaign_cost) / sales-ready leads of the quarter. Cost cannot be split by source, country
    or tier, so only the segment's campaign is honoured, on both sides of the division. None
    when there are no sales-ready leads, or no spend is recorded in the quarter."""
    segment = segment.campaign_only() if segment else None
    cost = campaign_cost(quarter, segment)
    ready = cohort_figures(quarter, segment, as_of=as_of).total
    return _value(Metric.COST_PER_READY_LEAD, "money", divide(cost, ready, "money"))


def cost_per_won_deal(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Cost per won deal (money): the same campaign cost / opportunities won with closed_at in
    the quarter (only the segment's campaign honoured, through the primary lead). None when
    nothing was won, or no spend is recorded in the quarter."""
    segment = segment.campaign_only() if segment else None
    cost = campaign_cost(quarter, segment)
    won = won_in(quarter, segment, as_of=as_of).count()
    return _value(Metric.COST_PER_WON_DEAL, "money", divide(cost, won, "money"))


def renewals_due(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Renewal]:
    """Renewals with due_on between starts_on and ends_on (inclusive dates); given `as_of`,
    only those created before it (a renewal is created when its deal is won)."""
    return Renewal.objects.filter(
        Q(due_on__gte=quarter.starts_on, due_on__lte=quarter.ends_on)
        & renewal_segment_q(segment)
        & known_by("created_at", as_of)
    )


def gross_revenue_retention(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Gross revenue retention (%): over the renewals due in the quarter, the sum over renewed
    ones of min(renewed_amount or amount, amount) (expansion above the amount due does not
    count) / the sum of amount over ALL of them * 100. Pending renewals count as not yet
    retained, so a quarter in progress reads low until its renewals close; churned ones retain
    nothing. Segment: the account's country and tier. None when nothing is due."""
    renewed = Q(outcome=Renewal.Outcome.RENEWED) & known_by("closed_at", as_of)
    retained = Case(
        When(
            renewed,
            then=Least(Coalesce("renewed_amount", "amount"), "amount", output_field=MONEY),
        ),
        default=Value(ZERO, output_field=MONEY),
        output_field=MONEY,
    )
    row = renewals_due(quarter, segment, as_of=as_of).aggregate(
        retained=Sum(retained, output_field=MONEY), due=Sum("amount")
    )
    value = percent(row["retained"], row["due"])
    return _value(Metric.GROSS_REVENUE_RETENTION, "percent", value)
