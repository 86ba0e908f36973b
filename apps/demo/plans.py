"""Deterministic planning for `seed_demo`: every demo row decided as plain data.

Planning is a pure function of the seed, the number of leads and the anchor (today at
00:00 UTC): it reads nothing from the database and writes nothing, so two runs on the same
day plan identical data and tests compare plans without a database. Plans are frozen
dataclasses that name other records by natural key (username, domain, slug, code, play
name); `writing` turns those keys into primary keys.

Every lead draws from its own `random.Random(f"{seed}:{index}")`, so lead N is the same
whatever the chunk size or the number of leads asked for, and its email can be computed
without planning the rest of the chunk.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from apps.demo.catalogue import (
    ACCOUNT_STATUS_WEIGHTS,
    ACTIVITY_NOTES,
    ASSET_TOUCH_KIND,
    ASSETS,
    BUYING_ROLE_RULES,
    CAMPAIGN_COST_RATIO,
    CAMPAIGN_SPEND,
    CAMPAIGNS,
    CHANNEL_SOURCE,
    CHURN_REASONS,
    COMPANIES,
    DEAL_PRODUCTS,
    DQ_NOTES,
    DQ_REASONS,
    DQ_WEIGHTS,
    EMEA,
    EMPLOYEE_BUCKETS,
    FIRST_NAMES,
    FREEMAIL_COMPANIES,
    FREEMAIL_COUNTRIES,
    FREEMAIL_DOMAINS,
    FREEMAIL_DQ_WEIGHTS,
    FREEMAIL_STATUS_WEIGHTS,
    FREEMAIL_TITLES,
    HALF_LIFE_DAYS,
    HAND_RAISERS,
    HEALTH_NOTES,
    HELD_LEADS,
    HELD_POOL,
    HELD_TOO_LONG,
    HOLD_EXPIRY_HOURS,
    LAST_NAMES,
    LOST_REASONS,
    NORTH_AMERICA,
    PHONE_PREFIX,
    PLAY_ACCOUNT,
    PLAY_DEFAULT,
    PLAY_EXECUTIVE,
    PLAY_EXPANSION,
    PLAY_HAND_RAISER,
    PLAY_REFERRAL,
    PLAY_STEPS,
    PLAY_WEBINAR,
    REP_WEIGHTS,
    REPS,
    SCORE_THRESHOLD,
    SCORING_RULES,
    SHOWCASE,
    SPANS_QUARTER_START,
    TITLES,
    VOICE_QUOTES,
    DemoAsset,
    DemoCampaign,
)
from apps.routing.services import HELD
from apps.routing.services import HELD_TOO_LONG as HELD_TOO_LONG_REASON

LEAD_WINDOW_DAYS = 120
# A lost deal's reason is one of the default list every install has (opportunities migration
# 0007); the catalogue's story of the loss says which, and anything it adds is the details.
LOST_STORIES = {
    "Chose a competitor": ("Chose a competitor", ""),
    "No decision": ("No decision / went dark", ""),
    "Budget cut": ("Budget cut", ""),
    "Timing: revisit next year": ("Timing", "Revisit next year"),
    "Missing TMS integration": ("Missing feature", "No TMS integration"),
}
EXPANSION_LOST = ("Budget cut", "Budget moved to next year")
LOST_REASON_NAMES = tuple(
    dict.fromkeys([reason for reason, _ in LOST_STORIES.values()] + [EXPANSION_LOST[0]])
)
BERLIN = ZoneInfo("Europe/Berlin")
HOUR, DAY = 3600, 86400

# --- Plan types ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountPlan:
    name: str
    domain: str
    industry: str
    employees: int
    country: str
    tier: str
    owner: str | None
    lifecycle: str
    became_customer_at: datetime | None
    health: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TouchPlan:
    kind: str
    campaign: str | None
    asset: str | None
    occurred_at: datetime
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ActivityPlan:
    channel: str
    outcome: str
    note: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class EventPlan:
    kind: str
    actor: str | None
    reason: str
    old_value: str
    new_value: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepPlan:
    order: int
    channel: str
    title: str
    template: str
    due_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class LeadPlayPlan:
    play: str
    attached_at: datetime
    match_reason: str
    steps: tuple[StepPlan, ...]


@dataclass(frozen=True, slots=True)
class DisqualificationPlan:
    reason: str
    note: str
    attempts: int
    at: datetime
    review_status: str
    reviewer: str | None
    action_note: str
    reviewed_at: datetime | None
    dispute_outcome: str


@dataclass(frozen=True, slots=True)
class OpportunityPlan:
    account: str
    owner: str
    name: str
    amount: Decimal
    stage: str
    type: str
    origin: str
    created_at: datetime
    expected_close: date | None
    closed_at: datetime | None
    lost_reason: str  # a LostReason's name, "" unless the stage is lost
    lost_details: str


@dataclass(frozen=True, slots=True)
class LeadPlan:
    email: str
    first_name: str
    last_name: str
    title: str
    buying_role: str
    phone: str
    country: str
    company_name: str
    account: str | None
    source: str
    campaign: str | None
    fit_score: int
    engagement_score: float
    score: int
    status: str
    owner: str | None
    assignment_version: int
    assigned_at: datetime | None
    ready_at: datetime | None
    ready_reason: str
    routing_rule: str | None
    pooled_at: datetime | None
    held_at: datetime | None  # waiting in the held queue since (status "held")
    held_returned_at: datetime | None  # the held queue sent it back to nurture (too long)
    first_response_at: datetime | None
    sla_due_at: datetime | None
    sla_state: str
    sla_breached_at: datetime | None
    breached_owner: str | None
    escalated_at: datetime | None
    attempt_count: int
    last_touch_at: datetime
    converted_at: datetime | None
    disqualified_at: datetime | None
    created_at: datetime
    updated_at: datetime
    touchpoints: tuple[TouchPlan, ...]
    activities: tuple[ActivityPlan, ...]
    activity_rep: str | None
    events: tuple[EventPlan, ...]
    play: LeadPlayPlan | None
    disqualification: DisqualificationPlan | None
    opportunity: OpportunityPlan | None

    @property
    def was_held(self) -> bool:
        """The throttle held it (it may be held still, or sent back to nurture since)."""
        return any(e.kind == "status" and e.new_value == "held" for e in self.events)

    @property
    def next_action_at(self) -> datetime | None:
        """An open lead's soonest open play step, as apps.plays.services.refresh_next_action
        keeps it for a live one."""
        if self.status not in ("ready", "working") or self.play is None:
            return None
        open_steps = [step.due_at for step in self.play.steps if step.completed_at is None]
        return min(open_steps, default=None)


@dataclass(frozen=True, slots=True)
class RenewalPlan:
    account: str
    due_on: date
    amount: Decimal
    outcome: str
    renewed_amount: Decimal | None
    churn_reason: str | None
    churn_note: str
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class HealthPlan:
    account: str
    health: str
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class VoicePlan:
    account: str
    quote: str
    tags: tuple[str, ...]
    context: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ServicePlan:
    renewals: tuple[RenewalPlan, ...]
    health_checks: tuple[HealthPlan, ...]
    voice_notes: tuple[VoicePlan, ...]
    expansions: tuple[OpportunityPlan, ...]


@dataclass(frozen=True, slots=True)
class QuarterPlan:
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class SpendPlan:
    campaign: str
    starts_on: date
    ends_on: date
    amount: Decimal
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoPlan:
    quarters: tuple[QuarterPlan, ...]
    accounts: tuple[AccountPlan, ...]
    leads: tuple[LeadPlan, ...]
    service: ServicePlan
    spend: tuple[SpendPlan, ...] = ()


# --- Planning: pure functions of (seed, leads, anchor) ------------------------------------


def anchor_for(today: date) -> datetime:
    """Today at 00:00 UTC: every seeded timestamp is this minus a deterministic offset."""
    return datetime.combine(today, time(0), tzinfo=UTC)


def plan_quarters(anchor: datetime) -> tuple[QuarterPlan, ...]:
    """The previous, current and next calendar quarter around the anchor, dates inclusive."""
    index = anchor.year * 4 + (anchor.month - 1) // 3
    quarters = []
    for i in (index - 1, index, index + 1):
        year, q = divmod(i, 4)
        starts = date(year, 3 * q + 1, 1)
        next_start = date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        quarters.append(QuarterPlan(f"{year}-Q{q + 1}", starts, next_start - timedelta(days=1)))
    return tuple(quarters)


def campaign_window(campaign: DemoCampaign, anchor: datetime) -> tuple[date, date]:
    """Start and end dates, never before the previous quarter (the oldest one seeded)."""
    previous, current, upcoming = plan_quarters(anchor)
    if campaign.start_offset is None or campaign.end_offset is None:
        return upcoming.starts_on, upcoming.ends_on
    today = anchor.date()
    starts = max(previous.starts_on, today + timedelta(days=campaign.start_offset))
    ends = max(starts, today + timedelta(days=campaign.end_offset))
    if campaign.slug in SPANS_QUARTER_START:
        starts = min(starts, current.starts_on - timedelta(days=30))
        ends = max(ends, current.starts_on + timedelta(days=14))
    return starts, ends


def _month_slices(starts: date, ends: date) -> list[tuple[date, date]]:
    """starts..ends cut at calendar month ends."""
    slices = []
    day = starts
    while day <= ends:
        next_month = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        last = min(ends, next_month - timedelta(days=1))
        slices.append((day, last))
        day = last + timedelta(days=1)
    return slices


def plan_campaign_spend(anchor: datetime) -> tuple[SpendPlan, ...]:
    """Each campaign's spend entries: budget x CAMPAIGN_COST_RATIO over its run dates, as one
    entry spread over the run or as a monthly invoice per month run so far (CAMPAIGN_SPEND).
    Each entry is recorded the morning after its period, or an hour before the anchor."""
    yesterday = anchor.date() - timedelta(days=1)
    plans = []
    for c in CAMPAIGNS:
        if c.slug not in CAMPAIGN_SPEND:
            continue
        how, note = CAMPAIGN_SPEND[c.slug]
        starts, ends = campaign_window(c, anchor)
        if starts > yesterday:
            continue  # not started: no spend yet
        total = Decimal(c.budget) * Decimal(str(CAMPAIGN_COST_RATIO[c.slug]))
        run_days = (ends - starts).days + 1
        if how == "spread":
            periods = [(starts, ends, total, note)]
        else:
            periods = [
                (
                    first,
                    last,
                    total * ((last - first).days + 1) / run_days,
                    f"{note}, {first:%B %Y}",
                )
                for first, last in _month_slices(starts, min(ends, yesterday))
            ]
        for first, last, amount, text in periods:
            recorded = datetime.combine(min(last, yesterday) + timedelta(days=1), time(9), UTC)
            plans.append(
                SpendPlan(
                    campaign=c.slug,
                    starts_on=first,
                    ends_on=last,
                    amount=amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                    note=text,
                    created_at=min(recorded, anchor - timedelta(hours=1)),
                )
            )
    return tuple(plans)


def plan_accounts(*, seed: int, anchor: datetime) -> tuple[AccountPlan, ...]:
    """Decide one account per company: 12 targets, 8 customers, 2 churned, owners and sizes."""
    rng = random.Random(f"{seed}:accounts")
    order = list(range(len(COMPANIES)))
    rng.shuffle(order)
    targets = set(order[:12])
    customers = set(order[12:20])
    churned = set(order[20:22])
    plans = []
    for i, (name, industry, country) in enumerate(COMPANIES):
        employees = rng.choice(EMPLOYEE_BUCKETS) + rng.randint(0, 40)
        tier = "target" if i in targets else "standard"
        owner: str | None = None
        if tier == "target" or rng.random() < 0.15:
            owner = "sara" if country in NORTH_AMERICA or rng.random() < 0.4 else "sam"
        lifecycle, became, health = "prospect", None, ""
        if i in customers or i in churned:
            lifecycle = "customer" if i in customers else "churned"
            became = anchor - timedelta(days=rng.randint(200, 900), seconds=rng.randint(0, 86399))
            health = rng.choice(("green", "green", "yellow", "red")) if i in customers else "red"
        plans.append(
            AccountPlan(
                name=name,
                domain=_domain(name),
                industry=industry,
                employees=employees,
                country=country,
                tier=tier,
                owner=owner,
                lifecycle=lifecycle,
                became_customer_at=became,
                health=health,
                created_at=anchor - timedelta(days=rng.randint(130, 1000)),
            )
        )
    return tuple(plans)


def _domain(name: str) -> str:
    return f"{slugify(name)}.example"


def _local_part(first: str, last: str, index: int) -> str:
    return f"{re.sub('[^a-z]', '', first.lower())}.{re.sub('[^a-z]', '', last.lower())}{index + 1}"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


@dataclass(frozen=True, slots=True)
class _Identity:
    rng: random.Random
    email: str
    first_name: str
    last_name: str
    account: AccountPlan | None


def _identity(seed: int, index: int, accounts: Sequence[AccountPlan]) -> _Identity:
    """Decide a lead's name, email and account: the first draws of its own random stream."""
    rng = random.Random(f"{seed}:{index}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    freemail = index >= len(SHOWCASE) and rng.random() < 0.10
    account = None
    if freemail:
        domain = rng.choice(FREEMAIL_DOMAINS)
    else:
        if index < len(SHOWCASE) and _is_held_variant(SHOWCASE[index][1]):
            # the held queue's pool is EMEA's; an account owner with room would take the lead
            accounts = [a for a in accounts if a.country in EMEA and a.owner is None] or accounts
        # Target accounts attract more people: the buying groups the ABM views show.
        weights = [3 if a.tier == "target" else 1 for a in accounts]
        account = rng.choices(accounts, weights=weights)[0]
        domain = account.domain
    return _Identity(rng, f"{_local_part(first, last, index)}@{domain}", first, last, account)


def _is_held_variant(variant: str) -> bool:
    """A showcase lead of the throttle: held now, or held and sent back this quarter."""
    return variant in HELD_LEADS or variant in HELD_TOO_LONG


def lead_emails(*, seed: int, start: int, stop: int, accounts: Sequence[AccountPlan]) -> list[str]:
    """The emails of leads start..stop-1, without planning the rest of them."""
    return [_identity(seed, i, accounts).email for i in range(start, stop)]


@dataclass
class Calendar:
    """Anchor-derived lookups shared by every lead of a run (computed once per run)."""

    anchor: datetime
    assets: dict[str, DemoAsset]
    # Per day before the anchor: the assets a lead could touch that day, cumulative weights.
    day_assets: list[tuple[list[DemoAsset], list[int]]]
    next_business_start: datetime

    @classmethod
    def build(cls, anchor: datetime) -> Calendar:
        windows = {c.slug: campaign_window(c, anchor) for c in CAMPAIGNS}
        day_assets = []
        for back in range(LEAD_WINDOW_DAYS + 40):
            day = anchor.date() - timedelta(days=back)
            eligible = [
                a
                for a in ASSETS
                if not a.hand_raiser
                and a.popularity
                and (a.campaign is None or windows[a.campaign][0] <= day <= windows[a.campaign][1])
            ]
            cum, total = [], 0
            for a in eligible:
                total += a.popularity
                cum.append(total)
            day_assets.append((eligible, cum))
        day = anchor.astimezone(BERLIN).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(9, 0), tzinfo=BERLIN).astimezone(UTC)
        return cls(anchor, {a.slug: a for a in ASSETS}, day_assets, start)

    def asset_at(self, rng: random.Random, at: datetime) -> DemoAsset:
        back = min(len(self.day_assets) - 1, max(0, (self.anchor - at).days))
        eligible, cum = self.day_assets[back]
        return eligible[bisect(cum, rng.random() * cum[-1])]

    def business_moment(self, rng: random.Random, days_back: int) -> datetime:
        """A time inside Berlin business hours on a weekday `days_back` days before the anchor."""
        day = self.anchor.date() - timedelta(days=days_back)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        local = datetime.combine(day, time(9, 0), tzinfo=BERLIN) + timedelta(
            seconds=rng.randint(0, 27000)
        )
        return local.astimezone(UTC)


def plan_leads(
    *,
    seed: int,
    anchor: datetime,
    start: int,
    stop: int,
    accounts: Sequence[AccountPlan],
    calendar: Calendar | None = None,
) -> list[LeadPlan]:
    """Plans for leads start..stop-1: each lead with its journey, work and outcome."""
    calendar = calendar or Calendar.build(anchor)
    return [_plan_lead(_identity(seed, i, accounts), i, calendar) for i in range(start, stop)]


def _fit(title: str, account: AccountPlan | None, country: str, source: str) -> int:
    """The fit score the scoring rules give, matched the way apps.scoring matches them."""
    words = f" {title.lower()} "
    total = 0
    for _, attribute, value, points in SCORING_RULES:
        hit = False
        if attribute == "title_keyword":
            hit = f" {value.lower()} " in words
        elif attribute == "employees_at_least":
            hit = account is not None and account.employees >= int(value)
        elif attribute == "employees_below":
            hit = account is not None and account.employees < int(value)
        elif attribute == "industry":
            hit = account is not None and account.industry == value
        elif attribute == "country":
            hit = country == value
        elif attribute == "source":
            hit = source == value
        if hit:
            total += points
    return max(0, min(100, total))


def _buying_role(title: str) -> str:
    """The role of the lowest-order buying-role rule whose keyword is in the title."""
    words = f" {title.lower()} "
    for keyword, role, _ in sorted(BUYING_ROLE_RULES, key=lambda r: (r[2], r[0])):
        if f" {keyword.lower()} " in words or (len(keyword) > 3 and keyword.lower() in words):
            return role
    return "unknown"


def _engagement(
    touches: Sequence[TouchPlan], assets: dict[str, DemoAsset], anchor: datetime
) -> float:
    """Engagement: each touch's weight, halved every HALF_LIFE_DAYS before the anchor."""
    kind_weights = {"meeting": 15, "page_view": 1}
    total = 0.0
    for t in touches:
        weight = assets[t.asset].weight if t.asset else kind_weights.get(t.kind, 1)
        age = (anchor - t.occurred_at).total_seconds() / 86400
        total += weight * 0.5 ** (age / HALF_LIFE_DAYS)
    return round(total, 2)


def _seconds(rng: random.Random, low: float, high: float) -> timedelta:
    """A whole number of seconds between `low` and `high` (given in seconds)."""
    return timedelta(seconds=rng.randint(int(low), int(high)))


# --- One lead, step by step -------------------------------------------------------------
# Every step draws from the lead's own random.Random, so the steps run in one fixed order
# (the order of the calls in _plan_lead): moving a draw changes every seeded lead.
# The step results below are private and never changed after they are made; they are not
# frozen only because frozen dataclasses (slower __init__) made planning leads ~6% slower.


@dataclass(slots=True)
class _Person:
    title: str
    country: str
    company: str
    phone: str
    role: str


@dataclass(slots=True)
class _Timeline:
    status: str
    variant: str  # the SHOWCASE variant, "" for the other leads
    ready_at: datetime | None
    created_at: datetime
    journey_end: datetime
    held_at: datetime | None = None  # the throttle held it (ready on score, its pool full)
    sent_back_at: datetime | None = None  # ... and sent it back to nurture: held too long


@dataclass(slots=True)
class _Routing:
    pool: bool
    owner: str | None
    rule: str | None


@dataclass(slots=True)
class _Work:
    activities: list[ActivityPlan]
    sla_due_at: datetime | None
    sla_state: str
    first_response: datetime | None
    breached_at: datetime | None
    escalated_at: datetime | None


@dataclass(slots=True)
class _Outcome:
    activities: list[ActivityPlan]  # the work's attempts, padded to the reason's minimum
    converted_at: datetime | None
    disqualified_at: datetime | None
    disqualification: DisqualificationPlan | None
    opportunity: OpportunityPlan | None


def _plan_lead(ident: _Identity, index: int, cal: Calendar) -> LeadPlan:
    """Plan one lead: who, when, its journey, routing, work, outcome, play and history."""
    rng, account = ident.rng, ident.account
    person = _plan_person(rng, account)
    timeline = _plan_timeline(rng, index, account, cal)
    ready_reason = _plan_ready_reason(rng, timeline.status, account)
    touches = _plan_journey(rng, timeline, ready_reason, cal)
    first_campaign = touches[0].campaign
    source = _source(first_campaign)
    fit = _fit(person.title, account, person.country, source)
    if timeline.held_at is not None:
        touches = _reach_hold_score(rng, touches, fit, timeline, cal)
    routing = _plan_routing(rng, timeline, account, person.country)
    owner = routing.owner
    work = _plan_work(rng, timeline, owner, cal)
    outcome = _plan_outcome(rng, timeline, account, owner, work.activities, cal.anchor)
    activities = outcome.activities
    assigned_at = timeline.ready_at if owner else None
    play = None
    if owner and assigned_at:
        # as at a live hand-off, the first step is due when a running clock is
        clock_due = work.sla_due_at if work.sla_state == "pending" else None
        play = _plan_play(
            rng,
            ready_reason,
            source,
            touches,
            person.role,
            fit,
            assigned_at,
            activities,
            cal.anchor,
            first_due=clock_due,
        )
    touches, touched_until, engagement = _finish_journey(
        touches, timeline.status, outcome.converted_at, fit, cal, held=timeline.held_at is not None
    )
    events = _plan_history(ident.email, source, timeline, ready_reason, owner, play, work, outcome)
    if timeline.held_at is not None:
        events = _held_events(events, timeline, _score_at(touches, fit, timeline.held_at, cal))
    reopened = _reopened_at(outcome.disqualification) is not None
    final_status = "nurture" if reopened else timeline.status
    return LeadPlan(
        email=ident.email,
        first_name=ident.first_name,
        last_name=ident.last_name,
        title=person.title,
        buying_role=person.role,
        phone=person.phone,
        country=person.country,
        company_name=person.company,
        account=account.domain if account else None,
        source=source,
        campaign=first_campaign,
        fit_score=fit,
        engagement_score=engagement,
        score=fit + round(engagement),
        status=final_status,
        owner=None if reopened else owner,
        assignment_version=1 if owner else 0,
        assigned_at=assigned_at,
        ready_at=timeline.ready_at,
        ready_reason=ready_reason,
        routing_rule=routing.rule,
        pooled_at=timeline.ready_at if routing.pool else None,
        held_at=timeline.held_at if final_status == "held" else None,
        held_returned_at=timeline.sent_back_at,
        first_response_at=work.first_response,
        sla_due_at=work.sla_due_at,
        sla_state="" if final_status == "nurture" else work.sla_state,
        sla_breached_at=work.breached_at,
        breached_owner=owner if work.breached_at else None,
        escalated_at=work.escalated_at,
        attempt_count=len(activities),
        last_touch_at=touched_until,
        converted_at=outcome.converted_at,
        disqualified_at=outcome.disqualified_at,
        created_at=timeline.created_at,
        updated_at=max(events[-1].at, touched_until),
        touchpoints=tuple(sorted(touches, key=lambda t: t.occurred_at)),
        activities=tuple(activities),
        activity_rep=owner if activities else None,
        events=events,
        play=play,
        disqualification=outcome.disqualification,
        opportunity=outcome.opportunity,
    )


def _plan_person(rng: random.Random, account: AccountPlan | None) -> _Person:
    """Decide who the lead is: title, country, company, phone and buying role."""
    if account is None:
        title = rng.choice(FREEMAIL_TITLES)
        country = rng.choice(FREEMAIL_COUNTRIES)
        company = rng.choice(FREEMAIL_COMPANIES)
    else:
        title = rng.choices([t for t, _ in TITLES], weights=[w for _, w in TITLES])[0]
        country = account.country
        company = account.name
    phone = f"{PHONE_PREFIX.get(country, '+1 555')} {rng.randint(1000000, 9999999)}"
    return _Person(title, country, company, phone, _buying_role(title))


def _plan_timeline(
    rng: random.Random, index: int, account: AccountPlan | None, cal: Calendar
) -> _Timeline:
    """Decide what happens to the lead and when: created, ready (routed leads) and journey end."""
    if index < len(SHOWCASE):
        status, variant = SHOWCASE[index]
    else:
        status = _weighted(
            rng, FREEMAIL_STATUS_WEIGHTS if account is None else ACCOUNT_STATUS_WEIGHTS
        )
        variant = ""
    anchor = cal.anchor
    if _is_held_variant(variant):
        return _plan_held_timeline(rng, status, variant, cal)
    ready_at = _plan_ready_at(rng, status, variant, cal)
    if ready_at is not None:
        # Routed leads get a ready moment first and a journey before it.
        room = (ready_at - (anchor - timedelta(days=LEAD_WINDOW_DAYS))).total_seconds()
        created_at = ready_at - _seconds(rng, min(2 * HOUR, room), min(35 * DAY, room))
        journey_end = ready_at
    else:
        created_at = anchor - _seconds(rng, 2 * HOUR, LEAD_WINDOW_DAYS * DAY)
        journey_end = min(anchor - timedelta(minutes=1), created_at + timedelta(days=45))
    return _Timeline(status, variant, ready_at, created_at, journey_end)


def _plan_held_timeline(rng: random.Random, status: str, variant: str, cal: Calendar) -> _Timeline:
    """A lead of the throttle: its journey ends when its score made it ready and its pool had
    no room (held_at); one held too long went back to nurture HOLD_EXPIRY_HOURS later, at the
    sweep after that (in the anchor's quarter, and before the anchor)."""
    anchor, sent_back_at = cal.anchor, None
    if variant in HELD_TOO_LONG:
        quarter_start = datetime.combine(plan_quarters(anchor)[1].starts_on, time(0), tzinfo=UTC)
        back = anchor - timedelta(days=HELD_TOO_LONG[variant]) - _seconds(rng, 0, 12 * HOUR)
        sent_back_at = min(anchor, max(quarter_start, back))
        held_at = sent_back_at - timedelta(hours=HOLD_EXPIRY_HOURS) - _seconds(rng, 1, 30)
    else:
        # under an hour on top: HELD_LEADS' hours stay below 48, none expired on the anchor's day
        held_at = anchor - timedelta(hours=HELD_LEADS[variant][0]) - _seconds(rng, 0, 45 * 60)
    created_at = held_at - _seconds(rng, 2 * HOUR, 35 * DAY)
    return _Timeline(status, variant, None, created_at, held_at, held_at, sent_back_at)


def _plan_ready_at(rng: random.Random, status: str, variant: str, cal: Calendar) -> datetime | None:
    """Decide when a routed lead became ready; None for a nurture lead."""
    if status == "ready":
        # Raised a hand last night, after business hours: due next business morning.
        return cal.anchor - _seconds(rng, 20 * 60, 7 * HOUR)
    if status == "working":
        return cal.business_moment(rng, rng.randint(1, 14))
    if status == "converted":
        closed = variant in ("won", "lost")
        return cal.business_moment(rng, rng.randint(75, 110) if closed else rng.randint(8, 115))
    if status == "disqualified":
        return cal.business_moment(rng, rng.randint(12, 60) if variant else rng.randint(3, 115))
    return None


def _plan_ready_reason(rng: random.Random, status: str, account: AccountPlan | None) -> str:
    """Decide why a routed lead is ready: a hand-raiser, the score, or its account's buying group.
    A held lead was made ready by its score: the throttle holds no other."""
    if status == "held":
        return "score"
    if status == "nurture":
        return ""
    if account and account.tier == "target" and account.owner and rng.random() < 0.2:
        return "account"
    if rng.random() < 0.6 or status == "ready":
        return "hand_raiser"
    return "score"


def _plan_journey(
    rng: random.Random, timeline: _Timeline, ready_reason: str, cal: Calendar
) -> list[TouchPlan]:
    """Decide the journey: about ten touches from the first one to the ready moment."""
    created_at, journey_end = timeline.created_at, timeline.journey_end
    count = rng.randint(6, 14)
    span = max(1, int((journey_end - created_at).total_seconds()))
    moments = sorted(
        [created_at]
        + [created_at + timedelta(seconds=rng.randint(0, span)) for _ in range(count - 1)]
    )
    touches: list[TouchPlan] = []
    for j, at in enumerate(moments):
        if j == len(moments) - 1 and ready_reason == "hand_raiser":
            slug = "partner-intro" if rng.random() < 0.1 else rng.choice(HAND_RAISERS)
            asset = cal.assets[slug]
            at = journey_end
        else:
            asset = cal.asset_at(rng, at)
        touches.append(_asset_touch(asset, at))
    return touches


def _asset_touch(asset: DemoAsset, at: datetime) -> TouchPlan:
    """A touch on `asset` at `at`; an ad's carries its UTM parameters."""
    meta: dict[str, Any] = {}
    if asset.kind == "ad":
        meta = {
            "utm_source": "linkedin" if asset.campaign == "abm-target-accounts" else "google",
            "utm_campaign": asset.campaign,
        }
    return TouchPlan(ASSET_TOUCH_KIND[asset.kind], asset.campaign, asset.slug, at, meta)


def _score_at(touches: Sequence[TouchPlan], fit: int, moment: datetime, cal: Calendar) -> int:
    """The lead's score at `moment`: fit plus the engagement of the touches until then."""
    before = [t for t in touches if t.occurred_at <= moment]
    return fit + round(_engagement(before, cal.assets, moment))


def _reach_hold_score(
    rng: random.Random, journey: Sequence[TouchPlan], fit: int, timeline: _Timeline, cal: Calendar
) -> list[TouchPlan]:
    """A held lead's score made it ready: a touch at the moment it was held, and touches in the
    hours before, until its score reaches the threshold when held and, for one still held, the
    least score HELD_LEADS gives it today (its ready score, decayed since)."""
    held_at = timeline.held_at
    assert held_at is not None
    touches = [*journey, _asset_touch(cal.asset_at(rng, held_at), held_at)]
    minimum = HELD_LEADS[timeline.variant][1] if timeline.variant in HELD_LEADS else 0
    span = min(6 * HOUR, (held_at - timeline.created_at).total_seconds())
    while (
        _score_at(touches, fit, held_at, cal) < SCORE_THRESHOLD
        or fit + round(_engagement(touches, cal.assets, cal.anchor)) < minimum
    ):
        at = held_at - _seconds(rng, 60, span)
        touches.append(_asset_touch(cal.asset_at(rng, at), at))
    return sorted(touches, key=lambda t: t.occurred_at)


def _source(first_campaign: str | None) -> str:
    """The lead's source: the channel of the campaign of its first touch."""
    channel = next((c.channel for c in CAMPAIGNS if c.slug == first_campaign), "")
    return CHANNEL_SOURCE.get(channel, "web_form")


def _plan_routing(
    rng: random.Random, timeline: _Timeline, account: AccountPlan | None, country: str
) -> _Routing:
    """Decide the owner: the account owner first, else the first matching rule's weighted pool."""
    status, variant = timeline.status, timeline.variant
    pool = (
        status == "ready"
        and variant == "pool"
        or (status == "ready" and not variant and rng.random() < 0.2)
    )
    owner: str | None = None
    rule: str | None = None
    if status == "held":
        return _Routing(pool=False, owner=None, rule=HELD_POOL)  # waiting for room in its pool
    if status != "nurture" and not pool:
        if account and account.owner:
            owner = account.owner
        elif country in EMEA:
            owner, rule = "sam", "EMEA"
        elif country in NORTH_AMERICA:
            owner, rule = "sara", "North America"
        else:
            owner = rng.choices(REPS, weights=[REP_WEIGHTS[r] for r in REPS])[0]
            rule = "Everywhere else"
    return _Routing(pool, owner, rule)


def _plan_work(rng: random.Random, timeline: _Timeline, owner: str | None, cal: Calendar) -> _Work:
    """Decide the SLA clock and the attempts of an owned lead (none for a pooled or nurture one)."""
    status, ready_at = timeline.status, timeline.ready_at
    activities: list[ActivityPlan] = []
    sla_due_at = first_response = breached_at = escalated_at = None
    sla_state = ""
    if owner and ready_at is not None and status == "ready":
        sla_due_at, sla_state = cal.next_business_start + timedelta(minutes=5), "pending"
    elif owner and ready_at is not None:
        sla_due_at = ready_at + timedelta(minutes=5)
        met = timeline.variant == "met" or (timeline.variant != "breached" and rng.random() < 0.68)
        delay = _seconds(rng, 40, 290) if met else _seconds(rng, 6 * 60, 6 * HOUR)
        first_response = ready_at + delay
        sla_state = "met" if met else "breached"
        if not met:
            breached_at = sla_due_at
            if delay > timedelta(minutes=15):
                escalated_at = sla_due_at + timedelta(minutes=10)
        activities = _plan_activities(rng, status, first_response, cal.anchor)
    return _Work(activities, sla_due_at, sla_state, first_response, breached_at, escalated_at)


def _plan_outcome(
    rng: random.Random,
    timeline: _Timeline,
    account: AccountPlan | None,
    owner: str | None,
    activities: list[ActivityPlan],
    anchor: datetime,
) -> _Outcome:
    """Decide how the work ended: converted with an opportunity, or disqualified for a reason."""
    status, variant = timeline.status, timeline.variant
    if status == "converted" and activities and account and owner:
        converted_at = activities[-1].occurred_at + _seconds(rng, 10 * 60, 2 * HOUR)
        opportunity = _plan_opportunity(rng, variant, account, owner, converted_at, anchor)
        return _Outcome(activities, converted_at, None, None, opportunity)
    if status == "disqualified" and owner:
        reason = _weighted(rng, FREEMAIL_DQ_WEIGHTS if account is None else DQ_WEIGHTS)
        minimum = next(r[2] for r in DQ_REASONS if r[0] == reason)
        activities = _pad_attempts(rng, activities, minimum, anchor)
        disqualified_at = min(
            activities[-1].occurred_at + _seconds(rng, 5 * 60, DAY), anchor - timedelta(minutes=1)
        )
        dq = _plan_disqualification(rng, variant, reason, len(activities), disqualified_at, anchor)
        return _Outcome(activities, None, disqualified_at, dq, None)
    return _Outcome(activities, None, None, None, None)


def _pad_attempts(
    rng: random.Random, activities: list[ActivityPlan], minimum: int, anchor: datetime
) -> list[ActivityPlan]:
    """Add unanswered calls until a disqualification reason's minimum attempts are logged."""
    padded = list(activities)
    while len(padded) < minimum:
        last = padded[-1].occurred_at
        padded.append(
            ActivityPlan(
                "call",
                "no_answer",
                "No answer.",
                min(
                    last + _seconds(rng, 4 * HOUR, 2 * DAY),
                    anchor - timedelta(minutes=30 - len(padded)),
                ),
            )
        )
    padded.sort(key=lambda a: a.occurred_at)
    return padded


def _finish_journey(
    journey: Sequence[TouchPlan],
    status: str,
    converted_at: datetime | None,
    fit: int,
    cal: Calendar,
    *,
    held: bool = False,
) -> tuple[list[TouchPlan], datetime, float]:
    """Decide the final touches (a converting meeting, or a nurture lead kept under the threshold;
    not one the throttle held: its score made it ready, and it has decayed since).

    Returns the touches, the last touch moment and the engagement score.
    """
    touches = list(journey)
    touched_until = max(t.occurred_at for t in touches)
    if status == "converted" and converted_at:
        touches.append(TouchPlan("meeting", None, None, converted_at - timedelta(minutes=30), {}))
        touched_until = max(touched_until, converted_at - timedelta(minutes=30))
    engagement = _engagement(touches, cal.assets, cal.anchor)
    if status == "nurture" and not held:
        # A nurture lead at the threshold would already be ready: its journey stops earlier.
        while len(touches) > 2 and fit + round(engagement) >= SCORE_THRESHOLD:
            touches.pop()
            engagement = _engagement(touches, cal.assets, cal.anchor)
        touched_until = touches[-1].occurred_at
    return touches, touched_until, engagement


def _reopened_at(dq: DisqualificationPlan | None) -> datetime | None:
    """When marketing disputed the disqualification and sent the lead back to nurture, if it did."""
    return dq.reviewed_at if dq is not None and dq.review_status == "disputed" else None


# --- A lead's history ---------------------------------------------------------------------


def _plan_history(
    email: str,
    source: str,
    timeline: _Timeline,
    ready_reason: str,
    owner: str | None,
    play: LeadPlayPlan | None,
    work: _Work,
    outcome: _Outcome,
) -> tuple[EventPlan, ...]:
    """Decide the lead's LeadEvents in time order, as the services would have written them."""
    events = [
        EventPlan("created", None, "seed", "", email, timeline.created_at, {"source": source})
    ]
    ready_at = timeline.ready_at
    if timeline.status != "nurture" and ready_at is not None:
        events += _handoff_events(ready_at, ready_reason, owner, play, work.sla_due_at)
        events += _attempt_events(owner, outcome.activities, work.breached_at)
        events += _closing_events(owner, outcome)
    events.sort(key=lambda e: e.at)  # stable: same-moment events keep their causal order
    return tuple(events)


def _held_events(
    events: Sequence[EventPlan], timeline: _Timeline, score: int
) -> tuple[EventPlan, ...]:
    """The throttle's events, as routing writes them: held (nurture -> held, with its pool, which
    `writing` turns into the rule's id) and, for a lead held too long, sent back to nurture."""
    held_at = timeline.held_at
    assert held_at is not None
    added = [
        EventPlan(
            "status",
            None,
            f"{HELD} (agreement v1)",
            "nurture",
            "held",
            held_at,
            {"agreement_version": 1, "pool_id": HELD_POOL, "score": score},
        )
    ]
    if timeline.sent_back_at is not None:
        hours = round((timeline.sent_back_at - held_at).total_seconds() / 3600, 1)
        added.append(
            EventPlan(
                "status",
                None,
                HELD_TOO_LONG_REASON,
                "held",
                "nurture",
                timeline.sent_back_at,
                {"held_hours": hours},
            )
        )
    return tuple(sorted([*events, *added], key=lambda e: e.at))


def _handoff_events(
    ready_at: datetime,
    ready_reason: str,
    owner: str | None,
    play: LeadPlayPlan | None,
    sla_due_at: datetime | None,
) -> list[EventPlan]:
    """Decide the events of the ready moment: ready, assigned (or pooled), play, SLA clock."""
    events = [
        EventPlan(
            "status",
            None,
            "seed",
            "nurture",
            "ready",
            ready_at,
            {"ready_reason": ready_reason, "agreement": 1},
        ),
        EventPlan(
            "owner",
            None,
            "seed",
            "",
            owner or "pool",
            ready_at,
            {"assignment_version": 1 if owner else 0},
        ),
    ]
    if play:
        events.append(EventPlan("play", None, "seed", "", play.play, ready_at))
    if sla_due_at:
        events.append(
            EventPlan(
                "sla", None, "seed", "", "pending", ready_at, {"due_at": sla_due_at.isoformat()}
            )
        )
    return events


def _attempt_events(
    owner: str | None, activities: Sequence[ActivityPlan], breached_at: datetime | None
) -> list[EventPlan]:
    """Decide one event per attempt, and the SLA and status change the first attempt settles."""
    events = []
    for k, act in enumerate(activities):
        events.append(
            EventPlan(
                "attempt",
                owner,
                "attempt logged",
                "",
                act.outcome,
                act.occurred_at,
                {"channel": act.channel},
            )
        )
        if k == 0:
            if breached_at:
                events.append(
                    EventPlan(
                        "sla", None, "seed", "pending", "breached", breached_at, {"owner": owner}
                    )
                )
            else:
                events.append(
                    EventPlan("sla", owner, "first attempt", "pending", "met", act.occurred_at)
                )
            events.append(
                EventPlan("status", owner, "first attempt", "ready", "working", act.occurred_at)
            )
    return events


def _closing_events(owner: str | None, outcome: _Outcome) -> list[EventPlan]:
    """Decide the events that end the work: converted, or disqualified (and perhaps disputed)."""
    events = []
    if outcome.converted_at:
        events.append(
            EventPlan("status", owner, "converted", "working", "converted", outcome.converted_at)
        )
    dq = outcome.disqualification
    if outcome.disqualified_at and dq:
        events.append(
            EventPlan(
                "status", owner, dq.reason, "working", "disqualified", outcome.disqualified_at
            )
        )
        if reopened_at := _reopened_at(dq):
            events.append(
                EventPlan(
                    "status",
                    "mia",
                    "disqualification disputed",
                    "disqualified",
                    "nurture",
                    reopened_at,
                )
            )
            events.append(
                EventPlan(
                    "owner",
                    "mia",
                    "disqualification disputed",
                    owner or "",
                    "",
                    reopened_at,
                    {"assignment_version": 1},
                )
            )
    return events


# --- A lead's attempts, deal, disqualification and play ----------------------------------


def _plan_activities(
    rng: random.Random, status: str, first: datetime, anchor: datetime
) -> list[ActivityPlan]:
    """Decide the owner's attempts from the first response; a converting lead's end in a meeting."""
    count = {"working": rng.randint(1, 4), "converted": rng.randint(2, 5)}.get(
        status, rng.randint(1, 6)
    )
    latest = anchor - timedelta(minutes=30)
    moments = [first]
    for k in range(1, count):
        remaining = (latest - moments[-1]).total_seconds()
        gap = min(rng.randint(4 * HOUR, 3 * DAY), int(remaining / (count - k + 1)))
        moments.append(moments[-1] + timedelta(seconds=max(60, gap)))
    plans = []
    for k, at in enumerate(moments):
        last = k == count - 1
        if status == "converted" and last:
            outcome = "meeting_booked"
        elif status == "converted" and k == count - 2:
            outcome = "connected"
        else:
            outcome = rng.choices(
                ("no_answer", "voicemail", "connected", "replied", "bounced"),
                weights=(40, 25, 15, 15, 5),
            )[0]
        channel = {"replied": "email", "bounced": "email"}.get(outcome) or rng.choice(
            ("call", "call", "call", "email", "linkedin", "sms")
        )
        if outcome == "meeting_booked":
            channel = "call"
        plans.append(ActivityPlan(channel, outcome, rng.choice(ACTIVITY_NOTES[outcome]), at))
    return plans


def _plan_opportunity(
    rng: random.Random,
    variant: str,
    account: AccountPlan,
    owner: str,
    created: datetime,
    anchor: datetime,
) -> OpportunityPlan:
    """Decide a converted lead's new-business deal: amount by company size, stage by age."""
    size = 1 + min(account.employees, 12000) / 1500
    amount = Decimal(round(rng.uniform(8000, 30000) * size, -2)).quantize(Decimal("0.01"))
    planned_close = created + _seconds(rng, 14 * DAY, 55 * DAY)
    stage = variant
    if not stage:
        if planned_close < anchor - timedelta(hours=1) and rng.random() < 0.8:
            stage = "won" if rng.random() < 0.4 else "lost"
        else:
            age = (anchor - created).days
            ladder = ("discovery", "demo", "proposal", "negotiation")
            stage = ladder[min(3, age // 12 + rng.randint(0, 1))]
    closed_at = (
        min(planned_close, anchor - timedelta(hours=1)) if stage in ("won", "lost") else None
    )
    expected = (closed_at or created + timedelta(days=45)).date()
    name = f"{account.name}: {rng.choice(DEAL_PRODUCTS)}"
    story = rng.choice(LOST_REASONS) if stage == "lost" else ""
    lost_reason, lost_details = LOST_STORIES[story] if story else ("", "")
    return OpportunityPlan(
        account=account.domain,
        owner=owner,
        name=name,
        amount=amount,
        stage=stage,
        type="new",
        origin="marketing",
        created_at=created,
        expected_close=expected,
        closed_at=closed_at,
        lost_reason=lost_reason,
        lost_details=lost_details,
    )


def _plan_disqualification(
    rng: random.Random, variant: str, reason: str, attempts: int, at: datetime, anchor: datetime
) -> DisqualificationPlan:
    """Decide the disqualification's note and marketing's review of it."""
    note_required = next(r[3] for r in DQ_REASONS if r[0] == reason)
    note = DQ_NOTES.get(reason, "") if note_required else rng.choice(("", "", "Checked twice."))
    review = variant
    if not review:
        old = (anchor - at).days > 7
        review = rng.choices(
            ("open", "acknowledged", "disputed"), weights=(25, 60, 15) if old else (85, 15, 0)
        )[0]
    reviewed_at = None
    if review != "open":
        reviewed_at = at + _seconds(rng, 2 * HOUR, 5 * DAY)
        if reviewed_at >= anchor:
            # Marketing reviews within days; one disqualified last night is still open.
            review, reviewed_at = (
                variant or "open",
                (anchor - timedelta(minutes=1) if variant else None),
            )
    action = {
        "acknowledged": rng.choice(
            (
                "Excluded students from the paid search audience.",
                "Tightened the form: company email required.",
                "Noted; moving budget away from this keyword.",
            )
        ),
        "disputed": "Opened pricing twice this week and matches our ICP; back to nurture.",
    }.get(review, "")
    return DisqualificationPlan(
        reason=reason,
        note=note,
        attempts=attempts,
        at=at,
        review_status=review,
        reviewer="mia" if review != "open" else None,
        action_note=action,
        reviewed_at=reviewed_at,
        dispute_outcome="nurture" if review == "disputed" else "",
    )


# the plays that match a lead's source (PLAYS), as the live matcher ranks them
SOURCE_PLAYS = {"expansion": PLAY_EXPANSION, "referral": PLAY_REFERRAL}


def _plan_play(
    rng: random.Random,
    ready_reason: str,
    source: str,
    touches: Sequence[TouchPlan],
    role: str,
    fit: int,
    assigned_at: datetime,
    activities: Sequence[ActivityPlan],
    anchor: datetime,
    first_due: datetime | None = None,
) -> LeadPlayPlan:
    """Decide the play attached at hand-off and which of its steps the attempts completed; with
    `first_due` (a running SLA clock) the steps keep their spacing, the first due then."""
    if ready_reason == "account":
        name, why = PLAY_ACCOUNT, "account became conversation-ready"
    elif source in SOURCE_PLAYS:  # the source plays outrank the hand-raiser's
        name, why = SOURCE_PLAYS[source], f"{source} lead"
    elif ready_reason == "hand_raiser":
        name, why = PLAY_HAND_RAISER, "hand-raiser asset"
    elif any(t.campaign == "freight-visibility-webinars" for t in touches):
        name, why = PLAY_WEBINAR, "touched the webinar campaign"
    elif role == "decision_maker" and fit >= 40:
        name, why = PLAY_EXECUTIVE, "decision maker with score 40+"
    else:
        name, why = PLAY_DEFAULT, "default play"
    worked_until = activities[-1].occurred_at if activities else None
    steps = []
    start = assigned_at
    if first_due is not None:
        start = first_due - timedelta(minutes=PLAY_STEPS[name][0][1])
    for order, (channel, offset, title, template) in enumerate(PLAY_STEPS[name], start=1):
        due = start + timedelta(minutes=offset)
        done = None
        if worked_until and due <= worked_until:
            done = min(due + _seconds(rng, 0, 40 * 60), anchor - timedelta(minutes=1))
        steps.append(StepPlan(order, channel, title, template, due, done))
    return LeadPlayPlan(name, assigned_at, why, tuple(steps))


# --- The service side: renewals, health, quotes, expansion deals ---------------------------


def plan_service(*, seed: int, anchor: datetime, accounts: Sequence[AccountPlan]) -> ServicePlan:
    """Renewals across the three quarters, health history, customer quotes, expansion deals."""
    rng = random.Random(f"{seed}:service")
    quarters = plan_quarters(anchor)
    renewals: list[RenewalPlan] = []
    checks: list[HealthPlan] = []
    notes: list[VoicePlan] = []
    for acc in accounts:
        if acc.lifecycle == "prospect":
            continue
        renewals += _plan_renewals(rng, acc, quarters, anchor)
        checks += _plan_health_checks(rng, acc, anchor)
        notes += _plan_voice_notes(rng, acc, anchor)
    expansions = _plan_expansions(rng, accounts, anchor)
    return ServicePlan(tuple(renewals), tuple(checks), tuple(notes), expansions)


def _plan_renewals(
    rng: random.Random,
    acc: AccountPlan,
    quarters: tuple[QuarterPlan, ...],
    anchor: datetime,
) -> list[RenewalPlan]:
    """Decide a churned account's lost renewal, or a customer's renewal in each quarter."""
    previous, current, upcoming = quarters
    amount = Decimal(round(rng.uniform(15000, 90000) * (1 + acc.employees / 5000), -2)).quantize(
        Decimal("0.01")
    )
    if acc.lifecycle == "churned":
        due = _date_in(rng, previous)
        churn_codes = [c for c, _ in CHURN_REASONS]
        return [
            RenewalPlan(
                acc.domain,
                due,
                amount,
                "churned",
                None,
                rng.choice(churn_codes),
                "Told us at the renewal call.",
                _closed(rng, due, anchor),
            )
        ]
    renewals = []
    for quarter in (previous, current, upcoming):
        due = _date_in(rng, quarter)
        if due < anchor.date() and rng.random() < 0.85:
            renewed = (amount * Decimal(rng.choice(("1.00", "1.05", "1.12", "0.90")))).quantize(
                Decimal("0.01")
            )
            renewals.append(
                RenewalPlan(
                    acc.domain, due, amount, "renewed", renewed, None, "", _closed(rng, due, anchor)
                )
            )
        else:
            renewals.append(RenewalPlan(acc.domain, due, amount, "pending", None, None, "", None))
    return renewals


def _plan_health_checks(rng: random.Random, acc: AccountPlan, anchor: datetime) -> list[HealthPlan]:
    """Decide two to four monthly health checks, the latest one the account's current health."""
    checks = []
    for k in range(rng.randint(2, 4)):
        health = acc.health if k == 0 else rng.choice(("green", "yellow", "red"))
        checks.append(
            HealthPlan(
                acc.domain,
                health,
                HEALTH_NOTES[health],
                anchor - timedelta(days=5 + 30 * k, seconds=rng.randint(0, DAY)),
            )
        )
    return checks


def _plan_voice_notes(rng: random.Random, acc: AccountPlan, anchor: datetime) -> list[VoicePlan]:
    """Decide two customer quotes from the last hundred days."""
    return [
        VoicePlan(acc.domain, quote, tags, context, anchor - _seconds(rng, DAY, 100 * DAY))
        for quote, tags, context in rng.sample(VOICE_QUOTES, 2)
    ]


def _plan_expansions(
    rng: random.Random, accounts: Sequence[AccountPlan], anchor: datetime
) -> tuple[OpportunityPlan, ...]:
    """Decide expansion deals at the first four customers, one in each of four stages."""
    customers = [a for a in accounts if a.lifecycle == "customer"]
    expansions = []
    for acc, stage in zip(customers, ("won", "proposal", "discovery", "lost"), strict=False):
        created = anchor - timedelta(days=rng.randint(20, 70))
        closed = created + timedelta(days=15) if stage in ("won", "lost") else None
        expansions.append(
            OpportunityPlan(
                account=acc.domain,
                owner=acc.owner or "sam",
                name=f"{acc.name}: analytics add-on (expansion)",
                amount=Decimal(rng.randrange(10000, 60000, 500)).quantize(Decimal("0.01")),
                stage=stage,
                type="expansion",
                origin="service",
                created_at=created,
                expected_close=(closed or created + timedelta(days=60)).date(),
                closed_at=closed,
                lost_reason=EXPANSION_LOST[0] if stage == "lost" else "",
                lost_details=EXPANSION_LOST[1] if stage == "lost" else "",
            )
        )
    return tuple(expansions)


def _date_in(rng: random.Random, quarter: QuarterPlan) -> date:
    return quarter.starts_on + timedelta(
        days=rng.randint(0, (quarter.ends_on - quarter.starts_on).days)
    )


def _closed(rng: random.Random, due: date, anchor: datetime) -> datetime:
    at = datetime.combine(due, time(10), tzinfo=UTC) - timedelta(days=rng.randint(0, 14))
    return min(at, anchor - timedelta(hours=2))


def plan_demo(*, seed: int, leads: int, anchor: datetime) -> DemoPlan:
    """The whole plan in memory (tests and small runs); the writer plans leads chunk by chunk."""
    accounts = plan_accounts(seed=seed, anchor=anchor)
    return DemoPlan(
        quarters=plan_quarters(anchor),
        accounts=accounts,
        leads=tuple(plan_leads(seed=seed, anchor=anchor, start=0, stop=leads, accounts=accounts)),
        service=plan_service(seed=seed, anchor=anchor, accounts=accounts),
        spend=plan_campaign_spend(anchor),
    )
