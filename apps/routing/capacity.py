"""Lead flow against sales capacity: are the reps keeping up with the ready leads marketing sends?

Everything is measured over the window [now - `days`, now), `start` being its first instant.

* inflow per day   = status events that made a lead ready in the window / days
  (an arrival is an event: a lead re-routed ready after a dispute is new work again);
* answer rate      = leads whose first response (first_response_at) falls in the window / days;
* net growth / day = inflow per day - answer rate per day: how fast the unanswered backlog
  grows by these two flows;
* backlog          = the unanswered backlog now: ready leads with no first response, not archived
  (the lead's own fields: what is waiting right now);
* backlog at start = the unanswered backlog as the records stood at `start`: leads
  (a) that were ready at `start`: their status rolled back through their status events from
      `start` on (each records the status it replaced) is ready, which is the same as their
      latest status event before `start` having made them ready; so a lead that left the
      queue before `start` (converted, disqualified, recycled to nurture) is not in it, nor is
      one that became ready at or after `start`,
  (b) with no first response before `start` (first_response_at empty or >= `start`), and
  (c) not archived before `start` (not archived, or archived_at >= `start`).
  The roll-back reads only the window's events, so it costs what the window costs, however
  long the history: it counts the leads that are ready now and pass (b) and (c), minus their
  status events since `start` that made them ready, plus those that took them out of ready
  (each lead's entries and exits since `start` alternate, so the sum is its status at `start`).
  An arrival or an answer exactly at `start` belongs to the window.
* falling behind   = backlog > backlog at start: the unanswered backlog grew over the window.
  This is the one rule, because it is what the headline claims; inflow vs answer rate is shown
  next to it but does not decide. With the records the services keep, every arrival joins the
  backlog and every first response leaves it, so the backlog can only grow when more leads
  arrived than were answered. The reverse does not hold: archiving removes unanswered leads,
  a recycled lead made ready again keeps its earlier first response (it arrives without
  joining), a dispute erases an answer given in the window. And per-day rates rounded to one
  decimal can read equal while the backlog grew. Counting the backlog itself means the
  headline never says "keeping up" while the backlog grows.
* capacity         = sum of `capacity` of the active, available users in the Sales group;
* open load        = open leads (ready or working, not archived), owned by a rep or waiting in the
  team pool: each takes one slot of the team's capacity (answering a lead does not free its
  slot; closing it does);
* headroom         = capacity - open load (free slots);
* left open        = status events in the window that took a lead from ready or working to
  any other status (converted, disqualified, recycled to nurture), plus open leads archived in
  the window;
* load growth / day = (ready arrivals - left open) / days: how fast the open load grows;
* hours until full = hours until reps' capacity is full at this pace: 0 when there is no
  headroom left; headroom / load growth * 24 when the load grows; None otherwise. Once capacity
  is full, routing finds no rep under capacity and new ready leads wait in the pool, where
  nobody answers them within the SLA.

A warning is raised when capacity is full within WARNING_HORIZON_HOURS. Four aggregate
queries, whatever the number of leads, none of them correlated per lead: the status moves
since `start` (grouped by campaign), the team's capacity, one aggregate over leads (open load, the
backlog, ready leads that may have been waiting at `start`, answers, archived open leads) and
the SLA policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.leads.models import Lead, StatusMove
from apps.leads.querysets import OPEN_STATUSES, open_lead_q
from apps.routing.models import SlaPolicy
from apps.users.models import Role, User

WARNING_HORIZON_HOURS = Decimal(72)
TOP_CAMPAIGNS = 3
ONE_DECIMAL = Decimal("0.1")
HOURS_PER_DAY = Decimal(24)
FALLING_BEHIND = "Falling behind"
KEEPING_UP = "Keeping up"


@dataclass(frozen=True)
class CampaignInflow:
    """One campaign's share of the inflow; campaign_id None gathers leads without a campaign."""

    campaign_id: int | None
    name: str
    ready: int
    per_day: Decimal


@dataclass(frozen=True)
class LeadFlow:
    """Inflow of ready leads against the reps' answers and capacity (see the module doc)."""

    now: datetime
    days: int
    ready_arrivals: int
    inflow_per_day: Decimal
    answered: int
    answer_rate_per_day: Decimal
    net_growth_per_day: Decimal
    backlog_at_start: int
    backlog: int
    falling_behind: bool
    capacity: int
    open_load: int
    headroom: int
    left_open: int
    load_growth_per_day: Decimal
    hours_until_full: Decimal | None
    sla_minutes: int | None
    top_campaigns: tuple[CampaignInflow, ...]
    summary: str
    warning: str | None
    arithmetic: list[str] = field(default_factory=list)

    @property
    def keeping_up(self) -> bool:
        return not self.falling_behind

    @property
    def verdict(self) -> str:
        return FALLING_BEHIND if self.falling_behind else KEEPING_UP

    @property
    def headline(self) -> str:
        """The panel's one-line answer, e.g. "Falling behind: 2 ready leads a day arrive, ..."."""
        return f"{self.verdict}: {self.summary}"


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    """12.0 -> "12", 12.5 -> "12.5", 1123.1 -> "1,123.1": per-day figures read naturally in a
    sentence, thousands separated as the counts beside them are."""
    text = f"{_one_decimal(value):,f}"
    return text.removesuffix(".0")


def _backlog_change(before: int, after: int) -> str:
    if after > before:
        return f"grew from {before:,} to {after:,}"
    if after < before:
        return f"fell from {before:,} to {after:,}"
    return f"stayed at {after:,}"


def _flow_sentence(*, inflow: Decimal, answer_rate: Decimal, before: int, after: int) -> str:
    arrive = "ready lead a day arrives" if _fmt(inflow) == "1" else "ready leads a day arrive"
    answered = "is answered" if _fmt(answer_rate) == "1" else "are answered"
    return (
        f"{_fmt(inflow)} {arrive}, {_fmt(answer_rate)} {answered}; "
        f"the unanswered backlog {_backlog_change(before, after)}."
    )


def _capacity_sentence(*, hours: Decimal | None, headroom: int, capacity: int) -> str:
    if hours is None:
        return f"{headroom:,} of {capacity:,} rep slots are free and the open load is not growing."
    if hours == 0:
        return "Reps' capacity is full now."
    return f"Reps' capacity is full in {_fmt(hours)} hours at this pace."


def _hours_until_full(*, headroom: int, load_growth: Decimal) -> Decimal | None:
    if headroom <= 0:
        return Decimal(0)
    if load_growth > 0:
        return _one_decimal(Decimal(headroom) / load_growth * HOURS_PER_DAY)
    return None


def _unanswered_since(instant: datetime) -> Q:
    """Rules (b) and (c) of the backlog at `instant` (module doc), over leads: no first
    response and not archived before it."""
    return (Q(first_response_at__isnull=True) | Q(first_response_at__gte=instant)) & (
        Q(is_archived=False) | Q(archived_at__gte=instant)
    )


def _unanswered_moves_since(instant: datetime) -> Q:
    """The same rules over the status moves (StatusMove), which carry the lead's answer and
    archiving time (set exactly when a lead is archived)."""
    return (Q(first_response_at__isnull=True) | Q(first_response_at__gte=instant)) & (
        Q(archived_at__isnull=True) | Q(archived_at__gte=instant)
    )


_FLOW_COUNTS = ("open_load", "backlog", "ready_now", "archived_open", "answered")
_NONE = Value(0)


def _open_set_counts(*, start: datetime, now: datetime) -> QuerySet[Lead, dict[str, int]]:
    """Over the leads with an open status, one row: the open load, the backlog now, ready
    leads that pass rules (b) and (c) at `start`, and open leads archived in the window.
    Counting a column the index holds (never null) keeps the read to the index."""
    return (
        Lead.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values(part=Value("open"))
        .annotate(
            open_load=Count("status", filter=open_lead_q()),
            backlog=Count(
                "status",
                filter=Q(
                    status=Lead.Status.READY, is_archived=False, first_response_at__isnull=True
                ),
            ),
            ready_now=Count(
                "status", filter=Q(status=Lead.Status.READY) & _unanswered_since(start)
            ),
            archived_open=Count(
                "status", filter=Q(is_archived=True, archived_at__gte=start, archived_at__lt=now)
            ),
            answered=_NONE,
        )
    )


def _answers(*, start: datetime, now: datetime) -> QuerySet[Lead, dict[str, int]]:
    """One row in the same columns: the leads first answered in the window."""
    return (
        Lead.objects.filter(first_response_at__gte=start, first_response_at__lt=now)
        .order_by()
        .values(part=Value("answered"))
        .annotate(
            open_load=_NONE,
            backlog=_NONE,
            ready_now=_NONE,
            archived_open=_NONE,
            answered=Count("first_response_at"),
        )
    )


def _summed(rows: QuerySet[Lead, dict[str, int]]) -> dict[str, int]:
    listed = list(rows)
    return {figure: sum(row[figure] for row in listed) for figure in _FLOW_COUNTS}


def lead_flow(*, now: datetime | None = None, days: int = 14) -> LeadFlow:
    """Ready-lead inflow vs the Sales team's answers and capacity over the last `days` days:
    whether the unanswered backlog grew, and the hours until reps' capacity is full at this pace
    with a warning when that is close."""
    if days < 1:
        raise ValueError("days must be at least 1.")
    now = now or timezone.now()
    start = now - timedelta(days=days)
    per = Decimal(days)

    # 1. Status events since `start` that move the flow (StatusMove: ready arrivals and
    #    departures from the open set), grouped by the lead's source campaign (its first
    #    campaign touch, as every report uses), with the events that roll the backlog back to
    #    `start` (those on or after `now` included: the leads' fields already show them).
    #    One range of the moves' covering index: the move carries what the flow reads about
    #    its lead, so no lead or facts row is joined. The campaign's name is looked up once
    #    per group after the counting (joined to every move, it doubled the statement's time).
    ready, left_ready = Q(new_status=Lead.Status.READY), Q(old_status=Lead.Status.READY)
    in_window = Q(at__lt=now)
    rolls_back = _unanswered_moves_since(start)
    campaign = Campaign.objects.filter(pk=OuterRef("source_campaign_id")).order_by()
    rows = list(
        StatusMove.objects.filter(at__gte=start)
        .values("source_campaign_id")
        .annotate(  # counting the lead column, which the index holds
            arrived=Count("lead", filter=ready & in_window),
            left=Count("lead", filter=~Q(new_status__in=OPEN_STATUSES) & in_window),
            entered=Count("lead", filter=ready & rolls_back),
            exited=Count("lead", filter=left_ready & rolls_back),
        )
        .annotate(campaign_name=Subquery(campaign.values("name")[:1]))
        .order_by("-arrived", "campaign_name")
    )
    ready_arrivals = sum(row["arrived"] for row in rows)
    closed = sum(row["left"] for row in rows)
    entered = sum(row["entered"] for row in rows)
    exited = sum(row["exited"] for row in rows)
    top = tuple(
        CampaignInflow(
            campaign_id=row["source_campaign_id"],
            name=row["campaign_name"] or "No campaign",
            ready=row["arrived"],
            per_day=_one_decimal(Decimal(row["arrived"]) / per),
        )
        for row in rows[:TOP_CAMPAIGNS]
        if row["arrived"]
    )

    # 2. The team's capacity: available, active Sales reps.
    capacity = (
        User.objects.filter(groups__name=Role.SALES, is_active=True, is_available=True).aggregate(
            total=Sum("capacity")
        )["total"]
        or 0
    )

    # 3. Open load, the backlog now, ready leads that pass rules (b) and (c) at `start`, open
    #    leads archived in the window and first responses in it: one statement of two parts,
    #    each read from an index alone (the open set from lead_status_created_idx, which
    #    carries what the filters read; the window's answers from lead_first_response_idx),
    #    summed here. (As one filter over both sets PostgreSQL OR-ed two bitmaps and read
    #    every row's table page: 16k rows, 23-38 ms at 100k leads, against 7-10.)
    counts = _open_set_counts(start=start, now=now).union(_answers(start=start, now=now), all=True)
    row = _summed(counts)
    open_load, backlog, answered = row["open_load"], row["backlog"], row["answered"]
    archived_open = row["archived_open"]
    # roll the ready ones back to `start`: undo entries into ready since, redo exits from it
    backlog_at_start = row["ready_now"] - entered + exited

    # 4. The SLA that leads waiting in the pool will miss.
    sla_minutes = (
        SlaPolicy.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("first_response_minutes", flat=True)
        .first()
    )

    inflow = Decimal(ready_arrivals) / per
    answer_rate = Decimal(answered) / per
    net = inflow - answer_rate
    falling_behind = backlog > backlog_at_start
    headroom = capacity - open_load
    left_open = closed + archived_open
    load_growth = Decimal(ready_arrivals - left_open) / per
    hours = _hours_until_full(headroom=headroom, load_growth=load_growth)

    sla_text = f"the {sla_minutes}-minute SLA" if sla_minutes else "the first-response SLA"
    expected = backlog_at_start + ready_arrivals - answered
    arithmetic = [
        f"{ready_arrivals:,} leads became ready in the last {days} days: "
        f"{ready_arrivals:,} / {days} = {_fmt(inflow)} a day.",
        f"Reps answered {answered:,} leads for the first time in those days: "
        f"{answered:,} / {days} = {_fmt(answer_rate)} a day.",
        f"Arrivals minus answers: ({ready_arrivals:,} − {answered:,}) / {days} = {_fmt(net)} a day; "
        f"{backlog_at_start:,} unanswered when the window opened + {ready_arrivals:,} − {answered:,} "
        f"= {expected:,} expected now.",
        f"Unanswered backlog (ready, no first response): {backlog_at_start:,} when the window "
        f"opened, {backlog:,} now: it {_backlog_change(backlog_at_start, backlog)}, so reps are "
        f"{'falling behind' if falling_behind else 'keeping up'}.",
    ]
    if backlog < expected:
        arithmetic.append(
            f"{expected - backlog:,} fewer than expected: an archived lead leaves the backlog "
            "without an answer, and a lead made ready again after an earlier first response "
            "arrives without joining it."
        )
    elif backlog > expected:
        arithmetic.append(
            f"{backlog - expected:,} more than expected: some status changes are missing from "
            "the window's records."
        )
    arithmetic += [
        f"Available Sales reps can hold {capacity:,} open leads; {open_load:,} are open now "
        f"(owned by a rep or waiting in the pool), leaving {capacity:,} − {open_load:,} = {headroom:,} free."
        if headroom >= 0
        else f"Available Sales reps can hold {capacity:,} open leads; {open_load:,} are open now "
        f"(owned by a rep or waiting in the pool): {-headroom:,} more than they can hold.",
        f"{left_open:,} leads left the open queue in those days (converted, disqualified, "
        f"recycled or archived): the open load grows by ({ready_arrivals:,} − {left_open:,}) / "
        f"{days} = {_fmt(load_growth)} a day.",
    ]
    if hours == 0:
        arithmetic.append(
            f"No free slots: reps' capacity is full now, so new ready leads wait in the pool "
            f"and breach {sla_text}."
        )
    elif hours is not None:
        arithmetic.append(
            f"Hours until reps' capacity is full: {headroom:,} / "
            f"({ready_arrivals - left_open:,} / {days}) × 24 = "
            f"{_fmt(hours)} hours; after that new ready leads wait in the pool and breach "
            f"{sla_text}."
        )
    else:
        arithmetic.append("The open load is not growing, so capacity does not fill at this pace.")

    warning = None
    if hours is not None and hours <= WARNING_HORIZON_HOURS:
        lead_campaign = next((c for c in top if c.campaign_id is not None), None)
        advice = (
            f"Slow down campaign {lead_campaign.name} ({_fmt(lead_campaign.per_day)}/day) "
            "or add capacity."
            if lead_campaign
            else "Add capacity or pause the busiest campaign."
        )
        if hours == 0:
            squeeze = f"{open_load:,} open leads for {capacity:,} slots: new ready leads wait"
        else:
            slots = "free slot is" if headroom == 1 else "free slots are"
            squeeze = (
                f"At this pace the {headroom:,} {slots} gone within {_fmt(hours)} hours; "
                "then new ready leads wait"
            )
        warning = f"{squeeze} in the pool and breach {sla_text}. {advice}"

    summary = " ".join(
        [
            _flow_sentence(
                inflow=inflow, answer_rate=answer_rate, before=backlog_at_start, after=backlog
            ),
            _capacity_sentence(hours=hours, headroom=headroom, capacity=capacity),
        ]
    )
    return LeadFlow(
        now=now,
        days=days,
        ready_arrivals=ready_arrivals,
        inflow_per_day=_one_decimal(inflow),
        answered=answered,
        answer_rate_per_day=_one_decimal(answer_rate),
        net_growth_per_day=_one_decimal(net),
        backlog_at_start=backlog_at_start,
        backlog=backlog,
        falling_behind=falling_behind,
        capacity=capacity,
        open_load=open_load,
        headroom=headroom,
        left_open=left_open,
        load_growth_per_day=_one_decimal(load_growth),
        hours_until_full=hours,
        sla_minutes=sla_minutes,
        top_campaigns=top,
        summary=summary,
        warning=warning,
        arithmetic=arithmetic,
    )
