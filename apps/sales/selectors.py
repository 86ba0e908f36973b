"""Reads for the sales workspace: each selector builds one screen (or API answer) and owns its
joins.

Every page runs a fixed number of queries whatever the data size: lists are keyset-paginated
or capped, related rows come through select_related, and counts are one aggregate each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.pagination import KeysetPage, keyset_page
from apps.feedback import selectors as feedback_selectors
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.leads.models import (
    NAME_FIELDS,
    QUEUE_KEYS,
    Activity,
    Channel,
    Lead,
    LeadEvent,
    Touchpoint,
)
from apps.leads.querysets import open_lead_q, untouched_hand_raiser_q
from apps.leads.selectors import lead_for, reads_all_attempt_notes
from apps.leads.services import may_work_lead
from apps.meetings.models import Meeting
from apps.opportunities.models import Opportunity
from apps.plays import selectors as play_selectors
from apps.plays import services as play_services
from apps.plays.models import LeadPlay, LeadPlayStep, Play
from apps.routing import held
from apps.routing.held import HeldPosition
from apps.sales.filters import LeadQueueFilter
from apps.service.models import HealthCheck, Renewal, VoiceNote
from apps.users.models import Role, User
from apps.users.roles import has_role

LIST_LIMIT = 50
# Today shows the most urgent leads of the rep's day, as many as a queue page holds; the heading
# counts the rest, which wait in the queue.
TODAY_LIMIT = LIST_LIMIT
# The oldest of the pool beside the rep's queue: claims go oldest first, the header counts the
# rest, and routing offers them as reps free up (the manager's team page lists every open lead).
POOL_LIMIT = 10
PAGE_SIZE = 25
JOURNEY_LIMIT = 100
DETAIL_LIMIT = 100
ENGAGED_MOST = 3

_OPEN = open_lead_q()


def _list_columns(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    return queryset.select_related("account", "campaign", "owner")


# --- The rep's queue -------------------------------------------------------------------


def rep_queue(*, rep: User) -> QuerySet[Lead]:
    """The rep's open leads, to be read in queue order (QUEUE_KEYS, index lead_rep_queue_idx)."""
    return _list_columns(Lead.objects.open().owned_by(rep))


def team_pool(*, limit: int = LIST_LIMIT) -> list[Lead]:
    """Ready leads no rep holds, oldest first (the order routing and claims follow)."""
    queryset = _list_columns(Lead.objects.in_pool())
    return list(queryset.order_by(F("ready_at").asc(nulls_last=True), "pk")[:limit])


def queue_counts(*, rep: User, now: datetime | None = None) -> dict[str, int]:
    """Counts for the queue's header and the navigation's Today badge: the rep's open leads by
    status and SLA state and those due today (today_count's rule), in one index-only aggregate
    over lead_rep_day_idx; and the pool (one over lead_pool_idx). A page that shows both reads
    the rep's range of the index once instead of twice."""
    # Counted by owner (never null here), not by id: the id is not in the index, and reading
    # it would visit the table for every open lead.
    counts = (
        Lead.objects.open()
        .owned_by(rep)
        .aggregate(
            open=Count("owner"),
            ready=Count("owner", filter=Q(status=Lead.Status.READY)),
            working=Count("owner", filter=Q(status=Lead.Status.WORKING)),
            pending=Count("owner", filter=Q(sla_state=Lead.SlaState.PENDING)),
            breached=Count("owner", filter=Q(sla_state=Lead.SlaState.BREACHED)),
            today=Count("owner", filter=_today_q(now=now or timezone.now())),
        )
    )
    return {**counts, "pool": Lead.objects.in_pool().count()}


@dataclass(frozen=True)
class QueuePage:
    counts: dict[str, int]
    filters: LeadQueueFilter
    page: KeysetPage
    pool: list[Lead]


def queue_page(*, rep: User, request: HttpRequest) -> QueuePage:
    """The queue screen: counts, the filtered page of the rep's leads after the cursor, the pool."""
    filters = LeadQueueFilter(request.GET or None, queryset=rep_queue(rep=rep))
    page = keyset_page(filters.qs, request, keys=QUEUE_KEYS, page_size=PAGE_SIZE)
    return QueuePage(
        counts=queue_counts(rep=rep), filters=filters, page=page, pool=team_pool(limit=POOL_LIMIT)
    )


# A rep who loses a claim race asks within seconds; after this long the lead is not "just taken".
CLAIM_RACE_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class ClaimTarget:
    lead: Lead
    readable: bool  # the user may read it: its details may be shown


def claim_target(*, user: User, lead_id: int) -> ClaimTarget:
    """The lead a rep asks to claim: one their role reads (the pool, their own), or an open lead
    someone took from the pool in the last few minutes (the race they just lost: answered
    "someone else claimed it", without its details). Anything else is a 404, as on the lead page.
    """
    readable = _list_columns(Lead.objects.visible_to(user)).filter(pk=lead_id).first()
    if readable is not None:
        return ClaimTarget(lead=readable, readable=True)
    just_taken = (
        Lead.objects.open()
        .filter(pk=lead_id, assigned_at__gte=timezone.now() - CLAIM_RACE_WINDOW)
        .first()
    )
    if just_taken is None:
        raise Http404("No such lead.")
    return ClaimTarget(lead=just_taken, readable=False)


# --- Today: what the rep must do before the day ends --------------------------------------


# a demo request never waits for its step to come due (the condition of lead_rep_hand_raiser_idx)
_UNTOUCHED_HAND_RAISER = untouched_hand_raiser_q()


def _end_of_day(now: datetime) -> datetime:
    """Midnight ending the day `now` falls on, in the rep's own time zone."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _due_q(*, end_of_day: datetime) -> Q:
    """Leads with a step or callback due before the end of the rep's day, or overdue."""
    return Q(next_action_at__lt=end_of_day)


def _today_q(*, now: datetime) -> Q:
    """Due leads and untouched hand-raisers."""
    return _due_q(end_of_day=_end_of_day(now)) | _UNTOUCHED_HAND_RAISER


def today_count(*, rep: User, now: datetime) -> int:
    """How many of the rep's open leads need them today (the navigation's badge): one
    index-only read of the rep's range of lead_rep_day_idx, counting the rows that pass.
    (The same rule as a WHERE made PostgreSQL OR two bitmap scans and visit each due lead's
    table page: 7 ms instead of 2 for a rep with 8k open leads, on every page's badge.)"""
    mine = Lead.objects.open().owned_by(rep)
    # counting a column of the index (never null here), not the row, keeps the read index-only
    return mine.aggregate(n=Count("owner", filter=_today_q(now=now)))["n"]


@dataclass(frozen=True)
class TodayRow:
    lead: Lead
    steps: list[LeadPlayStep]  # open steps due today or overdue, soonest first
    hand_raiser: bool

    @property
    def due_at(self) -> datetime | None:
        return self.steps[0].due_at if self.steps else self.lead.sla_due_at


def today_list(*, rep: User, now: datetime, limit: int = TODAY_LIMIT) -> list[TodayRow]:
    """The rep's day in one list: untouched hand-raisers first (so the limit never cuts one
    off), then leads with due or overdue steps and callbacks, most urgent first. Two index
    reads, each in its index's order (lead_rep_day_idx), never a sort of the rep's open set;
    then the due steps of the listed leads (two queries whatever the count)."""
    end_of_day = _end_of_day(now)
    mine = _list_columns(Lead.objects.open().owned_by(rep))
    hand_raisers = list(mine.filter(_UNTOUCHED_HAND_RAISER).order_by("sla_due_at", "pk")[:limit])
    due = list(
        mine.filter(_due_q(end_of_day=end_of_day))
        .exclude(_UNTOUCHED_HAND_RAISER)
        .order_by("next_action_at", "pk")[: max(0, limit - len(hand_raisers))]
    )
    due_steps = LeadPlayStep.objects.filter(completed_at__isnull=True, due_at__lt=end_of_day)
    leads = hand_raisers + due
    prefetch_related_objects(
        leads, Prefetch("lead_play__steps", queryset=due_steps.order_by("due_at", "order"))
    )
    raised = {lead.pk for lead in hand_raisers}
    rows = []
    for lead in leads:
        lead_play = getattr(lead, "lead_play", None)
        steps = list(lead_play.steps.all()) if lead_play is not None else []
        rows.append(TodayRow(lead=lead, steps=steps, hand_raiser=lead.pk in raised))
    rows.sort(key=lambda row: (not row.hand_raiser, row.due_at or now))
    return rows


# --- The manager's team page -----------------------------------------------------------


def sales_team(*, limit: int = 200) -> list[User]:
    """Reps of the Sales group with their open and breached lead counts, by name."""
    open_leads = open_lead_q("leads__")
    return list(
        User.objects.filter(groups__name=Role.SALES, is_active=True)
        .annotate(
            open_count=Count("leads", filter=open_leads),
            breached_count=Count(
                "leads", filter=open_leads & Q(leads__sla_state=Lead.SlaState.BREACHED)
            ),
        )
        .order_by("first_name", "last_name", "username", "pk")[:limit]
    )


def team_breached(*, limit: int = LIST_LIMIT) -> list[Lead]:
    """The team's open leads whose first-response SLA was breached, longest breached first."""
    queryset = _list_columns(Lead.objects.open().filter(sla_state=Lead.SlaState.BREACHED))
    return list(queryset.order_by(F("sla_breached_at").asc(nulls_last=True), "pk")[:limit])


def team_counts() -> dict[str, int]:
    """The team's open leads, running and breached clocks, and the pool: one aggregate."""
    return Lead.objects.filter(_OPEN).aggregate(
        open=Count("pk"),
        pending=Count("pk", filter=Q(sla_state=Lead.SlaState.PENDING)),
        breached=Count("pk", filter=Q(sla_state=Lead.SlaState.BREACHED)),
        pool=Count("pk", filter=Q(owner__isnull=True, status=Lead.Status.READY)),
    )


def team_disputes(*, limit: int = LIST_LIMIT) -> list[Disqualification]:
    """Disqualifications marketing disputed, newest review first: the rep's and marketing's notes."""
    return list(
        Disqualification.objects.filter(review_status=Disqualification.Review.DISPUTED)
        .select_related("lead", "lead__owner", "rep", "reason", "reviewer")
        .order_by(F("reviewed_at").desc(nulls_last=True), "-pk")[:limit]
    )


@dataclass(frozen=True)
class TeamPage:
    counts: dict[str, int]
    reps: list[User]
    leads: KeysetPage
    breached: list[Lead]
    disputes: list[Disqualification]


def team_page(*, request: HttpRequest) -> TeamPage:
    """The manager's screen: counts, reps' load, the team's open leads page, breaches, disputes."""
    team_leads = _list_columns(Lead.objects.open())
    return TeamPage(
        counts=team_counts(),
        reps=sales_team(),
        leads=keyset_page(team_leads, request, keys=QUEUE_KEYS, page_size=PAGE_SIZE),
        breached=team_breached(),
        disputes=team_disputes(),
    )


def sales_rep(*, rep_id: int) -> User:
    """A member of the Sales team (for availability changes); 404 for anyone else."""
    rep: User = get_object_or_404(User.objects.filter(groups__name=Role.SALES), pk=rep_id)
    return rep


def team_lead(*, lead_id: int) -> Lead:
    """One lead as the team table shows it (managers read every lead)."""
    lead: Lead = get_object_or_404(_list_columns(Lead.objects.active()), pk=lead_id)
    return lead


# --- The lead page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Engagement:
    """One thing the buyer engaged with, and how much."""

    label: str
    kind: str
    count: int
    weight: int
    intent_note: str


@dataclass(frozen=True)
class StepView:
    """A play step as the rep works it: its script or email filled from the lead."""

    step: LeadPlayStep
    text: str  # the call script, or the email's body
    subject: str = ""  # email steps
    mailto: str = ""  # email steps: open in the rep's own mail client

    @property
    def is_email(self) -> bool:
        return self.step.channel == Channel.EMAIL


@dataclass(frozen=True)
class LeadPage:
    lead: Lead
    journey: list[Touchpoint]
    activities: list[Activity]
    events: list[LeadEvent]
    play_steps: list[LeadPlayStep]
    account_people: list[Lead]
    steps: list[StepView] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    reasons: list[DisqualificationReason] = field(default_factory=list)
    recycle_reasons: list[DisqualificationReason] = field(default_factory=list)
    plays: list[Play] = field(default_factory=list)
    engaged_most: list[Engagement] = field(default_factory=list)
    hand_raise: Touchpoint | None = None
    counts: dict[str, int] | None = None
    may_work: bool = False
    may_claim: bool = False
    customer: CustomerContext | None = None
    held: HeldPosition | None = None  # where a held lead stands in its pool's queue
    meetings: list[Meeting] = field(default_factory=list)  # booked by the buyer, newest first

    @property
    def is_open(self) -> bool:
        return self.lead.is_open

    @property
    def due_steps(self) -> int:
        return sum(1 for step in self.play_steps if step.completed_at is None)


def _step_view(step: LeadPlayStep, lead: Lead, values: dict[str, str]) -> StepView:
    text = play_services.render_template(step.template, values)
    if step.channel != Channel.EMAIL:
        return StepView(step=step, text=text)
    subject, body = play_services.split_email(text)
    subject = subject or step.title
    query = urlencode({"subject": subject, "body": body}, quote_via=quote)
    return StepView(
        step=step, text=body, subject=subject, mailto=f"mailto:{quote(lead.email)}?{query}"
    )


def _engagement(journey: list[Touchpoint]) -> tuple[list[Engagement], Touchpoint | None]:
    """What the buyer engaged with most (by asset weight, then touches), and the hand-raise."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    hand_raise = None
    for touch in journey:  # newest first
        asset = touch.asset
        if asset is not None and asset.hand_raiser and hand_raise is None:
            hand_raise = touch
        label = asset.name if asset else (touch.campaign.name if touch.campaign else "")
        label = label or touch.get_kind_display()
        entry = totals.setdefault(
            (label, touch.kind),
            {"count": 0, "weight": 0, "note": asset.intent_note if asset else ""},
        )
        entry["count"] += 1
        entry["weight"] += asset.engagement_weight if asset else 1
    ranked = sorted(totals.items(), key=lambda item: (-item[1]["weight"], -item[1]["count"]))
    engaged = [
        Engagement(
            label=label,
            kind=Touchpoint.Kind(kind).label if kind in Touchpoint.Kind.values else kind,
            count=entry["count"],
            weight=entry["weight"],
            intent_note=entry["note"],
        )
        for (label, kind), entry in ranked[:ENGAGED_MOST]
    ]
    return engaged, hand_raise


@dataclass(frozen=True)
class CustomerContext:
    """What Service knows about the customer an expansion or referral lead came from."""

    account: Account
    kind: str  # "expansion" or "referral"
    handed_by: User | None
    handoff_note: str
    health_since: datetime | None
    renewal: Renewal | None  # the next pending one
    voice_note: VoiceNote | None  # the latest


def _handoff_touch(lead: Lead, journey: list[Touchpoint]) -> Touchpoint | None:
    shown = next((t for t in journey if t.metadata.get("handoff")), None)
    if shown is not None:
        return shown
    return (
        lead.touchpoints.filter(metadata__has_key="handoff").order_by("-occurred_at", "-pk").first()
    )


def customer_context(*, lead: Lead, journey: list[Touchpoint]) -> CustomerContext | None:
    """The customer behind a lead Service handed to sales (its hand-off touch names the account
    and who handed it over): health, the next renewal, the latest voice-of-customer note and
    the service contact. None for any other lead. A handful of queries, only for such leads."""
    if lead.ready_reason != Lead.ReadyReason.SERVICE_HANDOFF and lead.source not in (
        Lead.Source.EXPANSION,
        Lead.Source.REFERRAL,
    ):
        return None
    touch = _handoff_touch(lead, journey)
    meta = touch.metadata if touch is not None else {}
    account_id = meta.get("from_account_id") or lead.account_id
    account = Account.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        return None
    handed_by = (
        User.objects.filter(username=meta["handed_by"]).first() if meta.get("handed_by") else None
    )
    latest_check = (
        HealthCheck.objects.filter(account=account)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    return CustomerContext(
        account=account,
        kind=str(meta.get("handoff") or lead.source),
        handed_by=handed_by,
        handoff_note=str(meta.get("note") or ""),
        health_since=latest_check,
        renewal=Renewal.objects.filter(account=account, outcome=Renewal.Outcome.PENDING)
        .order_by("due_on", "pk")
        .first(),
        voice_note=VoiceNote.objects.filter(account=account)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first(),
    )


def lead_page(*, user: User, lead_id: int) -> LeadPage:
    """Everything the lead page shows and the forms it offers, in a fixed number of queries."""
    lead = lead_for(user=user, lead_id=lead_id, related=("lead_play__play",))
    journey = list(
        lead.touchpoints.select_related("asset", "campaign").order_by("-occurred_at", "-pk")[
            :JOURNEY_LIMIT
        ]
    )
    activities = list(
        lead.activities.select_related("rep").order_by("-occurred_at", "-pk")[:JOURNEY_LIMIT]
    )
    # Reps read only their own attempt notes; managers, marketing and RevOps read all.
    all_notes = reads_all_attempt_notes(user)
    for activity in activities:
        activity.visible_note = activity.note if all_notes or activity.rep_id == user.pk else ""  # type: ignore[attr-defined]
    events = list(lead.events.select_related("actor").order_by("-at", "-pk")[:JOURNEY_LIMIT])
    lead_play = getattr(lead, "lead_play", None)
    play_steps = list(lead_play.steps.order_by("order")) if lead_play is not None else []
    people: list[Lead] = []
    if lead.account_id is not None:
        people = list(
            Lead.objects.visible_to(user)
            .active()
            .filter(account_id=lead.account_id)
            .exclude(pk=lead.pk)
            .select_related("owner")
            .only(*NAME_FIELDS, "buying_role", "title", "status", "owner")  # what the list shows
            .order_by("last_name", "first_name", "pk")[:LIST_LIMIT]
        )
    opportunities = list(lead.opportunities.order_by("-created_at", "-pk")[:LIST_LIMIT])
    # a booking writes a meeting touch: read the meetings only for a lead that has one
    booked = any(touch.kind == Touchpoint.Kind.MEETING for touch in journey)
    meetings = (
        list(lead.meetings.select_related("rep", "asset").order_by("-starts_at")[:LIST_LIMIT])
        if booked
        else []
    )
    may_work = lead.is_open and may_work_lead(user, lead)
    in_sales = has_role(user, Role.SALES, Role.SALES_MANAGER)
    reasons: list[DisqualificationReason] = []
    plays: list[Play] = []
    if may_work:
        reasons = list(feedback_selectors.active_reasons())
        plays = list(play_selectors.active_plays())
    engaged, hand_raise = _engagement(journey)
    # plays.engaged_asset_name()'s choice, read from the journey already loaded
    latest_asset = next((t.asset for t in journey if t.asset is not None), None)
    asset = hand_raise.asset if hand_raise else latest_asset
    values = play_services.merge_values(lead=lead, rep=user, asset=asset.name if asset else "")
    return LeadPage(
        lead=lead,
        journey=journey,
        activities=activities,
        events=events,
        play_steps=play_steps,
        account_people=people,
        steps=[_step_view(step, lead, values) for step in play_steps],
        opportunities=opportunities,
        reasons=[r for r in reasons if r.use != DisqualificationReason.Use.RECYCLE],
        recycle_reasons=[r for r in reasons if r.use != DisqualificationReason.Use.DISQUALIFY],
        plays=plays,
        engaged_most=engaged,
        hand_raise=hand_raise,
        counts=queue_counts(rep=user) if in_sales else None,
        may_work=may_work,
        may_claim=in_sales and lead.owner_id is None and lead.status == Lead.Status.READY,
        customer=customer_context(lead=lead, journey=journey),
        held=held.held_position(lead=lead),  # queries only for a held lead
        meetings=meetings,
    )


# --- The lead API's detail -------------------------------------------------------------


def lead_detail(*, user: User, lead_id: int) -> Lead:
    """The lead with its journey, play and steps, attempts and events (newest first, bounded)."""
    lead = lead_for(user=user, lead_id=lead_id)
    lead.journey_items = list(  # type: ignore[attr-defined]
        lead.touchpoints.select_related("asset", "campaign").order_by("-occurred_at", "-pk")[
            :DETAIL_LIMIT
        ]
    )
    lead.attempt_items = list(  # type: ignore[attr-defined]
        lead.activities.select_related("rep").order_by("-occurred_at", "-pk")[:DETAIL_LIMIT]
    )
    lead.event_items = list(  # type: ignore[attr-defined]
        lead.events.select_related("actor").order_by("-at", "-pk")[:DETAIL_LIMIT]
    )
    lead_play: LeadPlay | None = LeadPlay.objects.filter(lead=lead).select_related("play").first()
    if lead_play is not None:
        lead_play.step_list = list(lead_play.steps.order_by("order"))  # type: ignore[attr-defined]
    lead.play_item = lead_play  # type: ignore[attr-defined]
    return lead
