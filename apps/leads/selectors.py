"""Reads for the sales pages: each selector builds one screen and owns its joins."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint
from apps.plays.models import LeadPlayStep
from apps.users.models import Role, User
from apps.users.roles import roles_of

LIST_LIMIT = 50
JOURNEY_LIMIT = 100

_OPEN = Q(status__in=[Lead.Status.READY, Lead.Status.WORKING], is_archived=False)
_POOL = Q(status=Lead.Status.READY, owner__isnull=True, is_archived=False)
# Breached clocks first, then running ones, then settled: the rep works top-down.
_URGENCY = Case(
    When(sla_state=Lead.SlaState.BREACHED, then=Value(0)),
    When(sla_state=Lead.SlaState.PENDING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _list_columns(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    return queryset.select_related("account", "campaign", "owner")


def rep_queue(*, rep: User, limit: int = LIST_LIMIT) -> list[Lead]:
    """The rep's open leads, breached first, then by SLA due time and id."""
    queryset = _list_columns(Lead.objects.open().owned_by(rep)).annotate(urgency=_URGENCY)
    return list(queryset.order_by("urgency", F("sla_due_at").asc(nulls_last=True), "pk")[:limit])


def team_pool(*, limit: int = LIST_LIMIT) -> list[Lead]:
    """Ready leads no rep holds, oldest first (the order routing and claims follow)."""
    queryset = _list_columns(Lead.objects.in_pool())
    return list(queryset.order_by(F("ready_at").asc(nulls_last=True), "pk")[:limit])


def queue_counts(*, rep: User) -> dict[str, int]:
    """Counts for the queue's header: the rep's open leads by status and SLA state, and the pool."""
    mine = _OPEN & Q(owner=rep)
    return Lead.objects.filter(mine | _POOL).aggregate(
        open=Count("pk", filter=mine),
        ready=Count("pk", filter=mine & Q(status=Lead.Status.READY)),
        working=Count("pk", filter=mine & Q(status=Lead.Status.WORKING)),
        pending=Count("pk", filter=mine & Q(sla_state=Lead.SlaState.PENDING)),
        breached=Count("pk", filter=mine & Q(sla_state=Lead.SlaState.BREACHED)),
        pool=Count("pk", filter=_POOL),
    )


def sales_team(*, limit: int = 200) -> QuerySet[User]:
    """Reps of the Sales group with their open and breached lead counts, by name."""
    return (
        User.objects.filter(groups__name=Role.SALES, is_active=True)
        .annotate(
            open_count=Count(
                "leads", filter=Q(leads__status__in=["ready", "working"], leads__is_archived=False)
            ),
            breached_count=Count(
                "leads",
                filter=Q(
                    leads__status__in=["ready", "working"],
                    leads__is_archived=False,
                    leads__sla_state=Lead.SlaState.BREACHED,
                ),
            ),
        )
        .order_by("first_name", "last_name", "username", "pk")[:limit]
    )


def team_breached(*, limit: int = LIST_LIMIT) -> list[Lead]:
    """The team's open leads whose first-response SLA was breached, longest breached first."""
    queryset = _list_columns(Lead.objects.open().filter(sla_state=Lead.SlaState.BREACHED))
    return list(queryset.order_by(F("sla_breached_at").asc(nulls_last=True), "pk")[:limit])


@dataclass(frozen=True)
class LeadPage:
    lead: Lead
    journey: list[Touchpoint]
    activities: list[Activity]
    events: list[LeadEvent]
    play_steps: list[LeadPlayStep]
    account_people: list[Lead]


def lead_for(*, user: User, lead_id: int) -> Lead:
    """The lead if the user's roles may read it; 404 alike for missing and forbidden."""
    queryset = Lead.objects.visible_to(user).select_related(
        "account", "account__owner", "campaign", "owner", "lead_play__play"
    )
    lead: Lead = get_object_or_404(queryset, pk=lead_id)
    return lead


def _reads_all_attempt_notes(user: User) -> bool:
    return bool(roles_of(user) & {Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS})


def lead_page(*, user: User, lead_id: int) -> LeadPage:
    """Everything the read-only lead page shows, in a fixed number of queries."""
    lead = lead_for(user=user, lead_id=lead_id)
    journey = list(
        lead.touchpoints.select_related("asset", "campaign").order_by("-occurred_at", "-pk")[
            :JOURNEY_LIMIT
        ]
    )
    activities = list(
        lead.activities.select_related("rep").order_by("-occurred_at", "-pk")[:JOURNEY_LIMIT]
    )
    # Reps read only their own attempt notes; managers, marketing and RevOps read all.
    all_notes = _reads_all_attempt_notes(user)
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
            .order_by("last_name", "first_name", "pk")[:LIST_LIMIT]
        )
    return LeadPage(
        lead=lead,
        journey=journey,
        activities=activities,
        events=events,
        play_steps=play_steps,
        account_people=people,
    )
