"""Reads for the shared goal sheet: the quarter's goals with progress and charts, the two-sided
SLA scoreboard, lead flow against capacity, and the records behind each goal's number.

Every figure comes from apps.goals.metrics (the same functions as the API and the nightly
snapshot), so no two screens disagree. Queries are bounded: a fixed few per goal (goals per
quarter are few, at most GOAL_LIMIT), one for all the quarter's snapshots, and the scoreboard's
and lead flow's grouped aggregates; never one per rep or per record.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from apps.campaigns.models import Campaign, CampaignSpend
from apps.campaigns.selectors import entry_share, spend_overlapping
from apps.core.models import Quarter
from apps.core.pagination import KeysetPage, keyset_page
from apps.core.quarters import current_quarter, pick_quarter, quarters
from apps.goals import charts, metrics
from apps.goals.metrics import (
    Figure,
    GoalProgress,
    RepFigures,
    Scoreboard,
    Segment,
    Unit,
    funnel,
    meetings,
    revenue,
)
from apps.goals.metrics.base import percent
from apps.goals.metrics.marketing import FIRST_TOUCH
from apps.goals.models import (
    LOWER_IS_BETTER,
    TEAM_ONLY_METRICS,
    GoalSnapshot,
    JointGoal,
    Metric,
    ScoreboardMetric,
    ScoreboardTarget,
)
from apps.leads.models import Lead
from apps.opportunities.models import CampaignCredit, Opportunity
from apps.opportunities.selectors import visible_opportunities
from apps.routing.capacity import LeadFlow, lead_flow
from apps.service.models import Renewal
from apps.service.selectors import RENEWAL_READERS
from apps.users.models import User
from apps.users.roles import roles_of

GOAL_LIMIT = 100
RECORD_PAGE_SIZE = 100
RECORD_KEYS = ("pk",)

Status = Literal["ahead", "on_track", "behind"]
RecordKind = Literal[
    "lead", "opportunity", "disqualification", "renewal", "credit", "spend", "meeting"
]

STATUS_LABELS: dict[str, str] = {"ahead": "Ahead", "on_track": "On track", "behind": "Behind"}
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
    Metric.HELD_TOO_LONG: "Leads the held queue sent back to nurture in the quarter because "
    "they waited longer than the agreement allows; each counts once.",
    Metric.FORM_TO_MEETING_RATE: "Leads that raised a hand on a booking form in the quarter, "
    "and those of them who booked a meeting from a form (cancelled meetings count).",
    Metric.FORM_TO_MEETING_MINUTES: "Each booked lead's first meeting booked from a form raised "
    "in the quarter, fastest first: minutes from the form to the booking.",
}
# The list each goal metric's drill-down opens with (drilldown()'s records).
RECORD_LABELS: dict[str, str] = {
    Metric.SALES_READY_LEADS: "Sales-ready leads",
    Metric.SLA_COMPLIANCE: "Settled: met or breached",
    Metric.FOLLOW_UP_RATE: "Sales-ready leads",
    Metric.ATTEMPTS_BEFORE_DQ: "Disqualifications",
    Metric.READY_TO_OPPORTUNITY: "Sales-ready leads",
    Metric.OPPORTUNITY_TO_WON: "Opportunities created",
    Metric.WIN_RATE: "Closed: won or lost",
    Metric.PIPELINE_CREATED: "Opportunities created",
    Metric.REVENUE_WON: "Won deals",
    Metric.SALES_CYCLE_DAYS: "Won deals",
    Metric.COST_PER_READY_LEAD: "Sales-ready leads",
    Metric.COST_PER_WON_DEAL: "Won deals",
    Metric.GROSS_REVENUE_RETENTION: "Renewals due",
    Metric.EXPANSION_REVENUE: "Won expansion deals",
    Metric.HELD_TOO_LONG: "Leads held too long",
    Metric.FORM_TO_MEETING_RATE: "Hand-raises on booking forms",
    Metric.FORM_TO_MEETING_MINUTES: "First booked meetings",
}
# What the scoreboard drill-down lists for each figure.
SCOREBOARD_DESCRIPTIONS: dict[str, str] = {
    Metric.SALES_READY_LEADS: "Leads that became sales-ready in the quarter; each counts once.",
    Metric.DISQUALIFICATION_RATE: "Disqualifications made in the quarter, of the quarter's "
    "sales-ready leads.",
    metrics.JUNK_SHARE: "Disqualifications for a junk reason, of the quarter's sales-ready leads.",
    Metric.SPEED_TO_LEAD_MEDIAN: "Sales-ready leads that have been answered, fastest first.",
    Metric.SPEED_TO_LEAD_P90: "Sales-ready leads that have been answered, fastest first.",
    Metric.SLA_COMPLIANCE: "Sales-ready leads whose SLA is settled: met or breached.",
    Metric.FOLLOW_UP_RATE: "Sales-ready leads with at least one attempt, of all of them.",
    Metric.ATTEMPTS_BEFORE_DQ: "Disqualifications made in the quarter, with their attempts.",
    Metric.WIN_RATE: "Opportunities won, of those won or lost in the quarter.",
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
    """One day of a goal's history table; the day's labels are formatted once here (a quarter
    of snapshots per goal is a thousand dates on the sheet, too many for the date filter)."""

    on: date
    text: str

    @property
    def iso(self) -> str:
        return self.on.isoformat()

    @property
    def label(self) -> str:
        """ "Mon 5 Oct", as the date filter's "D j M" writes it."""
        return f"{self.on:%a} {self.on.day} {self.on:%b}"


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


def goal_card(progress: GoalProgress, snapshots: list[DayActual], *, today: date) -> GoalCard:
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


class DayActual(NamedTuple):
    """One snapshot as the sheet reads it (GoalSnapshot's day and actual, as a plain row)."""

    on: date
    actual: Decimal | None


def snapshots_by_goal(*, goal_ids: list[int]) -> dict[int, list[DayActual]]:
    """Every snapshot of these goals, by goal, in day order: one query for the whole sheet."""
    grouped: dict[int, list[DayActual]] = defaultdict(list)
    if not goal_ids:
        return grouped
    rows = GoalSnapshot.objects.filter(goal_id__in=goal_ids).order_by("goal_id", "on")
    for goal_id, on, actual in rows.values_list("goal_id", "on", "actual"):
        grouped[goal_id].append(DayActual(on, actual))
    return grouped


# --- The scoreboard ----------------------------------------------------------------------------

TargetKey = tuple[str, int | None]  # (metric, rep id; None for the team)


@dataclass(frozen=True)
class FigureCell:
    """One scoreboard figure beside the previous quarter's, with the direction and whether the
    change is an improvement (None when either side is missing or nothing changed), and the
    target RevOps set for it: met or missed (None without a target or a value)."""

    figure: Figure
    label: str
    value_text: str
    previous_text: str
    target_text: str
    trend: Literal["up", "down", "flat"] | None
    better: bool | None
    trend_text: str
    target_met: bool | None = None
    lower_is_better: bool = False

    @property
    def target_status(self) -> str:
        """The target in words, for the cell's title and screen readers."""
        if not self.target_text:
            return ""
        side = " or lower" if self.lower_is_better else ""
        if self.target_met is None:
            return f"target {self.target_text}{side}"
        return f"target {self.target_text}{side}, {'met' if self.target_met else 'missed'}"


@dataclass(frozen=True)
class RepRow:
    rep_id: int
    name: str
    leads: int
    leads_cell: FigureCell
    cells: tuple[FigureCell, ...]


@dataclass(frozen=True)
class ScoreboardView:
    scoreboard: Scoreboard
    previous_name: str | None
    marketing: tuple[FigureCell, ...]
    sales: tuple[FigureCell, ...]
    reps: tuple[RepRow, ...]
    sales_labels: tuple[str, ...]


def scoreboard_targets(*, quarter: Quarter) -> dict[TargetKey, ScoreboardTarget]:
    """RevOps's targets beside the quarter's scoreboard figures, by (metric, rep id or None for
    the team's). One query."""
    return {
        (target.metric, target.rep_id): target
        for target in ScoreboardTarget.objects.filter(quarter=quarter).order_by("pk")
    }


def target_met(
    value: Decimal | None, target: Decimal | None, *, lower_is_better: bool
) -> bool | None:
    """Whether a figure meets its target: at or under it where lower is better, at or over it
    otherwise; None without a value or a target."""
    if value is None or target is None:
        return None
    return value <= target if lower_is_better else value >= target


def _targeted(
    figures: tuple[Figure, ...], targets: dict[TargetKey, ScoreboardTarget], rep_id: int | None
) -> tuple[Figure, ...]:
    """The figures with RevOps's scoreboard target where one is set; elsewhere the figure keeps
    the target sla_scoreboard() gave it (the unsegmented sales-ready goal's, for that figure)."""
    return tuple(
        dataclasses.replace(figure, target=targets[(figure.metric, rep_id)].target)
        if (figure.metric, rep_id) in targets
        else figure
        for figure in figures
    )


def targeted_scoreboard(
    *, quarter: Quarter
) -> tuple[Scoreboard, dict[TargetKey, ScoreboardTarget]]:
    """sla_scoreboard() for the quarter with the scoreboard targets RevOps set put beside each
    figure (the team's and each rep's), and those targets. The page and the API read this, so
    they show the same targets."""
    board = metrics.sla_scoreboard(quarter)
    targets = scoreboard_targets(quarter=quarter)
    if not targets:
        return board, targets
    board = dataclasses.replace(
        board,
        marketing=_targeted(board.marketing, targets, None),
        sales=_targeted(board.sales, targets, None),
        reps=tuple(
            dataclasses.replace(rep, figures=_targeted(rep.figures, targets, rep.rep_id))
            for rep in board.reps
        ),
    )
    return board, targets


def figure_cell(
    figure: Figure, *, previous_name: str | None, target: ScoreboardTarget | None = None
) -> FigureCell:
    value, previous = figure.value, figure.previous
    trend: Literal["up", "down", "flat"] | None = None
    better: bool | None = None
    before = previous_name or "last quarter"
    previous_text = format_value(previous, figure.unit)
    lower_better = figure.metric in LOWER_IS_BETTER
    if value is None or previous is None:
        trend_text = f"{before}: {previous_text}" if previous_name else "no previous quarter"
    elif value == previous:
        trend, trend_text = "flat", f"unchanged from {before}"
    else:
        trend = "up" if value > previous else "down"
        better = (value < previous) if lower_better else (value > previous)
        trend_text = f"{trend} from {previous_text} in {before}, {'better' if better else 'worse'}"
    # RevOps's target says which side is better (preset from the metric); a goal's target
    # (sales-ready leads) goes by the metric.
    target_lower = target.lower_is_better if target is not None else lower_better
    return FigureCell(
        figure=figure,
        label=SHORT_LABELS.get(figure.metric, figure.label),
        value_text=format_value(value, figure.unit),
        previous_text=previous_text,
        target_text=format_value(figure.target, figure.unit) if figure.target is not None else "",
        trend=trend,
        better=better,
        trend_text=trend_text,
        target_met=target_met(value, figure.target, lower_is_better=target_lower),
        lower_is_better=target_lower,
    )


def _leads_cell(rep: RepFigures, target: ScoreboardTarget | None) -> FigureCell:
    """A rep's sales-ready leads (the size of the rep's cohort) as a cell, with its target."""
    figure = Figure(
        metric=Metric.SALES_READY_LEADS,
        label=Metric.SALES_READY_LEADS.label,
        unit="count",
        value=Decimal(rep.leads),
        previous=None,
        target=target.target if target is not None else None,
    )
    return figure_cell(figure, previous_name=None, target=target)


def scoreboard_view(*, quarter: Quarter) -> ScoreboardView:
    """sla_scoreboard() for the quarter (a constant number of grouped queries) in words, with
    the targets RevOps set (one more query)."""
    board, targets = targeted_scoreboard(quarter=quarter)
    previous_name = board.previous_quarter.name if board.previous_quarter else None

    def cells(figures: tuple[Figure, ...], rep_id: int | None) -> tuple[FigureCell, ...]:
        return tuple(
            figure_cell(f, previous_name=previous_name, target=targets.get((f.metric, rep_id)))
            for f in figures
        )

    sales = cells(board.sales, None)
    return ScoreboardView(
        scoreboard=board,
        previous_name=previous_name,
        marketing=cells(board.marketing, None),
        sales=sales,
        reps=tuple(
            RepRow(
                rep_id=rep.rep_id,
                name=rep.name,
                leads=rep.leads,
                leads_cell=_leads_cell(rep, targets.get((Metric.SALES_READY_LEADS, rep.rep_id))),
                cells=cells(rep.figures, rep.rep_id),
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
    # the goals and the scoreboard of one cohort share its aggregates (one read of the cohort)
    with metrics.shared_reads():
        metrics.known_quarters(quarter, options)  # the quarters and goals read above
        metrics.known_goals(quarter, goals)
        cards = [
            goal_card(metrics.goal_progress(goal, today), snapshots.get(goal.pk, []), today=today)
            for goal in goals
        ]
        scoreboard = scoreboard_view(quarter=quarter)
    return GoalSheet(
        quarters=options,
        quarter=quarter,
        today=today,
        elapsed_days=elapsed,
        total_days=total,
        cards=cards,
        scoreboard=scoreboard,
        flow=lead_flow(),
    )


# --- The records behind a figure ----------------------------------------------------------------
#
# Every figure of /goals/ (goal cards and the SLA scoreboard) and of /marketing/performance/
# links to the records it is computed from. A count lists its records, a sum its records with
# their amounts, a rate its numerator's and its denominator's records (one list at a time, both
# counted), a cost its spend entries and the records it is divided by. Counts and sums are of
# all the records, in the database; the list shows the ones the user's role may read, one
# keyset page at a time, so the page costs the same few queries however many records there are.


@dataclass(frozen=True)
class SpendWindow:
    """The spend a cost counts: entries dated inside [start, end], of these campaigns (None:
    all of them), each pro rata by day (apps.campaigns.selectors.spend_between)."""

    start: date
    end: date
    campaign_ids: list[int] | None


@dataclass(frozen=True)
class RecordSet:
    """One list of records behind a figure: the records of a count or sum, one side of a rate,
    or a cost's spend entries (`spend` set: the window and campaigns of spend_between)."""

    key: str
    label: str
    records: QuerySet[Any]
    keys: tuple[str, ...] = RECORD_KEYS
    spend: SpendWindow | None = None


@dataclass(frozen=True)
class PartLink:
    """One list of a figure with more than one (a rate's numerator and denominator, a cost's
    spend and what it is divided by): its count and amount, and the query that lists it."""

    key: str
    label: str
    count: int
    amount_text: str | None
    query: str
    current: bool


@dataclass(frozen=True)
class SpendRow:
    """A spend entry and the part of it that falls inside the figure's window."""

    entry: CampaignSpend
    share: Decimal


@dataclass(frozen=True)
class FigureRecords:
    """The drill-down of one figure: the figure as its page shows it, the records it is
    computed from (all counted and summed; listed as far as the user's role may read them)."""

    title: str
    value_text: str
    value_label: str
    description: str
    kind: RecordKind
    listed_label: str
    parts: tuple[PartLink, ...]
    total: int
    visible: int
    amount_text: str | None
    visible_amount_text: str | None
    page: KeysetPage
    page_query: str
    quarter: Quarter
    segment_text: str = ""
    goal: JointGoal | None = None
    show_minutes: bool = False  # answered leads or booked meetings: their minutes, fastest first

    @property
    def hidden(self) -> int:
        return self.total - self.visible


RECORD_KINDS: dict[str, RecordKind] = {
    "Lead": "lead",
    "Opportunity": "opportunity",
    "Disqualification": "disqualification",
    "Renewal": "renewal",
    "CampaignCredit": "credit",
    "CampaignSpend": "spend",
    "Meeting": "meeting",
}
# The relations each kind's rows print, joined in the page's one query.
RECORD_RELATED: dict[RecordKind, tuple[str, ...]] = {
    "lead": ("account", "campaign", "owner", "facts"),
    "opportunity": ("account", "owner", "primary_lead", "lost_reason"),
    "disqualification": ("lead", "reason", "rep"),
    "renewal": ("account",),
    "credit": ("opportunity__account", "opportunity__owner", "campaign"),
    "spend": ("campaign",),
    "meeting": ("lead__account", "rep", "asset__campaign"),
}
MONEY_KINDS = frozenset({"opportunity", "renewal", "credit", "spend"})
SPEED_KEYS = ("facts__response_minutes", "pk")  # answered leads, fastest first: the median shows
WAIT_KEYS = ("wait_minutes", "pk")  # booked meetings, fastest first: the median shows


def _visible_records(records: QuerySet[Any], kind: RecordKind, user: User) -> QuerySet[Any]:
    """The records this user may read: the same visible_to() rules as every other screen."""
    if kind == "lead":
        return records.filter(pk__in=Lead.objects.visible_to(user).values("pk"))
    if kind in ("disqualification", "meeting"):
        return records.filter(lead__in=Lead.objects.visible_to(user).values("pk"))
    if kind == "opportunity":
        return records.filter(pk__in=visible_opportunities(user=user).values("pk"))
    if kind == "credit":
        return records.filter(opportunity__in=visible_opportunities(user=user).values("pk"))
    if kind == "spend":
        return records  # every role reads campaign spend
    if roles_of(user) & RENEWAL_READERS:
        return records.select_related("churn_reason")
    return records.none()


def _query(request: HttpRequest, **changes: str | None) -> str:
    """The request's query string without the page cursor, with `changes` applied."""
    query = request.GET.copy()
    query.pop("after", None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


def _spend_set(window: SpendWindow) -> RecordSet:
    """A cost's spend entries: those spend_between counts for the window."""
    entries = spend_overlapping(
        start=window.start, end=window.end, campaign_ids=window.campaign_ids
    )
    return RecordSet("cost", "Spend", entries, spend=window)


def _answered_set(leads: QuerySet[Lead]) -> RecordSet:
    """Speed to lead's records: the answered leads, fastest first (the median shows)."""
    return RecordSet("records", "Answered leads", _answered(leads), keys=SPEED_KEYS)


def _first_meetings_set(first: QuerySet[Any]) -> RecordSet:
    """Minutes from form to meeting's records: each booked lead's first meeting from a form,
    with its minutes, fastest first (the median shows)."""
    label = "First booked meetings"
    return RecordSet("records", label, meetings.with_wait(first), keys=WAIT_KEYS)


def _booking_rate_sets(
    hand_raised: QuerySet[Lead], booked: QuerySet[Lead]
) -> tuple[RecordSet, ...]:
    """The form-to-meeting rate's sides: the booked leads over the hand-raise leads."""
    return (
        RecordSet("numerator", "Booked at the hand-raise", booked),
        RecordSet("denominator", "Hand-raises on booking forms", hand_raised),
    )


def _tally(record_set: RecordSet) -> tuple[int, Decimal | None]:
    """How many records a set has and, for money, their sum: one query (spend: the entries,
    each counted pro rata by day as spend_between counts it; None without any)."""
    if record_set.spend is not None:
        window = record_set.spend
        entries = record_set.records.only("starts_on", "ends_on", "amount")
        shares = [entry_share(entry, window.start, window.end) for entry in entries]
        return len(shares), (sum(shares, Decimal("0.00")) if shares else None)
    kind = RECORD_KINDS[record_set.records.model.__name__]
    if kind in MONEY_KINDS:
        row = record_set.records.aggregate(n=Count("pk"), total=Sum("amount"))
        return row["n"], row["total"] or Decimal("0.00")
    return record_set.records.count(), None


def _money_text(amount: Decimal | None, kind: RecordKind) -> str | None:
    if kind not in MONEY_KINDS:
        return None
    return format_value(amount, "money")


def figure_records(
    *,
    user: User,
    request: HttpRequest,
    sets: tuple[RecordSet, ...],
    default: str,
    title: str,
    value_text: str,
    value_label: str,
    description: str,
    quarter: Quarter,
    segment_text: str = "",
    goal: JointGoal | None = None,
) -> FigureRecords:
    """The drill-down of a figure from its record sets: every set counted (and summed), the
    one picked by `?part=` (else `default`) listed as far as the user may read it. 404 for a
    part the figure does not have, or a cursor (`?after=`) that is not one of this list's."""
    picked = request.GET.get("part") or default
    listed = next((s for s in sets if s.key == picked), None)
    if listed is None:
        raise Http404("No such part of this figure.")
    kind = RECORD_KINDS[listed.records.model.__name__]
    parts: list[PartLink] = []
    total, amount = 0, None
    for record_set in sets:
        count, set_amount = _tally(record_set)
        set_kind = RECORD_KINDS[record_set.records.model.__name__]
        if record_set is listed:
            total, amount = count, set_amount
        parts.append(
            PartLink(
                key=record_set.key,
                label=record_set.label,
                count=count,
                amount_text=_money_text(set_amount, set_kind),
                query=_query(request, part=record_set.key),
                current=record_set is listed,
            )
        )
    visible_records = _visible_records(listed.records, kind, user)
    if kind == "spend":
        visible, visible_amount = total, amount
    else:
        row = visible_records.aggregate(
            n=Count("pk"), **({"total": Sum("amount")} if kind in MONEY_KINDS else {})
        )
        visible, visible_amount = row["n"], row.get("total") or Decimal("0.00")
    page = keyset_page(
        visible_records.select_related(*RECORD_RELATED[kind]),
        request,
        keys=listed.keys,
        page_size=RECORD_PAGE_SIZE,
    )
    if listed.spend is not None:
        window = listed.spend
        page = KeysetPage(
            items=[
                SpendRow(entry, entry_share(entry, window.start, window.end))
                for entry in page.items
            ],
            next_cursor=page.next_cursor,
            has_previous=page.has_previous,
        )
    return FigureRecords(
        title=title,
        value_text=value_text,
        value_label=value_label,
        description=description,
        kind=kind,
        listed_label=listed.label,
        parts=tuple(parts) if len(parts) > 1 else (),
        total=total,
        visible=visible,
        amount_text=_money_text(amount, kind),
        visible_amount_text=_money_text(visible_amount, kind),
        page=page,
        page_query=_query(request),
        quarter=quarter,
        segment_text=segment_text,
        goal=goal,
        show_minutes=listed.keys in (SPEED_KEYS, WAIT_KEYS),
    )


# --- The records behind a goal's number ---------------------------------------------------------


def _answered(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The leads whose response time speed to lead counts (LeadFacts.response_minutes)."""
    return leads.filter(facts__response_minutes__isnull=False)


def _has_opportunity() -> Exists:
    return Exists(Opportunity.objects.filter(primary_lead=OuterRef("pk")))


def goal_record_sets(
    metric: str, quarter: Quarter, segment: Segment | None
) -> tuple[tuple[RecordSet, ...], str]:
    """The record sets behind a goal's metric and the one listed first: drilldown()'s records
    (the registry's: a sum's records, a rate's denominator or, for disqualification rate, its
    numerator), the other side of a rate, and a cost's spend."""
    records = metrics.drilldown(metric, quarter, segment)
    label = RECORD_LABELS.get(metric, "Records")
    won = Opportunity.Stage.WON
    if metric in (Metric.SPEED_TO_LEAD_MEDIAN, Metric.SPEED_TO_LEAD_P90):
        return (_answered_set(records),), "records"
    if metric == Metric.FORM_TO_MEETING_MINUTES:
        return (_first_meetings_set(records),), "records"
    if metric == Metric.FORM_TO_MEETING_RATE:
        booked = meetings.booked_leads(quarter, segment)
        return _booking_rate_sets(records, booked), "denominator"
    # A rate's numerator, out of drilldown()'s records (its denominator).
    numerators: dict[str, tuple[str, Q | Exists]] = {
        Metric.SLA_COMPLIANCE: ("Met", Q(sla_state=Lead.SlaState.MET)),
        Metric.FOLLOW_UP_RATE: ("Followed up", Q(attempt_count__gt=0)),
        Metric.READY_TO_OPPORTUNITY: ("Converted", _has_opportunity()),
        Metric.OPPORTUNITY_TO_WON: ("Won", Q(stage=won)),
        Metric.WIN_RATE: ("Won", Q(stage=won)),
        Metric.GROSS_REVENUE_RETENTION: (
            "Renewed (amount due)",
            Q(outcome=Renewal.Outcome.RENEWED),
        ),
    }
    if metric in numerators:
        numerator_label, condition = numerators[metric]
        sets = (
            RecordSet("numerator", numerator_label, records.filter(condition)),
            RecordSet("denominator", label, records),
        )
        return sets, "denominator"
    if metric == Metric.DISQUALIFICATION_RATE:
        sets = (
            RecordSet("numerator", "Disqualifications", records),
            RecordSet("denominator", "Sales-ready leads", metrics.cohort(quarter, segment)),
        )
        return sets, "numerator"
    if metric in (Metric.COST_PER_READY_LEAD, Metric.COST_PER_WON_DEAL):
        window = SpendWindow(
            quarter.starts_on, quarter.ends_on, revenue.campaigns_of(quarter, segment)
        )
        sets = (_spend_set(window), RecordSet("denominator", label, records))
        return sets, "denominator"
    return (RecordSet("records", label, records),), "records"


def goal_for(*, goal_id: int) -> JointGoal:
    """A goal with its quarter and segment campaign; 404 when missing. Every role reads goals."""
    queryset = JointGoal.objects.select_related("quarter", "segment_campaign")
    goal: JointGoal = get_object_or_404(queryset, pk=goal_id)
    return goal


def goal_records(*, user: User, goal_id: int, request: HttpRequest) -> FigureRecords:
    """The records behind the goal's actual (drilldown(metric, quarter, segment) and, for a
    rate or a cost, the other side), counted in full, listed as far as the user may read them."""
    goal = goal_for(goal_id=goal_id)
    segment = Segment.from_goal(goal)
    actual = metrics.compute(goal.metric, goal.quarter, segment)
    sets, default = goal_record_sets(goal.metric, goal.quarter, segment)
    return figure_records(
        user=user,
        request=request,
        sets=sets,
        default=default,
        title=str(goal),
        value_text=format_value(actual.value, actual.unit),
        value_label=actual.label,
        description=RECORD_DESCRIPTIONS.get(goal.metric, ""),
        quarter=goal.quarter,
        segment_text=_segment_text(goal),
        goal=goal,
    )


# --- The records behind an SLA scoreboard figure -----------------------------------------------


def quarter_named(*, name: str | None, today: date) -> Quarter:
    """The quarter a drill-down link names (404 when there is none such), else the current."""
    quarter = Quarter.objects.filter(name=name).first() if name else current_quarter(today=today)
    if quarter is None:
        raise Http404("No such quarter.")
    return quarter


def scoreboard_record_sets(
    metric: str, quarter: Quarter, rep_id: int | None
) -> tuple[tuple[RecordSet, ...], str]:
    """The records behind a scoreboard figure, for the team (rep_id None: every cohort lead,
    held or not) or one rep, with sla_scoreboard()'s definitions: a rep's cohort leads are those
    rep_key() gives him (the owner, or the breached owner when the SLA was breached), his
    disqualifications those he made, his closed opportunities those he owns."""
    leads = metrics.cohort(quarter)
    dqs = funnel.disqualifications(quarter)
    closed = revenue.closed_in(quarter)
    if rep_id is not None:
        leads = leads.annotate(scoreboard_rep=funnel.rep_key()).filter(scoreboard_rep=rep_id)
        dqs = dqs.filter(rep_id=rep_id)
        closed = closed.filter(owner_id=rep_id)
    ready = RecordSet("denominator", "Sales-ready leads", leads)
    settled = leads.filter(sla_state__in=[Lead.SlaState.MET, Lead.SlaState.BREACHED])
    sets: dict[str, tuple[tuple[RecordSet, ...], str]] = {
        Metric.SALES_READY_LEADS: ((RecordSet("records", "Sales-ready leads", leads),), "records"),
        Metric.DISQUALIFICATION_RATE: (
            (RecordSet("numerator", "Disqualifications", dqs), ready),
            "numerator",
        ),
        metrics.JUNK_SHARE: (
            (RecordSet("numerator", "Junk", dqs.filter(reason__is_junk=True)), ready),
            "numerator",
        ),
        Metric.SPEED_TO_LEAD_MEDIAN: ((_answered_set(leads),), "records"),
        Metric.SPEED_TO_LEAD_P90: ((_answered_set(leads),), "records"),
        Metric.SLA_COMPLIANCE: (
            (
                RecordSet("numerator", "Met", settled.filter(sla_state=Lead.SlaState.MET)),
                RecordSet("denominator", "Settled: met or breached", settled),
            ),
            "denominator",
        ),
        Metric.FOLLOW_UP_RATE: (
            (RecordSet("numerator", "Followed up", leads.filter(attempt_count__gt=0)), ready),
            "denominator",
        ),
        Metric.ATTEMPTS_BEFORE_DQ: ((RecordSet("records", "Disqualifications", dqs),), "records"),
        Metric.WIN_RATE: (
            (
                RecordSet("numerator", "Won", closed.filter(stage=Opportunity.Stage.WON)),
                RecordSet("denominator", "Closed: won or lost", closed),
            ),
            "denominator",
        ),
    }
    return sets[metric]


def _scoreboard_figure(board: Scoreboard, metric: str, rep: RepFigures | None) -> Figure | None:
    if rep is None:
        figures = board.marketing + board.sales
    elif metric == Metric.SALES_READY_LEADS:
        return Figure(metric, Metric.SALES_READY_LEADS.label, "count", Decimal(rep.leads), None)
    else:
        figures = rep.figures
    return next((f for f in figures if f.metric == metric), None)


def scoreboard_records(
    *, user: User, request: HttpRequest, metric: str, rep_id: int | None, today: date
) -> FigureRecords:
    """The records behind one SLA scoreboard figure of a quarter (`?quarter=`, else the
    current), the team's or one rep's, beside the figure as the scoreboard shows it. 404 for
    an unknown metric, a rep the quarter's scoreboard does not list, and a rep's marketing
    figure (those are the team's only)."""
    if metric not in ScoreboardMetric.values or (
        rep_id is not None and metric in TEAM_ONLY_METRICS
    ):
        raise Http404("No such scoreboard figure.")
    quarter = quarter_named(name=request.GET.get("quarter"), today=today)
    board = metrics.sla_scoreboard(quarter, previous=False)
    rep = next((r for r in board.reps if r.rep_id == rep_id), None)
    if rep_id is not None and rep is None:
        # only the reps the scoreboard lists have figures (and names shown) here
        raise Http404("No such rep on this quarter's scoreboard.")
    figure = _scoreboard_figure(board, metric, rep)
    unit: Unit = figure.unit if figure is not None else "count"
    sets, default = scoreboard_record_sets(metric, quarter, rep_id)
    label = SHORT_LABELS.get(metric, ScoreboardMetric(metric).label)
    whose = rep.name if rep is not None else "Team"
    return figure_records(
        user=user,
        request=request,
        sets=sets,
        default=default,
        title=f"{label} · {whose}",
        value_text=format_value(figure.value if figure else None, unit),
        value_label=ScoreboardMetric(metric).label,
        description=SCOREBOARD_DESCRIPTIONS[metric],
        quarter=quarter,
    )


# --- The records behind a marketing performance figure -----------------------------------------

# The performance table's figures (PerformanceRow fields) and how each reads.
PERFORMANCE_FIGURES: dict[str, tuple[str, Unit]] = {
    "leads": ("Leads", "count"),
    "ready": ("Sales-ready leads", "count"),
    "follow_up_rate": ("Follow-up rate", "percent"),
    "speed_to_lead_median": ("Speed to lead, median", "minutes"),
    "opportunities": ("Opportunities", "count"),
    "pipeline": ("Pipeline", "money"),
    "won_deals": ("Won deals", "count"),
    "won_revenue": ("Sourced revenue", "money"),
    "influenced_revenue": ("Influenced revenue", "money"),
    "attributed_revenue": ("Attributed revenue", "money"),
    "win_rate": ("Win rate", "percent"),
    "cost": ("Cost", "money"),
    "cost_per_ready_lead": ("Cost per ready lead", "money"),
    "cost_per_won_deal": ("Cost per won deal", "money"),
    "roi": ("ROI", "percent"),
    # the "Booked at the hand-raise" card (metrics.BookingRow)
    "booking_hand_raises": ("Hand-raises on booking forms", "count"),
    "booking_booked": ("Booked at the hand-raise", "count"),
    "booking_rate": ("Form-to-meeting rate", "percent"),
    "booking_minutes": ("Minutes from form to meeting, median", "minutes"),
}
PERFORMANCE_DESCRIPTIONS: dict[str, str] = {
    "leads": "Leads created in the quarter.",
    "ready": "Leads that became sales-ready in the quarter.",
    "follow_up_rate": "Sales-ready leads with at least one attempt, of all sales-ready leads.",
    "speed_to_lead_median": "Sales-ready leads that have been answered, fastest first.",
    "opportunities": "Opportunities created in the quarter.",
    "pipeline": "Opportunities created in the quarter, whatever their stage now.",
    "won_deals": "Opportunities won in the quarter.",
    "won_revenue": "Opportunities won in the quarter whose primary lead came from here.",
    "influenced_revenue": "Deals won in the quarter that a campaign touched before the "
    "opportunity was created, each in full.",
    "attributed_revenue": "The credit for deals won in the quarter under the attribution model.",
    "win_rate": "Opportunities won, of those won or lost in the quarter.",
    "cost": "Campaign spend dated inside the quarter, pro rata by day.",
    "cost_per_ready_lead": "The quarter's spend, divided by its sales-ready leads.",
    "cost_per_won_deal": "The quarter's spend, divided by its won deals.",
    "roi": "(Attributed revenue − cost) / cost.",
    "booking_hand_raises": "Leads that submitted a booking form in the quarter; each counts once.",
    "booking_booked": "Of the leads that submitted a booking form in the quarter, those who "
    "booked a meeting from it (cancelled meetings count).",
    "booking_rate": "Leads that booked a meeting from a booking form, of those that submitted "
    "one in the quarter.",
    "booking_minutes": "Each booked lead's first meeting from a booking form, fastest first: "
    "minutes from the form to the booking.",
}
# The card's figures and the BookingRow field each reads.
BOOKING_FIGURES: dict[str, str] = {
    "booking_hand_raises": "hand_raises",
    "booking_booked": "booked",
    "booking_rate": "rate",
    "booking_minutes": "minutes",
}


@dataclass(frozen=True)
class PerformanceScope:
    """Which line of the performance table: one campaign, the leads with no campaign, one
    channel, or all of them (the total); or of the "Booked at the hand-raise" card: one booking
    form, or one campaign's booking forms (`booking_campaign` None with `booking_no_campaign`:
    the forms with no campaign)."""

    campaign_id: int | None = None
    no_campaign: bool = False
    channel: str | None = None
    origin: str | None = None  # the deals one team sourced (the "by origin" lines)
    booking_asset: int | None = None
    booking_campaign: int | None = None
    booking_no_campaign: bool = False

    @classmethod
    def from_query(
        cls,
        *,
        campaign: str | None,
        channel: str | None,
        origin: str | None = None,
        booking_asset: str | None = None,
        booking_campaign: str | None = None,
    ) -> PerformanceScope:
        if origin:
            if origin not in metrics.ORIGIN_LABELS:
                raise Http404("No such origin.")
            return cls(origin=origin)
        if booking_asset:
            return cls(booking_asset=_id(booking_asset, "booking form"))
        if booking_campaign == "none":
            return cls(booking_no_campaign=True)
        if booking_campaign:
            return cls(booking_campaign=_id(booking_campaign, "campaign"))
        if campaign == "none":
            return cls(no_campaign=True)
        if campaign:
            try:
                return cls(campaign_id=int(campaign))
            except ValueError as error:
                raise Http404("No such campaign.") from error
        return cls(channel=channel or None)

    @property
    def is_booking(self) -> bool:
        """A line of the booking card (the card's total is the plain total scope)."""
        return (
            self.booking_asset is not None
            or self.booking_campaign is not None
            or self.booking_no_campaign
        )

    def booking_q(self) -> Q:
        """Hand-raises and meetings of this line of the booking card, by the booking form."""
        if self.booking_asset is not None:
            return Q(asset_id=self.booking_asset)
        if self.booking_campaign is not None:
            return Q(asset__campaign_id=self.booking_campaign)
        if self.booking_no_campaign:
            return Q(asset__campaign__isnull=True)
        return Q()

    def booking_row(self, card: metrics.BookingPerformance) -> metrics.BookingRow | None:
        if self.booking_asset is not None:
            return next((r for r in card.forms if r.key == self.booking_asset), None)
        if self.booking_campaign is not None or self.booking_no_campaign:
            return next((r for r in card.campaigns if r.key == self.booking_campaign), None)
        return card.total

    def lead_q(self, prefix: str = "") -> Q:
        """Leads (or records reaching a lead through `prefix`) of this line, by source campaign."""
        field = f"{prefix}facts__source_campaign"
        if self.campaign_id is not None:
            return Q(**{f"{field}_id": self.campaign_id})
        if self.no_campaign:
            return Q(**{f"{field}__isnull": True})
        if self.channel is not None:
            return Q(**{f"{field}__channel": self.channel})
        return Q()

    def deal_q(self) -> Q:
        """Opportunities of this line: by the team that sourced them, else by the source
        campaign of their primary lead."""
        if self.origin is not None:
            return Q(origin=self.origin)
        return self.lead_q("primary_lead__")

    def credit_q(self) -> Q | None:
        """Campaign credits of this line; None for the line of no campaign (no credit is)."""
        if self.campaign_id is not None:
            return Q(campaign_id=self.campaign_id)
        if self.no_campaign:
            return None
        if self.channel is not None:
            return Q(campaign__channel=self.channel)
        return Q()

    def row(self, performance: metrics.Performance) -> metrics.PerformanceRow | None:
        if self.no_campaign:
            return performance.no_campaign
        if self.campaign_id is not None:
            rows: tuple[metrics.PerformanceRow, ...] = performance.campaigns
            return next((r for r in rows if r.key == self.campaign_id), None)
        if self.channel is not None:
            return next((r for r in performance.channels if r.key == self.channel), None)
        return performance.total


def _id(raw: str, noun: str) -> int:
    try:
        return int(raw)
    except ValueError as error:
        raise Http404(f"No such {noun}.") from error


def _credits(quarter: Quarter, model: str, scope: PerformanceScope) -> QuerySet[CampaignCredit]:
    start, end = metrics.quarter_window(quarter)
    q = scope.credit_q()
    credits = CampaignCredit.objects.filter(model=model, closed_at__gte=start, closed_at__lt=end)
    return credits.filter(q) if q is not None else credits.none()


def _attributed(quarter: Quarter, model: str, scope: PerformanceScope) -> RecordSet:
    """The records of attributed revenue: first touch is the won deals by source campaign (the
    total counts the campaigns' only); the other models are the credits written at the win,
    and for no campaign the won deals no campaign got a credit for."""
    won = revenue.won_in(quarter)
    if model == FIRST_TOUCH:
        if scope == PerformanceScope():  # the total counts the campaigns' revenue only
            won = won.filter(source_campaign__isnull=False)
        deals = won.filter(scope.lead_q("primary_lead__"))
        return RecordSet("attributed", "Won deals credited", deals)
    if scope.no_campaign:
        credited = CampaignCredit.objects.filter(model=model, opportunity=OuterRef("pk"))
        deals = won.filter(~Exists(credited))
        return RecordSet("attributed", "Won deals no campaign is credited for", deals)
    return RecordSet("attributed", "Credit", _credits(quarter, model, scope))


def _spend_window(quarter: Quarter, scope: PerformanceScope) -> SpendWindow:
    if scope.campaign_id is not None:
        ids: list[int] | None = [scope.campaign_id]
    elif scope.no_campaign:
        ids = []
    elif scope.channel is not None:
        ids = list(Campaign.objects.filter(channel=scope.channel).values_list("pk", flat=True))
    else:
        ids = None
    return SpendWindow(quarter.starts_on, quarter.ends_on, ids)


def performance_record_sets(
    figure: str, quarter: Quarter, model: str, scope: PerformanceScope
) -> tuple[tuple[RecordSet, ...], str]:
    """The records behind one figure of campaign_performance()'s line `scope`, with its
    definitions (apps.goals.metrics.marketing.PerformanceRow), or of booking_performance()'s
    (apps.goals.metrics.meetings.BookingRow)."""
    if figure in BOOKING_FIGURES:
        return _booking_record_sets(figure, quarter, scope)
    if scope.is_booking:
        raise Http404("No such figure.")
    start, end = metrics.quarter_window(quarter)
    leads_q, deals_q = scope.lead_q(), scope.deal_q()
    cohort = metrics.cohort(quarter).filter(leads_q)
    created = revenue.created_in(quarter).filter(deals_q)
    closed = revenue.closed_in(quarter).filter(deals_q)
    won = closed.filter(stage=Opportunity.Stage.WON)
    ready = RecordSet("denominator", "Sales-ready leads", cohort)
    won_set = RecordSet("denominator", "Won deals", won)
    spend = _spend_set(_spend_window(quarter, scope))
    attributed = _attributed(quarter, model, scope)
    created_leads = Lead.objects.filter(Q(created_at__gte=start, created_at__lt=end) & leads_q)
    influenced = _credits(quarter, CampaignCredit.Attribution.INFLUENCED, scope)
    sets: dict[str, tuple[tuple[RecordSet, ...], str]] = {
        "leads": ((RecordSet("records", "Leads created", created_leads),), "records"),
        "ready": ((RecordSet("records", "Sales-ready leads", cohort),), "records"),
        "follow_up_rate": (
            (RecordSet("numerator", "Followed up", cohort.filter(attempt_count__gt=0)), ready),
            "denominator",
        ),
        "speed_to_lead_median": (
            (_answered_set(funnel.speed_drilldown(quarter).filter(leads_q)),),
            "records",
        ),
        "opportunities": ((RecordSet("records", "Opportunities created", created),), "records"),
        "pipeline": ((RecordSet("records", "Opportunities created", created),), "records"),
        "won_deals": ((RecordSet("records", "Won deals", won),), "records"),
        "won_revenue": ((RecordSet("records", "Won deals", won),), "records"),
        "influenced_revenue": (
            (RecordSet("records", "Influenced deals' credit", influenced),),
            "records",
        ),
        "attributed_revenue": ((attributed,), "attributed"),
        "win_rate": (
            (
                RecordSet("numerator", "Won", won),
                RecordSet("denominator", "Closed: won or lost", closed),
            ),
            "denominator",
        ),
        "cost": ((spend,), "cost"),
        "cost_per_ready_lead": ((spend, ready), "denominator"),
        "cost_per_won_deal": ((spend, won_set), "denominator"),
        "roi": ((attributed, spend), "attributed"),
    }
    if figure not in sets or (scope.origin is not None and figure not in ORIGIN_FIGURES):
        raise Http404("No such figure.")
    return sets[figure]


ORIGIN_FIGURES = ("opportunities", "pipeline", "won_deals", "won_revenue")  # metrics.OriginRow


def _booking_record_sets(
    figure: str, quarter: Quarter, scope: PerformanceScope
) -> tuple[tuple[RecordSet, ...], str]:
    """The records behind one figure of a line of the booking card, with the definitions of
    the form-to-meeting metrics (apps.goals.metrics.meetings) narrowed to the line's forms."""
    if scope != PerformanceScope() and not scope.is_booking:
        raise Http404("No such figure.")
    where = scope.booking_q()
    hand_raised = meetings.hand_raise_leads(quarter, where=where)
    booked = meetings.booked_leads(quarter, where=where)
    sets: dict[str, tuple[tuple[RecordSet, ...], str]] = {
        "booking_hand_raises": (
            (RecordSet("records", "Hand-raises on booking forms", hand_raised),),
            "records",
        ),
        "booking_booked": ((RecordSet("records", "Booked at the hand-raise", booked),), "records"),
        "booking_rate": (_booking_rate_sets(hand_raised, booked), "denominator"),
        "booking_minutes": (
            (_first_meetings_set(meetings.first_meetings(quarter, where=where)),),
            "records",
        ),
    }
    return sets[figure]


PerformanceLine = metrics.PerformanceRow | metrics.OriginRow | metrics.BookingRow


def _performance_value(row: PerformanceLine | None, figure: str) -> Decimal | None:
    if row is None:
        return None
    value = getattr(row, BOOKING_FIGURES.get(figure, figure))
    return None if value is None else Decimal(value)


def performance_records(*, user: User, request: HttpRequest, today: date) -> FigureRecords:
    """The records behind one figure of /marketing/performance/: `?figure=` (a PerformanceRow
    field) of the line `?campaign=<id|none>` or `?channel=`, else the total, for `?quarter=`
    (else the current) under `?model=`, beside the figure as the table shows it; a booking
    figure (BOOKING_FIGURES) of the line `?booking_asset=<id>` or `?booking_campaign=<id|none>`,
    else the card's total."""
    figure = request.GET.get("figure") or "ready"
    if figure not in PERFORMANCE_FIGURES:
        raise Http404("No such figure.")
    model = request.GET.get("model") or "w_shaped"
    if model not in metrics.ATTRIBUTION_MODELS:
        raise Http404("No such attribution model.")
    quarter = quarter_named(name=request.GET.get("quarter"), today=today)
    scope = PerformanceScope.from_query(
        campaign=request.GET.get("campaign"),
        channel=request.GET.get("channel"),
        origin=request.GET.get("origin"),
        booking_asset=request.GET.get("booking_asset"),
        booking_campaign=request.GET.get("booking_campaign"),
    )
    row: PerformanceLine | None
    if figure in BOOKING_FIGURES or scope.is_booking:
        row = scope.booking_row(metrics.booking_performance(quarter))
    elif scope.origin is not None:
        origins = metrics.revenue_by_origin(quarter)
        row = next(r for r in origins if r.key == scope.origin)
    else:
        row = scope.row(metrics.campaign_performance(quarter, model))
    if row is None:
        raise Http404("No such line in the table.")
    label, unit = PERFORMANCE_FIGURES[figure]
    sets, default = performance_record_sets(figure, quarter, model, scope)
    model_text = (
        f" ({metrics.ATTRIBUTION_MODELS[model]})" if figure in ("attributed_revenue", "roi") else ""
    )
    return figure_records(
        user=user,
        request=request,
        sets=sets,
        default=default,
        title=f"{row.label} · {label}{model_text}",
        value_text=format_value(_performance_value(row, figure), unit),
        value_label=f"{label}{model_text}",
        description=(
            "Opportunities won in the quarter that this team sourced."
            if scope.origin is not None and figure == "won_revenue"
            else PERFORMANCE_DESCRIPTIONS[figure]
        ),
        quarter=quarter,
    )
