"""The SLA scoreboard: both sides of the handoff, for the team and per rep, beside last quarter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from apps.core.models import Quarter
from apps.goals.metrics import funnel, revenue
from apps.goals.metrics.base import (
    ALL,
    AVERAGE_PLACES,
    BY_REP,
    NO_SPEED,
    Segment,
    Speed,
    Unit,
    cohort_read,
    percent,
    quantize,
    rounded,
    shared,
)
from apps.goals.models import JointGoal, Metric
from apps.users.models import User

RepId = int | None  # None: cohort leads nobody held


@dataclass(frozen=True)
class Figure:
    """One scoreboard cell: this quarter's value, the previous quarter's, and a goal target."""

    metric: str
    label: str
    unit: Unit
    value: Decimal | None
    previous: Decimal | None
    target: Decimal | None = None


@dataclass(frozen=True)
class RepFigures:
    """Sales' side for one rep; `leads` is the size of the rep's cohort this quarter."""

    rep_id: int
    name: str
    leads: int
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Scoreboard:
    quarter: Quarter
    previous_quarter: Quarter | None
    marketing: tuple[Figure, ...]
    sales: tuple[Figure, ...]
    reps: tuple[RepFigures, ...]


@dataclass
class _Tally:
    """Raw counts from which every figure of one rep (or the team) is derived."""

    ready: int = 0
    met: int = 0
    breached: int = 0
    followed: int = 0
    speed: Speed = NO_SPEED  # not added up: a set's median is read for the set
    dqs: int = 0
    junk_dqs: int = 0
    dq_attempts: int = 0
    closed: int = 0
    won: int = 0

    def add(self, other: _Tally) -> None:
        self.ready += other.ready
        self.met += other.met
        self.breached += other.breached
        self.followed += other.followed
        self.dqs += other.dqs
        self.junk_dqs += other.junk_dqs
        self.dq_attempts += other.dq_attempts
        self.closed += other.closed
        self.won += other.won

    def sales(self) -> dict[str, Decimal | None]:
        """The same definitions as the metric functions, from pre-grouped counts."""
        attempts = Decimal(self.dq_attempts) / self.dqs if self.dqs else None
        return {
            Metric.SPEED_TO_LEAD_MEDIAN: rounded(self.speed.median, "minutes"),
            Metric.SPEED_TO_LEAD_P90: rounded(self.speed.p90, "minutes"),
            Metric.SLA_COMPLIANCE: percent(self.met, self.met + self.breached),
            Metric.FOLLOW_UP_RATE: percent(self.followed, self.ready),
            Metric.ATTEMPTS_BEFORE_DQ: quantize(attempts, AVERAGE_PLACES),
            Metric.WIN_RATE: percent(self.won, self.closed),
        }

    def marketing(self) -> dict[str, Decimal | None]:
        return {
            Metric.SALES_READY_LEADS: Decimal(self.ready),
            Metric.DISQUALIFICATION_RATE: percent(self.dqs, self.ready),
            funnel.JUNK_SHARE: percent(self.junk_dqs, self.ready),
        }


SALES_UNITS: dict[str, Unit] = {
    Metric.SPEED_TO_LEAD_MEDIAN: "minutes",
    Metric.SPEED_TO_LEAD_P90: "minutes",
    Metric.SLA_COMPLIANCE: "percent",
    Metric.FOLLOW_UP_RATE: "percent",
    Metric.ATTEMPTS_BEFORE_DQ: "count",
    Metric.WIN_RATE: "percent",
}
MARKETING_UNITS: dict[str, Unit] = {
    Metric.SALES_READY_LEADS: "count",
    Metric.DISQUALIFICATION_RATE: "percent",
    funnel.JUNK_SHARE: "percent",
}


def _label(metric: str) -> str:
    return funnel.JUNK_SHARE_LABEL if metric == funnel.JUNK_SHARE else Metric(metric).label


def _tallies(quarter: Quarter) -> dict[RepId, _Tally]:
    """Three queries: the cohort grouped by the rep each lead counts for (owner, or breached
    owner when breached) with its clocks, follow-ups and speeds (cohort_read, the read the
    goal sheet shares), disqualifications by the rep who made them (disqualification_tallies,
    which the goal sheet's cards share) and closed opportunities by owner (revenue.deal_tallies,
    which the goal sheet and the performance table share)."""
    tallies: dict[RepId, _Tally] = defaultdict(_Tally)
    cohort = cohort_read(quarter, BY_REP)
    for (rep, _campaign), group in cohort.groups.items():
        tally = tallies[rep]
        tally.ready += group.total
        tally.met += group.met
        tally.breached += group.breached
        tally.followed += group.followed
        tally.speed = cohort.speed("rep", rep)
    for rep, dqs in funnel.disqualification_tallies(quarter).items():
        tally = tallies[rep]
        tally.dqs, tally.junk_dqs, tally.dq_attempts = dqs.n, dqs.junk, dqs.attempts
    for owner, deals in revenue.deals_by(quarter, "owner_id").items():
        if deals["closed"]:  # an owner with deals created in the quarter only has no row for it
            tallies[owner].closed, tallies[owner].won = deals["closed"], deals["won"]
    return dict(tallies)


def _team(quarter: Quarter, tallies: dict[RepId, _Tally]) -> _Tally:
    """Every rep's tally added up (cohort leads nobody held included), with the speed of the
    whole cohort."""
    team = _Tally(speed=cohort_read(quarter, BY_REP).speed(*ALL))
    for tally in tallies.values():
        team.add(tally)
    return team


def _figures(
    units: dict[str, Unit],
    now: dict[str, Decimal | None],
    before: dict[str, Decimal | None] | None,
    targets: dict[str, Decimal] | None = None,
) -> tuple[Figure, ...]:
    return tuple(
        Figure(
            metric=metric,
            label=_label(metric),
            unit=unit,
            value=now[metric],
            previous=before[metric] if before is not None else None,
            target=(targets or {}).get(metric),
        )
        for metric, unit in units.items()
    )


def _latest_before(quarter: Quarter, candidates: Iterable[Quarter]) -> Quarter | None:
    """The latest of `candidates` ending before `quarter` starts (then the highest id)."""
    earlier = [q for q in candidates if q.ends_on < quarter.starts_on]
    return max(earlier, key=lambda q: (q.ends_on, q.pk or 0), default=None)


def previous_quarter(quarter: Quarter) -> Quarter | None:
    """The latest quarter ending before this one starts (fiscal calendars may leave gaps); what
    a page that has read the quarters already said (known_quarters), else one query."""

    def read() -> Quarter | None:
        return _latest_before(quarter, Quarter.objects.filter(ends_on__lt=quarter.starts_on))

    return shared(("previous_quarter", quarter.starts_on), read)


def _sales_ready_target(goals: Iterable[JointGoal]) -> Decimal | None:
    """The target of the first (lowest id) unsegmented sales_ready_leads goal among `goals`."""
    unsegmented = [
        goal
        for goal in goals
        if goal.metric == Metric.SALES_READY_LEADS and Segment.from_goal(goal) is None
    ]
    first = min(unsegmented, key=lambda goal: goal.pk, default=None)
    return first.target if first is not None else None


def sales_ready_target(quarter: Quarter) -> Decimal | None:
    """The quarter's sales-ready target (_sales_ready_target); what a page that has read the
    quarter's goals already said (known_goals), else one query."""

    def read() -> Decimal | None:
        goals = JointGoal.objects.filter(quarter=quarter, metric=Metric.SALES_READY_LEADS)
        return _sales_ready_target(goals)

    return shared(("sales_ready_target", quarter.pk), read)


def known_quarters(quarter: Quarter, every: list[Quarter]) -> None:
    """Inside shared_reads(): the page has every configured quarter, so the scoreboard finds
    the previous one among them instead of asking again."""
    shared(("previous_quarter", quarter.starts_on), lambda: _latest_before(quarter, every))


def known_goals(quarter: Quarter, goals: list[JointGoal]) -> None:
    """Inside shared_reads(): the page has the quarter's goals, so the scoreboard takes the
    sales-ready target from them instead of asking again."""
    shared(("sales_ready_target", quarter.pk), lambda: _sales_ready_target(goals))


def sla_scoreboard(quarter: Quarter, previous: bool = True) -> Scoreboard:
    """Both sides of the handoff for the quarter, with the previous quarter beside each figure.

    Marketing: sales-ready leads (with the target of the quarter's unsegmented
    sales_ready_leads goal, if any), disqualification rate and junk share. Sales, for the team
    and per rep: speed to lead median and p90, SLA compliance, follow-up rate, attempts before
    disqualification and win rate, with the metric functions' definitions. A rep's cohort is the
    cohort leads whose owner is the rep, or whose breached_owner is when the SLA was breached;
    attempts are those of the disqualifications the rep made; win rate is per opportunity
    owner. Team figures include cohort leads nobody held. Reps are listed when they have any
    figure this quarter, by name. A constant number of queries (GROUP BY, never per rep).
    """
    before_quarter = previous_quarter(quarter) if previous else None
    current = _tallies(quarter)
    earlier = _tallies(before_quarter) if before_quarter else None
    team = _team(quarter, current)
    team_before = _team(before_quarter, earlier) if before_quarter and earlier is not None else None
    target = sales_ready_target(quarter)
    marketing = _figures(
        MARKETING_UNITS,
        team.marketing(),
        team_before.marketing() if team_before else None,
        {Metric.SALES_READY_LEADS: target} if target is not None else None,
    )
    sales = _figures(SALES_UNITS, team.sales(), team_before.sales() if team_before else None)
    rep_ids = [rep_id for rep_id in current if rep_id is not None]
    users = User.objects.filter(pk__in=rep_ids).only("username", "first_name", "last_name")
    reps = [
        RepFigures(
            rep_id=user.pk,
            name=user.get_full_name() or user.username,
            leads=current[user.pk].ready,
            figures=_figures(
                SALES_UNITS,
                current[user.pk].sales(),
                (earlier.get(user.pk) or _Tally()).sales() if earlier is not None else None,
            ),
        )
        for user in (users if rep_ids else [])
    ]
    reps.sort(key=lambda row: (row.name.lower(), row.rep_id))
    return Scoreboard(
        quarter=quarter,
        previous_quarter=before_quarter,
        marketing=marketing,
        sales=sales,
        reps=tuple(reps),
    )
