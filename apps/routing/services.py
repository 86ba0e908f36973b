"""Routing of ready leads to exactly one rep, and the speed-to-lead SLA clock.

Lock order everywhere: the lead row first, then rep (user) rows in pk order. Ownership is
taken with a guarded UPDATE (`... WHERE owner IS NULL`), which means the same on SQLite,
where SELECT FOR UPDATE is a no-op and IMMEDIATE transactions serialise writers instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from apps.core.errors import Conflict, InvalidTransition, NotAllowed
from apps.core.queue import enqueue_on_commit
from apps.leads import events
from apps.leads.models import Lead, Touchpoint
from apps.leads.querysets import open_lead_q
from apps.meetings import availability
from apps.meetings.models import Meeting
from apps.meetings.services import follow_lead
from apps.notifications.models import Notification
from apps.notifications.services import managers, notify
from apps.plays.services import attach_play
from apps.routing.business_hours import add_working_minutes, working_minutes_between
from apps.routing.models import Holiday, PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import DEFAULT_HOLD_EXPIRY_HOURS, QualificationAgreement
from apps.scoring.services import enter_ready
from apps.users.models import Role, User
from apps.users.roles import has_role

logger = logging.getLogger(__name__)

# Timers farther out than this are left to the sweep: an ETA beyond the broker's visibility
# timeout (1 h on Redis) would be redelivered in a loop.
SLA_TIMER_HORIZON = timedelta(minutes=50)
DEFAULT_FIRST_RESPONSE_MINUTES = 5


def active_policy() -> SlaPolicy | None:
    return SlaPolicy.objects.filter(is_active=True).prefetch_related("holidays").first()


def sla_holidays(start: date, end: date) -> set[date]:
    """The active SLA calendar's holidays from `start` to `end` (inclusive)."""
    return set(
        Holiday.objects.filter(policy__is_active=True, date__gte=start, date__lte=end).values_list(
            "date", flat=True
        )
    )


def sla_working_minutes(start: datetime, end: datetime) -> float:
    """Working minutes from start to end in the active SLA calendar (plain minutes without
    business hours): what a lead's response time is measured in (apps.leads.facts)."""
    # not active_policy(): its holidays prefetch is a query even without business hours, and
    # working_minutes_between reads the holidays itself only when they count
    policy = SlaPolicy.objects.filter(is_active=True).first()
    return working_minutes_between(start=start, end=end, policy=policy)


def _csv(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def rule_matches(rule: RoutingRule, lead: Lead) -> bool:
    """Every criterion the rule sets must hold; empty criteria match anything."""
    account = lead.account
    country = (lead.country or (account.country if account else "")).lower()
    if rule.countries and country not in _csv(rule.countries):
        return False
    if rule.industries and (
        account is None or account.industry.lower() not in _csv(rule.industries)
    ):
        return False
    employees = account.employees if account else None
    if rule.min_employees is not None and (employees is None or employees < rule.min_employees):
        return False
    if rule.max_employees is not None and (employees is None or employees > rule.max_employees):
        return False
    if rule.tier and (account is None or account.tier != rule.tier):
        return False
    return not (rule.sources and lead.source.lower() not in _csv(rule.sources))


def first_matching_rule(lead: Lead) -> RoutingRule | None:
    for rule in RoutingRule.objects.filter(is_active=True).order_by("order", "pk"):
        if rule_matches(rule, lead):
            return rule
    return None


def _lock_reps(rep_ids: set[int]) -> dict[int, User]:
    """Lock candidate reps in pk order (the one lock order that cannot deadlock)."""
    if not rep_ids:
        return {}
    reps = User.objects.filter(pk__in=rep_ids).order_by("pk").select_for_update()
    return {rep.pk: rep for rep in reps}


def _open_counts(rep_ids: set[int]) -> dict[int, int]:
    rows = (
        Lead.objects.filter(open_lead_q(), owner_id__in=rep_ids)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {row["owner_id"]: row["n"] for row in rows}


def _can_take(rep: User | None, counts: dict[int, int]) -> bool:
    return bool(rep and rep.is_active and rep.is_available and counts.get(rep.pk, 0) < rep.capacity)


def _booked_counts(rep_ids: set[int], *, now: datetime) -> dict[int, int]:
    """Upcoming booked meetings per rep: each counts as one more lead in the round-robin."""
    rows = (
        Meeting.objects.filter(rep_id__in=rep_ids, status=Meeting.Status.BOOKED, starts_at__gt=now)
        .values("rep_id")
        .annotate(n=Count("id"))
    )
    return {row["rep_id"]: row["n"] for row in rows}


def books_at_hand_raise(lead: Lead) -> bool:
    """Whether the lead raised its hand on a form that offers booking (its latest touch with an
    asset is such a hand-raise): routing then prefers reps with a free slot."""
    latest = (
        Touchpoint.objects.filter(lead=lead, asset__isnull=False)
        .order_by("-occurred_at", "-pk")
        .values_list("asset__offers_booking", "asset__hand_raiser")
        .first()
    )
    return bool(latest and latest[0] and latest[1])


def _with_free_slot(reps: dict[int, User], *, now: datetime) -> set[int]:
    """The candidates with a free slot in the booking window; all of them when none has one
    (the buyer is then told sales will call, and routing goes on as usual)."""
    free = availability.has_free_slot(reps.values(), now=now)
    return free or set(reps)


def _choose_rep(
    *, lead: Lead, exclude: set[int] | None = None, avoid: int | None = None
) -> tuple[User | None, str]:
    """Account owner first, else weighted round-robin in the first matching rule's pool.
    `avoid` (the rep whose disqualification was disputed) gets the lead only when no one else
    can take it.

    Caller holds the lead lock. Locks every candidate rep (pk order) so that capacity and the
    round-robin counters are read and written by one routing at a time.
    """
    exclude = exclude or set()
    owner_id = lead.account.owner_id if lead.account_id and lead.account else None
    rule = first_matching_rule(lead)
    member_ids = (
        set(PoolMember.objects.filter(rule=rule).values_list("rep_id", flat=True))
        if rule
        else set()
    )
    candidate_ids = (member_ids | ({owner_id} if owner_id else set())) - exclude
    reps = _lock_reps(candidate_ids)
    # Read the round-robin counters only now, under the rep locks: a routing that waited for
    # the locks must see the counters the previous one wrote, or everyone picks the same rep.
    members = list(PoolMember.objects.filter(rule=rule).order_by("rep_id")) if rule else []
    counts = _open_counts(set(reps))
    now = timezone.now()
    able = {pk: rep for pk, rep in reps.items() if _can_take(rep, counts)}
    if able and books_at_hand_raise(lead):
        able = {pk: able[pk] for pk in _with_free_slot(able, now=now)}
    eligible = [m for m in members if m.rep_id in able]
    others = [m for m in eligible if m.rep_id != avoid]
    owner_can = owner_id in able
    if owner_can and (owner_id != avoid or not others):
        return reps[owner_id], "account owner"
    if rule is None:
        return None, "no routing rule matches"
    if not eligible:
        return None, f"nobody in {rule.name} can take it"
    if others:
        eligible = others  # another rep looks at a disputed disqualification
    # Weighted round-robin: the member furthest below their weighted share goes next; an
    # upcoming booked meeting counts as one more lead.
    booked = _booked_counts({m.rep_id for m in eligible}, now=now)
    chosen = min(
        eligible,
        key=lambda m: (
            (m.assigned + booked.get(m.rep_id, 0) + 1) / reps[m.rep_id].routing_weight,
            m.assigned,
            m.rep_id,
        ),
    )
    PoolMember.objects.filter(pk=chosen.pk).update(assigned=F("assigned") + 1)
    return reps[chosen.rep_id], f"routing rule: {rule.name}"


def _start_clock(*, lead: Lead, now: datetime) -> datetime:
    policy = active_policy()
    if policy is None:
        return now + timedelta(minutes=DEFAULT_FIRST_RESPONSE_MINUTES)
    return add_working_minutes(start=now, minutes=policy.first_response_minutes, policy=policy)


def _assign(*, lead: Lead, rep: User, actor: User | None, reason: str, now: datetime) -> None:
    """Give a pooled/unrouted ready lead to `rep` and start its SLA clock. Caller holds the lead lock."""
    due = _start_clock(lead=lead, now=now)
    taken = Lead.objects.filter(pk=lead.pk, owner__isnull=True, status=Lead.Status.READY).update(
        owner=rep,
        assigned_at=now,
        sla_due_at=due,
        sla_state=Lead.SlaState.PENDING,
        assignment_version=F("assignment_version") + 1,
        pooled_at=None,
        updated_at=now,
    )
    if taken != 1:
        raise Conflict("Another rep took this lead a moment ago.", field="lead")
    old_state = lead.sla_state
    lead.refresh_from_db()
    events.lead_assigned_event(lead=lead, old_owner=None, new_owner=rep, actor=actor, reason=reason)
    events.sla_changed_event(
        lead=lead,
        old=old_state,
        new=Lead.SlaState.PENDING,
        actor=actor,
        reason="clock started",
        payload={"due_at": due.isoformat(), "owner_id": rep.pk},
    )
    attach_play(
        lead=lead, now=now, actor=actor, account_play=lead.ready_reason == Lead.ReadyReason.ACCOUNT
    )
    notify(
        recipients=[rep],
        kind=Notification.Kind.LEAD_ASSIGNED,
        title=f"New lead: {lead.display_name}",
        lead=lead,
        body=f"Respond by {timezone.localtime(due):%H:%M %Z} ({reason}).",
        team=Role.SALES,
    )
    _schedule_settle(lead=lead, now=now)


def _schedule_settle(*, lead: Lead, now: datetime) -> None:
    if lead.sla_due_at and lead.sla_due_at - now < SLA_TIMER_HORIZON:
        enqueue_on_commit(
            "routing.settle_sla", lead.pk, lead.assignment_version, eta=lead.sla_due_at
        )
    # Farther due times (nights, weekends) are settled by the sweep alone.


def _leave_in_pool(*, lead: Lead, reason: str, now: datetime) -> None:
    """Nobody can take it: it stays ready in the team pool and the managers hear once."""
    if lead.pooled_at is not None:
        return
    Lead.objects.filter(pk=lead.pk).update(pooled_at=now, updated_at=now)
    lead.pooled_at = now
    events.lead_assigned_event(lead=lead, old_owner=None, new_owner=None, actor=None, reason=reason)
    notify(
        recipients=managers(),
        kind=Notification.Kind.POOL_ALERT,
        title=f"No rep could take {lead.display_name}",
        lead=lead,
        body=f"The lead waits in the team pool: {reason}.",
        team=Role.SALES_MANAGER,
    )


@transaction.atomic(durable=True)
def route_lead(*, lead_id: int, actor: User | None = None, now: datetime | None = None) -> Lead:
    """Give a ready lead to exactly one rep and start its SLA clock. Safe to call twice."""
    now = now or timezone.now()
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.status != Lead.Status.READY or lead.owner_id is not None or lead.is_archived:
        return lead  # routed already: a duplicate task, a retry or the sweep
    avoid = events.disputed_from(lead) if lead.ready_reason == Lead.ReadyReason.DISPUTE else None
    rep, reason = _choose_rep(lead=lead, avoid=avoid)
    if rep is None:
        _leave_in_pool(lead=lead, reason=reason, now=now)
        return lead
    _assign(lead=lead, rep=rep, actor=actor, reason=reason, now=now)
    return lead


@transaction.atomic(durable=True)
def claim_lead(*, lead_id: int, rep: User, now: datetime | None = None) -> Lead:
    """A rep takes a lead from the team pool. The loser of a race gets a polite Conflict."""
    now = now or timezone.now()
    if not has_role(rep, Role.SALES, Role.SALES_MANAGER):
        raise NotAllowed("Only sales reps can claim leads.")
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.owner_id == rep.pk:
        return lead
    if lead.owner_id is not None or lead.status != Lead.Status.READY or lead.is_archived:
        raise Conflict("Someone else claimed this lead a moment ago.", field="lead")
    _lock_reps({rep.pk})
    _assign(lead=lead, rep=rep, actor=rep, reason="claimed from the pool", now=now)
    return lead


@transaction.atomic(durable=True)
def reassign_lead(
    *, lead_id: int, to_rep: User, actor: User, reason: str = "", now: datetime | None = None
) -> Lead:
    """A manager (or RevOps) moves an open lead to another rep. A breach stays on the record."""
    now = now or timezone.now()
    if not has_role(actor, Role.SALES_MANAGER, Role.REVOPS):
        raise NotAllowed("Only a sales manager or RevOps can reassign leads.")
    if not has_role(to_rep, Role.SALES, Role.SALES_MANAGER) or not to_rep.is_active:
        raise InvalidTransition("Leads can only go to an active sales rep.", field="to_rep")
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if not lead.is_open:
        raise InvalidTransition("Only ready or working leads can be reassigned.", field="lead")
    if lead.owner_id == to_rep.pk:
        return lead
    _lock_reps({to_rep.pk} | ({lead.owner_id} if lead.owner_id else set()))
    if lead.owner_id is None:
        _assign(
            lead=lead, rep=to_rep, actor=actor, reason=reason or "reassigned by manager", now=now
        )
        return lead
    _move(lead=lead, to_rep=to_rep, actor=actor, reason=reason or "reassigned by manager", now=now)
    return lead


def _move(*, lead: Lead, to_rep: User, actor: User | None, reason: str, now: datetime) -> None:
    """Move an owned lead to another rep. A pending clock restarts for the new rep."""
    old_owner = lead.owner
    changes: dict[str, object] = {
        "owner": to_rep,
        "assigned_at": now,
        "assignment_version": F("assignment_version") + 1,
        "updated_at": now,
    }
    restart = lead.sla_state == Lead.SlaState.PENDING
    if restart:
        changes["sla_due_at"] = _start_clock(lead=lead, now=now)
    moved = Lead.objects.filter(pk=lead.pk, owner_id=lead.owner_id).update(**changes)
    if moved != 1:
        raise Conflict("The lead changed hands a moment ago.", field="lead")
    lead.refresh_from_db()
    events.lead_assigned_event(
        lead=lead, old_owner=old_owner, new_owner=to_rep, actor=actor, reason=reason
    )
    follow_lead(lead=lead, old_rep_id=old_owner.pk if old_owner else None, new_rep=to_rep, now=now)
    if restart:
        events.sla_changed_event(
            lead=lead,
            old=Lead.SlaState.PENDING,
            new=Lead.SlaState.PENDING,
            actor=actor,
            reason="clock restarted for new owner",
            payload={"due_at": lead.sla_due_at.isoformat()},
        )
        _schedule_settle(lead=lead, now=now)
    notify(
        recipients=[to_rep],
        kind=Notification.Kind.LEAD_REASSIGNED,
        title=f"Lead reassigned to you: {lead.display_name}",
        lead=lead,
        body=reason,
        team=Role.SALES,
    )


def settle_sla(
    *, lead_id: int, assignment_version: int | None = None, now: datetime | None = None
) -> Lead | None:
    """Record a breach at due time, then escalate and reassign per policy. Safe to call any time.

    Returns early when the lead was reassigned since the timer was set (stale version), when
    the clock is no longer running, or when the due time is still ahead (early delivery).
    """
    # a `with` block, not the decorator: mutmut skips decorated functions (.ci/mutation.py)
    with transaction.atomic(durable=True):
        now = now or timezone.now()
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            return None
        if assignment_version is not None and lead.assignment_version != assignment_version:
            return lead
        if lead.first_response_at is not None or lead.sla_due_at is None or lead.is_archived:
            return lead
        if lead.sla_state == Lead.SlaState.PENDING:
            if now <= lead.sla_due_at:  # in time up to the due instant, as an answer is
                return lead
            Lead.objects.filter(pk=lead.pk, sla_state=Lead.SlaState.PENDING).update(
                sla_state=Lead.SlaState.BREACHED,
                sla_breached_at=lead.sla_due_at,
                breached_owner_id=lead.owner_id,
                updated_at=now,
            )
            lead.refresh_from_db()
            events.sla_changed_event(
                lead=lead,
                old=Lead.SlaState.PENDING,
                new=Lead.SlaState.BREACHED,
                actor=None,
                reason="no first response by due time",
                payload={"due_at": lead.sla_due_at.isoformat(), "owner_id": lead.owner_id},
            )
        if lead.sla_state != Lead.SlaState.BREACHED or lead.status != Lead.Status.READY:
            return lead
        policy = active_policy()
        if policy is None:
            return lead
        if lead.escalated_at is None and now >= lead.sla_due_at + timedelta(
            minutes=policy.escalate_after_minutes
        ):
            Lead.objects.filter(pk=lead.pk).update(escalated_at=now, updated_at=now)
            lead.escalated_at = now
            events.sla_changed_event(
                lead=lead,
                old=Lead.SlaState.BREACHED,
                new=Lead.SlaState.BREACHED,
                actor=None,
                reason="escalated to sales managers",
                payload={"owner_id": lead.owner_id},
            )
            owner = lead.owner.display_name if lead.owner else "nobody"
            notify(
                recipients=managers(),
                kind=Notification.Kind.SLA_ESCALATION,
                title=f"SLA breached: {lead.display_name}",
                lead=lead,
                body=f"Held by {owner}, due {timezone.localtime(lead.sla_due_at):%H:%M %Z}, still unanswered.",
                team=Role.SALES_MANAGER,
            )
        if lead.sla_reassigned_at is None and now >= lead.sla_due_at + timedelta(
            minutes=policy.reassign_after_minutes
        ):
            rep, why = _choose_rep(lead=lead, exclude={lead.owner_id} if lead.owner_id else set())
            if rep is not None:
                Lead.objects.filter(pk=lead.pk).update(sla_reassigned_at=now)  # _move reloads
                _move(
                    lead=lead, to_rep=rep, actor=None, reason=f"SLA reassignment ({why})", now=now
                )
        return lead


# --- The throttle: the held queue ------------------------------------------------------------
#
# Under an agreement with `hold_when_full`, a lead ready on score whose pool has no room (no
# member below capacity, and no account owner with room) waits in the held queue: status
# "held", no owner, no clock, not yet a sales-ready lead (its ready event is written when it is
# released). Its pool is the first routing rule it matches, read again whenever it is needed,
# so a rule change re-sorts the queue. Release order: best score, then the longest held.
#
# Every change that frees a slot (an open lead closed, converted, disqualified, recycled,
# archived or moved; a rep back in office; capacity raised) asks for RELEASE_HELD_TASK after
# commit, and so does every hold (a slot freed while the hold committed is seen by the task
# that runs after both). The sweep releases anything a lost task missed and expires leads held
# longer than the agreement allows. Each release locks the lead, then the pool's reps, and moves
# held -> ready -> assigned in one transaction, guarded by the held status: no lead is released
# twice, and a pass stops at a pool only when that pool has no room.

RELEASE_HELD_TASK = "routing.release_held"
HELD = "held: its pool is at capacity"
RELEASED = "released from the held queue: a rep has room"
UNTHROTTLED = "released from the held queue: the agreement no longer throttles"
HELD_TOO_LONG = "held too long"
HELD_QUEUE_FULL = "held queue full"


def _active_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(is_active=True).order_by("order", "pk"))


def pool_id_of(lead: Lead, rules: list[RoutingRule]) -> int | None:
    """The lead's pool: the first active rule it matches (as first_matching_rule, rules read once)."""
    return next((rule.pk for rule in rules if rule_matches(rule, lead)), None)


def held_queue(rules: list[RoutingRule] | None = None) -> list[tuple[int | None, Lead]]:
    """(pool id, lead) for every held lead, in release order (two queries; one with `rules`,
    the active rules the caller already read)."""
    rules = _active_rules() if rules is None else rules
    return [
        (pool_id_of(lead, rules), lead) for lead in Lead.objects.held().select_related("account")
    ]


def _has_room(*, lead: Lead, pool_id: int) -> bool:
    """Whether someone could take the lead now (a read, without the rep locks routing takes):
    its account owner or a member of its pool, active, in office and below capacity."""
    rep_ids = set(PoolMember.objects.filter(rule_id=pool_id).values_list("rep_id", flat=True))
    if lead.account_id and lead.account and lead.account.owner_id:
        rep_ids.add(lead.account.owner_id)
    counts = _open_counts(rep_ids)
    return any(_can_take(rep, counts) for rep in User.objects.filter(pk__in=rep_ids))


def hold_if_full(*, lead: Lead, agreement: QualificationAgreement, now: datetime) -> bool:
    """scoring.mark_ready's hold check (plugged in at start-up): hold the lead when its pool is
    at capacity, within the agreement's ceiling; at the ceiling, either recycle the bottom of the
    queue (the new lead included, if it ranks last) or leave the lead to ordinary routing.
    Caller holds the lead lock."""
    rules = _active_rules()
    pool_id = pool_id_of(lead, rules)
    if pool_id is None or agreement.hold_ceiling == 0 or _has_room(lead=lead, pool_id=pool_id):
        return False
    queue = [held for pool, held in held_queue(rules) if pool == pool_id]
    if len(queue) >= agreement.hold_ceiling and not agreement.recycle_when_full:
        return False
    old = lead.status
    lead.status = Lead.Status.HELD
    lead.held_at = now
    lead.ready_agreement = agreement
    lead.ready_reason = Lead.ReadyReason.SCORE
    lead.pooled_at = None
    lead.save(
        update_fields=[
            "status",
            "held_at",
            "ready_agreement",
            "ready_reason",
            "pooled_at",
            "updated_at",
        ]
    )
    events.status_changed_event(
        lead=lead,
        old=old,
        new=Lead.Status.HELD,
        actor=None,
        reason=f"{HELD} (agreement v{agreement.version})",
        payload={"agreement_version": agreement.version, "pool_id": pool_id, "score": lead.score},
    )
    if len(queue) >= agreement.hold_ceiling:
        # the queue is over its ceiling by one: its lowest-priority lead makes room
        bottom = max([*queue, lead], key=lambda held: (-held.score, held.held_at, held.pk))
        _send_back(lead_id=bottom.pk, reason=HELD_QUEUE_FULL, now=now)
        if bottom.pk == lead.pk:  # the new lead ranks last: it goes back at once
            lead.refresh_from_db(fields=["status", "held_at", "held_returned_at", "ready_reason"])
    enqueue_on_commit(RELEASE_HELD_TASK)
    return True


def _send_back(*, lead_id: int, reason: str, now: datetime) -> bool:
    """Held -> nurture with `reason` (the queue was full, or it waited too long); False if the
    lead is no longer held. Caller is in a transaction."""
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead_id)
    if lead.status != Lead.Status.HELD:
        return False
    held_hours = round((now - lead.held_at).total_seconds() / 3600, 1) if lead.held_at else None
    lead.status = Lead.Status.NURTURE
    lead.held_at = None
    lead.held_returned_at = now
    lead.ready_reason = ""
    lead.save(update_fields=["status", "held_at", "held_returned_at", "ready_reason", "updated_at"])
    events.status_changed_event(
        lead=lead,
        old=Lead.Status.HELD,
        new=Lead.Status.NURTURE,
        actor=None,
        reason=reason,
        payload={"held_hours": held_hours},
    )
    return True


@transaction.atomic(durable=True)
def release_lead(*, lead_id: int, now: datetime | None = None, throttling: bool = True) -> str:
    """Route one held lead if its pool has room: held -> ready -> assigned in this transaction.
    "released", "full" (nobody can take it: it stays held) or "gone" (no longer held). With
    `throttling` off (the agreement stopped holding), it is routed as any ready lead is, to the
    team pool if nobody has room."""
    now = now or timezone.now()
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("account", "ready_agreement")
        .get(pk=lead_id)
    )
    if lead.status != Lead.Status.HELD or lead.is_archived:
        return "gone"
    rep, why = _choose_rep(lead=lead)
    if rep is None and throttling:
        return "full"
    agreement = lead.ready_agreement or QualificationAgreement.objects.in_force(now)
    if agreement is None:
        return "full"  # no agreement was ever signed: nothing can make it ready
    enter_ready(
        lead=lead,
        agreement=agreement,
        reason=Lead.ReadyReason.SCORE,
        actor=None,
        now=now,
        event_reason=RELEASED if throttling else UNTHROTTLED,
        details={"held_at": lead.held_at.isoformat() if lead.held_at else None},
    )
    if rep is None:
        _leave_in_pool(lead=lead, reason=why, now=now)
    else:
        _assign(lead=lead, rep=rep, actor=None, reason=f"{RELEASED} ({why})", now=now)
    return "released"


def release_held(*, now: datetime | None = None, limit: int = 200) -> int:
    """Release held leads, best first, while their pools have room; every held lead when the
    agreement in force no longer throttles. Each release commits on its own. How many left."""
    agreement = QualificationAgreement.objects.in_force(now)
    throttling = agreement is not None and agreement.hold_when_full
    full: set[int | None] = set()
    released = 0
    for pool_id, lead in held_queue():
        if released >= limit:
            break
        if pool_id in full:
            continue  # this pool had no room a moment ago: its lower leads wait too
        outcome = release_lead(lead_id=lead.pk, now=now, throttling=throttling)
        if outcome == "full":
            full.add(pool_id)
        released += outcome == "released"
    return released


def expire_held(*, now: datetime | None = None) -> int:
    """Send leads held longer than the agreement in force allows back to nurture ("held too
    long", which marketing reads in its review loop). How many."""
    now = now or timezone.now()
    agreement = QualificationAgreement.objects.in_force(now)
    hours = agreement.hold_expiry_hours if agreement else DEFAULT_HOLD_EXPIRY_HOURS
    expired = 0
    overdue = Lead.objects.held().filter(held_at__lte=now - timedelta(hours=hours))
    for lead_id in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic(durable=True):
            expired += _send_back(lead_id=lead_id, reason=HELD_TOO_LONG, now=now)
    return expired


@dataclass
class SweepResult:
    routed: int = 0
    settled: int = 0
    followed_up: int = 0
    released: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)


def unrouted_lead_ids(*, limit: int) -> list[int]:
    """Ready leads nobody holds, oldest first (partial index lead_pool_idx)."""
    return list(
        Lead.objects.in_pool().order_by("ready_at", "pk").values_list("pk", flat=True)[:limit]
    )


def overdue_lead_ids(*, now: datetime, limit: int) -> list[int]:
    return list(
        Lead.objects.overdue(now).order_by("sla_due_at").values_list("pk", flat=True)[:limit]
    )


def breached_follow_up_ids(*, now: datetime, limit: int) -> list[int]:
    """Breached, unanswered leads whose escalation or reassignment time has come."""
    policy = active_policy()
    if policy is None:
        return []
    due_escalation = Q(
        escalated_at__isnull=True,
        sla_due_at__lte=now - timedelta(minutes=policy.escalate_after_minutes),
    )
    due_reassign = Q(
        sla_reassigned_at__isnull=True,
        sla_due_at__lte=now - timedelta(minutes=policy.reassign_after_minutes),
    )
    return list(
        Lead.objects.filter(
            sla_state="breached", first_response_at__isnull=True, status="ready", is_archived=False
        )
        .filter(due_escalation | due_reassign)
        .order_by("sla_due_at")
        .values_list("pk", flat=True)[:limit]
    )


def _sweep_step(result: SweepResult, label: str, lead_id: int, step: Callable[[], object]) -> bool:
    """Run one idempotent step; False when the database is gone (end the pass, the next beat
    tick retries), True otherwise — one bad row must not stop the sweep."""
    try:
        step()
    except Exception as exc:
        result.errors.append(f"{label} {lead_id}: {exc}")
        if isinstance(exc, DatabaseError) and not connection.is_usable():
            logger.warning("sweep stopped: the database is unreachable (%s)", exc)
            connection.close()
            return False
        logger.exception("sweep could not %s lead %s", label, lead_id)
    return True


def sweep_sla(*, limit: int = 500, now: datetime | None = None) -> SweepResult:
    """One pass of the relay: route what is unrouted, settle overdue clocks, escalate/reassign.

    Every step is an idempotent, separately committed service call, so two sweeps running at
    once, a task that also fires, or a crash half-way through do no harm.
    """
    result = SweepResult()

    def route(lead_id: int) -> None:
        at = now or timezone.now()
        lead = route_lead(lead_id=lead_id, now=at)
        # counted only if this pass assigned it (not a worker or another sweep meanwhile)
        result.routed += int(lead.owner_id is not None and lead.assigned_at == at)

    def settle(lead_id: int) -> None:
        settle_sla(lead_id=lead_id, now=now)
        result.settled += 1

    def follow_up(lead_id: int) -> None:
        settle_sla(lead_id=lead_id, now=now)
        result.followed_up += 1

    for lead_id in unrouted_lead_ids(limit=limit):
        if not _sweep_step(result, "route", lead_id, lambda lead_id=lead_id: route(lead_id)):
            return result

    def release() -> None:
        result.expired += expire_held(now=now)
        result.released += release_held(now=now, limit=limit)

    if not _sweep_step(result, "release", 0, release):
        return result
    at = now or timezone.now()
    for lead_id in overdue_lead_ids(now=at, limit=limit):
        if not _sweep_step(result, "settle", lead_id, lambda lead_id=lead_id: settle(lead_id)):
            return result
    for lead_id in breached_follow_up_ids(now=at, limit=limit):
        if not _sweep_step(
            result, "follow-up", lead_id, lambda lead_id=lead_id: follow_up(lead_id)
        ):
            return result
    return result


@transaction.atomic(durable=True)
def set_rep_availability(*, rep_id: int, actor: User, available: bool) -> User:
    """A sales manager marks a rep in or out of office; routing skips reps who are out."""
    if not has_role(actor, Role.SALES_MANAGER):
        raise NotAllowed("Only a sales manager can change a rep's availability.")
    rep = User.objects.select_for_update().get(pk=rep_id)
    if not has_role(rep, Role.SALES, Role.SALES_MANAGER):
        raise InvalidTransition("Only sales reps have an availability.", field="rep")
    User.objects.filter(pk=rep.pk).update(is_available=available)
    rep.is_available = available
    if available:
        enqueue_on_commit(RELEASE_HELD_TASK)  # back in office: room for the held queue
    return rep
