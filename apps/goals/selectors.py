"""Reads for the shared goal sheet: the quarter's goals with progress and charts, the two-sided
SLA scoreboard, lead flow against capacity, and the records behind each goal's number.

Every figure comes from apps.goals.metrics (the same functions as the API and the nightly
snapshot), so no two screens disagree. Queries are bounded: a fixed few per goal (goals per
quarter are few, at most GOAL_LIMIT), one for all the quarter's snapshots, and the scoreboard's
and lead flow's grouped aggregates; never one per rep or per record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from apps.core.models import Quarter
from apps.core.pagination import KeysetPage, keyset_page
from apps.core.quarters import pick_quarter, quarters
from apps.goals import charts, metrics
from apps.goals.metrics import Figure, GoalProgress, MetricValue, Scoreboard, Segment, Unit
from apps.goals.metrics.base import percent
from apps.goals.models import GoalSnapshot, JointGoal, Metric
from apps.leads.models import Lead
from apps.opportunities.selectors import visible_opportunities
from apps.routing.capacity import LeadFlow, lead_flow
from apps.service.selectors import RENEWAL_READERS
from apps.users.models import User
from apps.users.roles import roles_of

GOAL_LIMIT = 100
RECORD_PAGE_SIZE = 100
RECORD_KEYS = ("pk",)

Status = Literal["ahead", "on_track", "behind"]
RecordKind = Literal["lead", "opportunity", "disqualification", "renewal"]

STATUS_LABELS: dict[str, str] = {"ahead": "Ahead", "on_track": "On track", "behind": "Behind"}
# Scoreboard figures where a smaller number is the better one (the arrows' colours).
LOWER_IS_BETTER = frozenset(
    {
        Metric.SPEED_TO_LEAD_MEDIAN,
        Metric.SPEED_TO_LEAD_P90,
        Metric.DISQUALIFICATION_RATE,
        metrics.JUNK_SHARE,
    }
)
SHORT_LABELS: dict[str, str] = {
    Metric.SALES_READY_LEADS: "Sales-ready leads",
    Metric.DISQUALIFICATION_RATE: "Disqualification rate",
    metrics.JUNK_SHARE: "Junk share",
    Metric.SPEED_TO_LEAD_MEDIAN: "Speed to lead, median",
    Metric.SPEED_TO_LEAD_P90: "Speed to lead, p90",
    Metric.SLA_COMPLIANCE: "First-response compliance",
    Metric.FOLLOW_UP_RATE: "Follow-up rate",
    Metric.ATTEMPTS_BEFORE_DQ: "Attempts before disqualification",
    Metric.WIN_RATE: "Win rate",
}
# What the drill-down lists for each metric: the records the figure is computed from.
RECORD_DESCRIPTIONS: dict[str, str] = {
    Metric.SALES_READY_LEADS: "Leads that became sales-ready in the quarter; each counts once.",
    Metric.SPEED_TO_LEAD_MEDIAN: "Sales-ready leads of the quarter that have had a first response.",
    Metric.SPEED_TO_LEAD_P90: "Sales-ready leads of the quarter that have had a first response.",
    Metric.SLA_COMPLIANCE: "Sales-ready leads of the quarter whose SLA is settled: met or breached.",
    Metric.FOLLOW_UP_RATE: "The quarter's sales-ready leads: the rate's denominator.",
    Metric.ATTEMPTS_BEFORE_DQ: "Disqualifications made in the quarter.",
    Metric.DISQUALIFICATION_RATE: "Disqualifications made in the quarter: the rate's numerator.",
    Metric.READY_TO_OPPORTUNITY: "The quarter's sales-ready leads: the rate's denominator.",
    Metric.OPPORTUNITY_TO_WON: "Opportunities created in the quarter.",
    Metric.WIN_RATE: "Opportunities won or lost in the quarter.",
    Metric.PIPELINE_CREATED: "Opportunities created in the quarter, whatever their stage now.",
    Metric.REVENUE_WON: "Opportunities won in the quarter.",
    Metric.SALES_CYCLE_DAYS: "Opportunities won in the quarter.",
    Metric.COST_PER_READY_LEAD: "The quarter's sales-ready leads: the cost's denominator.",
    Metric.COST_PER_WON_DEAL: "Opportunities won in the quarter: the cost's denominator.",
    Metric.GROSS_REVENUE_RETENTION: "Renewals due in the quarter.",
    Metric.EXPANSION_REVENUE: "Expansion opportunities won in the quarter.",
}
RECORD_KINDS: dict[str, RecordKind] = {
    "Lead": "lead",
    "Opportunity": "opportunity",
    "Disqualification": "disqualification",
    "Renewal": "renewal",
}


# --- Quarters -------------------------------------------------------------------------------


def quarter_goals(*, quarter: Quarter) -> QuerySet[JointGoal]:
    """The quarter's joint goals with their quarter and segment campaign, by metric."""
    return (
        JointGoal.objects.filter(quarter=quarter)
        .select_related("quarter", "segment_campaign")
        .order_by("metric", "pk")[:GOAL_LIMIT]
    )


# --- Formatting: one place decides how each unit reads -----------------------------------------


def format_value(value: Decimal | None, unit: Unit) -> str:
    """A figure as the page prints it: 12, 1,250.50, 45.5%, 4.0 min, 12.3 days; "—" for none."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:,.1f}%"
    if unit == "minutes":
        return f"{value:,.1f} min"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "money":
        text = f"{value:,.2f}"
        return text.removesuffix(".00")
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _segment_text(goal: JointGoal) -> str:
    parts = []
    if goal.segment_campaign_id and goal.segment_campaign is not None:
        parts.append(f"campaign {goal.segment_campaign.name}")
    if goal.segment_source:
        parts.append(f"source {goal.segment_source}")
    if goal.segment_country:
        parts.append(f"country {goal.segment_country}")
    if goal.segment_tier:
        parts.append(str(goal.get_segment_tier_display()).lower())
    return ", ".join(parts)


# --- The goal cards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRow:
    on: date
    text: str


@dataclass(frozen=True)
class GoalCard:
    """One goal as the sheet shows it: progress from the metrics module, texts, chart."""

    progress: GoalProgress
    unit: Unit
    cumulative: bool
    actual_text: str
    target_text: str
    percent_text: str
    pace_text: str
    forecast_text: str
    status: Status | None
    status_label: str
    bar_percent: Decimal
    pace_percent: Decimal
    segment_text: str
    chart: charts.LineChart | None
    snapshots: tuple[SnapshotRow, ...]
    chart_empty_text: str

    @property
    def goal(self) -> JointGoal:
        return self.progress.goal


def _bar(share: Decimal | None) -> Decimal:
    """A share of the target as a bar width: 0-100."""
    if share is None:
        return Decimal(0)
    return max(Decimal(0), min(Decimal(100), share))


def _chart_empty_text(quarter: Quarter, today: date) -> str:
    if today < quarter.starts_on:
        return f"Snapshots start when the quarter begins on {quarter.starts_on:%-d %b %Y}."
    if today > quarter.ends_on:
        return "No snapshots were recorded in this quarter."
    return "The first snapshot is taken tonight."


def goal_card(progress: GoalProgress, snapshots: list[GoalSnapshot], *, today: date) -> GoalCard:
    """The card of one goal: its progress in words and numbers, and its line through the
    quarter from the nightly snapshots (no query: the snapshots are passed in)."""
    goal = progress.goal
    quarter = goal.quarter
    unit = progress.actual.unit
    cumulative = goal.metric in metrics.CUMULATIVE
    status: Status | None = progress.status
    label = progress.actual.label
    chart = None
    if snapshots:
        chart = charts.goal_chart(
            points=[(snapshot.on, snapshot.actual) for snapshot in snapshots],
            starts_on=quarter.starts_on,
            ends_on=quarter.ends_on,
            target=goal.target,
            cumulative=cumulative,
            today=today,
            label=str(goal) or label,
            format_value=lambda value: format_value(value, unit),
        )
    pace_share = (
        percent(progress.pace, goal.target)
        if cumulative and progress.pace is not None
        else Decimal(100)
    )
    return GoalCard(
        progress=progress,
        unit=unit,
        cumulative=cumulative,
        actual_text=format_value(progress.actual.value, unit),
        target_text=format_value(goal.target, unit),
        percent_text=format_value(progress.percent_of_target, "percent"),
        pace_text=format_value(progress.pace, unit),
        forecast_text=format_value(progress.forecast, unit),
        status=status,
        status_label=STATUS_LABELS[status] if status else "No data yet",
        bar_percent=_bar(progress.percent_of_target),
        pace_percent=_bar(pace_share),
        segment_text=_segment_text(goal),
        chart=chart,
        snapshots=tuple(
            SnapshotRow(on=snapshot.on, text=format_value(snapshot.actual, unit))
            for snapshot in snapshots
        ),
        chart_empty_text=_chart_empty_text(quarter, today),
    )


def snapshots_by_goal(*, goal_ids: list[int]) -> dict[int, list[GoalSnapshot]]:
    """Every snapshot of these goals, by goal, in day order: one query for the whole sheet."""
    grouped: dict[int, list[GoalSnapshot]] = defaultdict(list)
    if not goal_ids:
        return grouped
    rows = GoalSnapshot.objects.filter(goal_id__in=goal_ids).only("goal_id", "on", "actual")
    for snapshot in rows.order_by("goal_id", "on"):
        grouped[snapshot.goal_id].append(snapshot)
    return grouped


# --- The scoreboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureCell:
    """One scoreboard figure beside the previous quarter's, with the direction and whether the
    change is an improvement (None when either side is missing or nothing changed)."""

    figure: Figure
    label: str
    value_text: str
    previous_text: str
    target_text: str
    trend: Literal["up", "down", "flat"] | None
    better: bool | None
    trend_text: str


@dataclass(frozen=True)
class RepRow:
    rep_id: int
    name: str
    leads: int
    cells: tuple[FigureCell, ...]


@dataclass(frozen=True)
class ScoreboardView:
    scoreboard: Scoreboard
    previous_name: str | None
    marketing: tuple[FigureCell, ...]
    sales: tuple[FigureCell, ...]
    reps: tuple[RepRow, ...]
    sales_labels: tuple[str, ...]


def figure_cell(figure: Figure, *, previous_name: str | None) -> FigureCell:
    value, previous = figure.value, figure.previous
    trend: Literal["up", "down", "flat"] | None = None
    better: bool | None = None
    before = previous_name or "last quarter"
    previous_text = format_value(previous, figure.unit)
    if value is None or previous is None:
        trend_text = f"{before}: {previous_text}" if previous_name else "no previous quarter"
    elif value == previous:
        trend, trend_text = "flat", f"unchanged from {before}"
    else:
        trend = "up" if value > previous else "down"
        lower_better = figure.metric in LOWER_IS_BETTER
        better = (value < previous) if lower_better else (value > previous)
        trend_text = f"{trend} from {previous_text} in {before}, {'better' if better else 'worse'}"
    return FigureCell(
        figure=figure,
        label=SHORT_LABELS.get(figure.metric, figure.label),
        value_text=format_value(value, figure.unit),
        previous_text=previous_text,
        target_text=format_value(figure.target, figure.unit) if figure.target is not None else "",
        trend=trend,
        better=better,
        trend_text=trend_text,
    )


def scoreboard_view(*, quarter: Quarter) -> ScoreboardView:
    """sla_scoreboard() for the quarter (a constant number of grouped queries) in words."""
    board = metrics.sla_scoreboard(quarter)
    previous_name = board.previous_quarter.name if board.previous_quarter else None
    sales = tuple(figure_cell(f, previous_name=previous_name) for f in board.sales)
    return ScoreboardView(
        scoreboard=board,
        previous_name=previous_name,
        marketing=tuple(figure_cell(f, previous_name=previous_name) for f in board.marketing),
        sales=sales,
        reps=tuple(
            RepRow(
                rep_id=rep.rep_id,
                name=rep.name,
                leads=rep.leads,
                cells=tuple(figure_cell(f, previous_name=previous_name) for f in rep.figures),
            )
            for rep in board.reps
        ),
        sales_labels=tuple(cell.label for cell in sales),
    )


# --- The page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalSheet:
    quarters: list[Quarter]
    quarter: Quarter | None
    today: date
    elapsed_days: int
    total_days: int
    cards: list[GoalCard]
    scoreboard: ScoreboardView | None
    flow: LeadFlow | None

    @property
    def elapsed_percent(self) -> Decimal:
        return _bar(percent(self.elapsed_days, self.total_days))


def goal_sheet(*, quarter_name: str | None, today: date) -> GoalSheet:
    """Everything /goals/ shows for the quarter picked (default: the one containing today)."""
    options = quarters()
    quarter = pick_quarter(options, name=quarter_name, today=today)
    if quarter is None:
        return GoalSheet(options, None, today, 0, 0, [], None, None)
    elapsed, total = metrics.quarter_days(quarter, today)
    goals = list(quarter_goals(quarter=quarter))
    snapshots = snapshots_by_goal(goal_ids=[goal.pk for goal in goals])
    cards = [
        goal_card(metrics.goal_progress(goal, today), snapshots.get(goal.pk, []), today=today)
        for goal in goals
    ]
    return GoalSheet(
        quarters=options,
        quarter=quarter,
        today=today,
        elapsed_days=elapsed,
        total_days=total,
        cards=cards,
        scoreboard=scoreboard_view(quarter=quarter),
        flow=lead_flow(),
    )


# --- The records behind a goal's number ----------------------------------------------------------


@dataclass(frozen=True)
class GoalRecords:
    """The drill-down of one goal: the records its figure is computed from, as far as the
    user's role may read them, one keyset page at a time."""

    goal: JointGoal
    actual: MetricValue
    actual_text: str
    kind: RecordKind
    description: str
    segment_text: str
    total: int
    visible: int
    amount_text: str | None
    page: KeysetPage

    @property
    def hidden(self) -> int:
        return self.total - self.visible


def _visible_records(records: QuerySet[Any], kind: RecordKind, user: User) -> QuerySet[Any]:
    """The records this user may read: the same visible_to() rules as every other screen."""
    if kind == "lead":
        return records.filter(pk__in=Lead.objects.visible_to(user).values("pk"))
    if kind == "disqualification":
        return records.filter(lead__in=Lead.objects.visible_to(user).values("pk"))
    if kind == "opportunity":
        return records.filter(pk__in=visible_opportunities(user=user).values("pk"))
    if roles_of(user) & RENEWAL_READERS:
        return records.select_related("churn_reason")
    return records.none()


def goal_for(*, goal_id: int) -> JointGoal:
    """A goal with its quarter and segment campaign; 404 when missing. Every role reads goals."""
    queryset = JointGoal.objects.select_related("quarter", "segment_campaign")
    goal: JointGoal = get_object_or_404(queryset, pk=goal_id)
    return goal


def goal_records(*, user: User, goal_id: int, request: HttpRequest) -> GoalRecords:
    """The records behind the goal's actual: drilldown(metric, quarter, segment), filtered by
    what the user may read, keyset-paged by pk, with the count behind the figure."""
    goal = goal_for(goal_id=goal_id)
    segment = Segment.from_goal(goal)
    actual = metrics.compute(goal.metric, goal.quarter, segment)
    records = metrics.drilldown(goal.metric, goal.quarter, segment)
    kind = RECORD_KINDS[records.model.__name__]
    visible = _visible_records(records, kind, user)
    amount_text = None
    if kind in ("opportunity", "renewal"):
        amount = visible.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        amount_text = format_value(amount, "money")
    return GoalRecords(
        goal=goal,
        actual=actual,
        actual_text=format_value(actual.value, actual.unit),
        kind=kind,
        description=RECORD_DESCRIPTIONS.get(goal.metric, ""),
        segment_text=_segment_text(goal),
        total=records.count(),
        visible=visible.count(),
        amount_text=amount_text,
        page=keyset_page(visible, request, keys=RECORD_KEYS, page_size=RECORD_PAGE_SIZE),
    )
