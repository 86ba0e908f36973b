"""Lead flow against sales capacity: will the ready leads marketing sends outrun the reps?

The arithmetic, all of it over the last `days` days ending `now`:

* inflow per day   = status events that made a lead ready in the window / days
  (an arrival is an event: a lead re-routed ready after a dispute is new work again);
* answer rate      = leads whose first response (first_response_at) falls in the window / days;
* capacity         = sum of `capacity` of the active, available users in the Sales group;
* open load        = open leads (ready or working, not archived), held by a rep or waiting in the
  team pool: each takes one slot of the team's capacity;
* headroom         = capacity - open load (free slots);
* net growth / day = inflow per day - answer rate per day;
* hours to breach  = headroom / net growth * 24, when the load grows (net growth > 0); 0 when
  there is no headroom left and the backlog is not shrinking; None when the reps keep up.
  Once the headroom is gone, routing finds no rep under capacity and new ready leads wait in
  the pool, where nobody can answer them within the SLA: that moment is the breach.
* backlog          = ready leads nobody has answered yet (no first response), shown for context.

A warning is raised when the breach is due within WARNING_HORIZON_HOURS. Five aggregate
queries, whatever the number of leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.leads.models import Lead, LeadEvent
from apps.leads.querysets import open_lead_q
from apps.routing.models import SlaPolicy
from apps.users.models import Role, User

WARNING_HORIZON_HOURS = Decimal(72)
TOP_CAMPAIGNS = 3
ONE_DECIMAL = Decimal("0.1")
HOURS_PER_DAY = Decimal(24)


@dataclass(frozen=True)
class CampaignInflow:
    """One campaign's share of the inflow; campaign_id None gathers leads without a campaign."""

    campaign_id: int | None
    name: str
    ready: int
    per_day: Decimal


@dataclass(frozen=True)
class LeadFlow:
    """Inflow of ready leads against the reps' capacity and answer rate (see the module doc)."""

    now: datetime
    days: int
    ready_arrivals: int
    inflow_per_day: Decimal
    answered: int
    answer_rate_per_day: Decimal
    capacity: int
    open_load: int
    headroom: int
    backlog: int
    net_growth_per_day: Decimal
    hours_to_breach: Decimal | None
    sla_minutes: int | None
    top_campaigns: tuple[CampaignInflow, ...]
    warning: str | None
    arithmetic: list[str] = field(default_factory=list)

    @property
    def keeping_up(self) -> bool:
        return self.warning is None


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    """12.0 -> "12", 12.5 -> "12.5": per-day figures read naturally in a sentence."""
    text = f"{_one_decimal(value):f}"
    return text.removesuffix(".0")


def lead_flow(*, now: datetime | None = None, days: int = 14) -> LeadFlow:
    """Ready-lead inflow vs the Sales team's capacity and answer rate over the last `days` days,
    with the hours until the SLA breaches at that pace and a warning when it is close."""
    if days < 1:
        raise ValueError("days must be at least 1.")
    now = now or timezone.now()
    start = now - timedelta(days=days)
    per = Decimal(days)

    # 1. Ready arrivals in the window, grouped by the lead's (first-touch) campaign.
    arrivals = list(
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STATUS, new_value=Lead.Status.READY, at__gte=start, at__lt=now
        )
        .values("lead__campaign_id", "lead__campaign__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "lead__campaign__name")
    )
    ready_arrivals = sum(row["n"] for row in arrivals)
    top = tuple(
        CampaignInflow(
            campaign_id=row["lead__campaign_id"],
            name=row["lead__campaign__name"] or "No campaign",
            ready=row["n"],
            per_day=_one_decimal(Decimal(row["n"]) / per),
        )
        for row in arrivals[:TOP_CAMPAIGNS]
    )

    # 2. The team's capacity: available, active Sales reps.
    capacity = (
        User.objects.filter(groups__name=Role.SALES, is_active=True, is_available=True).aggregate(
            total=Sum("capacity")
        )["total"]
        or 0
    )

    # 3. Open load, backlog and first responses in the window, in one aggregate over leads.
    row = Lead.objects.aggregate(
        open_load=Count("pk", filter=open_lead_q()),
        backlog=Count(
            "pk",
            filter=Q(status=Lead.Status.READY, is_archived=False, first_response_at__isnull=True),
        ),
        answered=Count("pk", filter=Q(first_response_at__gte=start, first_response_at__lt=now)),
    )
    open_load, backlog, answered = row["open_load"], row["backlog"], row["answered"]

    # 4. The SLA the breach is measured against.
    sla_minutes = (
        SlaPolicy.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("first_response_minutes", flat=True)
        .first()
    )

    inflow = Decimal(ready_arrivals) / per
    answer_rate = Decimal(answered) / per
    headroom = capacity - open_load
    net = inflow - answer_rate
    hours: Decimal | None
    if net > 0:
        hours = _one_decimal(max(Decimal(headroom), Decimal(0)) / net * HOURS_PER_DAY)
    elif headroom <= 0 and backlog > 0:
        hours = Decimal(0)
    else:
        hours = None

    sla_text = f"the {sla_minutes}-minute SLA" if sla_minutes else "the first-response SLA"
    arithmetic = [
        f"{ready_arrivals} leads became ready in the last {days} days: "
        f"{ready_arrivals} / {days} = {_fmt(inflow)} a day.",
        f"Reps answered {answered} leads for the first time in those days: "
        f"{answered} / {days} = {_fmt(answer_rate)} a day.",
        f"Available Sales reps can hold {capacity} open leads; {open_load} are open now "
        f"(held or waiting in the pool), leaving {capacity} − {open_load} = {headroom} free.",
        f"Net growth: {_fmt(inflow)} − {_fmt(answer_rate)} = {_fmt(net)} open leads a day.",
    ]
    if net > 0:
        arithmetic.append(
            f"Hours until the free slots are gone: {max(headroom, 0)} / {_fmt(net)} × 24 = "
            f"{_fmt(hours or Decimal(0))} hours; after that new ready leads wait in the pool "
            f"and breach {sla_text}."
        )
    elif hours == 0:
        arithmetic.append(
            f"No free slots and {backlog} ready leads unanswered: they are breaching {sla_text} now."
        )
    else:
        arithmetic.append("The load is not growing, so no breach is forecast at this pace.")
    arithmetic.append(f"{backlog} ready leads are waiting for a first response right now.")

    warning = None
    if hours is not None and hours <= WARNING_HORIZON_HOURS:
        lead_campaign = next((c for c in top if c.campaign_id is not None), None)
        advice = (
            f"Slow down campaign {lead_campaign.name} ({_fmt(lead_campaign.per_day)}/day) "
            "or add capacity."
            if lead_campaign
            else "Add capacity or pause the busiest campaign."
        )
        when = "now" if hours == 0 else f"within {_fmt(hours)} hours"
        warning = (
            f"Ready leads arrive at {_fmt(inflow)}/day but reps answer {_fmt(answer_rate)}/day: "
            f"the backlog of {backlog} will breach {sla_text} {when}. {advice}"
        )

    return LeadFlow(
        now=now,
        days=days,
        ready_arrivals=ready_arrivals,
        inflow_per_day=_one_decimal(inflow),
        answered=answered,
        answer_rate_per_day=_one_decimal(answer_rate),
        capacity=capacity,
        open_load=open_load,
        headroom=headroom,
        backlog=backlog,
        net_growth_per_day=_one_decimal(net),
        hours_to_breach=hours,
        sla_minutes=sla_minutes,
        top_campaigns=top,
        warning=warning,
        arithmetic=arithmetic,
    )
