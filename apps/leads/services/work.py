"""Qualification and the rep's work on a lead."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.errors import InvalidTransition, NotAllowed
from apps.core.queue import enqueue_on_commit
from apps.leads import events
from apps.leads.models import OPEN_STATUSES, Activity, Lead
from apps.scoring import services as scoring
from apps.scoring.models import QualificationAgreement
from apps.users.models import Role, User
from apps.users.roles import has_role


def mark_ready(
    *,
    lead: Lead,
    agreement: QualificationAgreement,
    reason: str,
    actor: User | None,
    now: datetime,
    details: dict[str, object] | None = None,
) -> None:
    """Nurture → ready under `agreement`; routing follows after commit. Caller holds the lead lock."""
    from apps.routing import tasks as routing_tasks

    old = lead.status
    lead.status = Lead.Status.READY
    lead.ready_at = now
    lead.ready_agreement = agreement
    lead.ready_reason = reason
    lead.pooled_at = None
    lead.save(
        update_fields=[
            "status",
            "ready_at",
            "ready_agreement",
            "ready_reason",
            "pooled_at",
            "updated_at",
        ]
    )
    events.status_changed_event(
        lead=lead,
        old=old,
        new=Lead.Status.READY,
        actor=actor,
        reason=f"conversation-ready ({reason}) under agreement v{agreement.version}",
        payload={
            "agreement_version": agreement.version,
            "agreement_id": agreement.pk,
            "score": lead.score,
            **(details or {}),
        },
    )
    enqueue_on_commit(routing_tasks.route_lead_task, lead.pk)


def may_work_lead(user: User, lead: Lead) -> bool:
    """Whether the user may work (attempt, convert, disqualify, ...) this lead: its owner in Sales,
    or any Sales manager. The one rule the services, the lead page and the API share."""
    if has_role(user, Role.SALES_MANAGER):
        return True
    return has_role(user, Role.SALES) and lead.owner_id == user.pk


@transaction.atomic(durable=True)
def log_attempt(
    *,
    lead_id: int,
    rep: User,
    channel: str,
    outcome: str,
    note: str = "",
    at: datetime | None = None,
) -> Activity:
    """Record a contact attempt. The first one sets first_response_at and settles the SLA."""
    now = timezone.now()
    at = at or now
    if at > now:
        raise InvalidTransition("An attempt cannot be logged in the future.", field="at")
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if not may_work_lead(rep, lead):
        raise NotAllowed("You can only log attempts on your own leads.")
    if lead.status not in OPEN_STATUSES:
        raise InvalidTransition(
            f"This lead is {lead.get_status_display().lower()}; attempts are closed.", field="lead"
        )
    activity = Activity.objects.create(
        lead=lead, rep=rep, channel=channel, outcome=outcome, note=note, occurred_at=at
    )
    lead.attempt_count += 1
    fields = ["attempt_count", "updated_at"]
    events.attempt_logged_event(
        lead=lead, activity_id=activity.pk, channel=channel, outcome=outcome, actor=rep
    )
    _settle_first_response(
        lead=lead, actor=rep, at=at, fields=fields, reason="first response logged"
    )
    if lead.status == Lead.Status.READY:
        if lead.owner_id is None:
            raise InvalidTransition("Claim the lead from the pool before working it.", field="lead")
        lead.status = Lead.Status.WORKING
        fields.append("status")
        events.status_changed_event(
            lead=lead,
            old=Lead.Status.READY,
            new=Lead.Status.WORKING,
            actor=rep,
            reason="first attempt logged",
        )
    lead.save(update_fields=fields)
    return activity


def rescore_open_leads(*, batch: int = 500) -> int:
    """Nightly: re-decay engagement of every nurture lead and qualify any that crossed the line."""
    count = 0
    ids = list(
        Lead.objects.filter(status=Lead.Status.NURTURE, is_archived=False).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), batch):
        for lead_id in ids[start : start + batch]:
            _rescore_one(lead_id=lead_id)
            count += 1
    return count


@transaction.atomic(durable=True)
def _rescore_one(*, lead_id: int) -> None:
    now = timezone.now()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("account").get(pk=lead_id)
    agreement = QualificationAgreement.objects.in_force(now)
    change = scoring.rescore_lead(lead=lead, agreement=agreement, now=now)
    if change.band_changed:
        events.score_band_changed_event(
            lead=lead,
            old_band=scoring.score_band(change.old_score),
            new_band=scoring.score_band(change.new_score),
            old_score=change.old_score,
            new_score=change.new_score,
        )
    reason = scoring.ready_reason(lead=lead, agreement=agreement, hand_raiser=False)
    if reason and agreement is not None:
        mark_ready(lead=lead, agreement=agreement, reason=reason, actor=None, now=now)


def _open_lead_for_work(*, lead_id: int, user: User) -> Lead:
    """Lock an open lead the user may work (own lead for Sales, any for Sales managers)."""
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if not may_work_lead(user, lead):
        raise NotAllowed("You can only work your own leads.")
    if lead.status not in OPEN_STATUSES or lead.is_archived:
        raise InvalidTransition(
            f"This lead is {lead.get_status_display().lower()}; it is no longer open.", field="lead"
        )
    return lead


def _settle_first_response(
    *, lead: Lead, actor: User, at: datetime, fields: list[str], reason: str
) -> None:
    """The lead's first answer: set first_response_at and settle a pending clock met or breached.

    Caller holds the lead lock and saves `fields`. A no-op once the lead has been answered.
    """
    if lead.first_response_at is not None:
        return
    lead.first_response_at = at
    fields.append("first_response_at")
    if lead.sla_state != Lead.SlaState.PENDING:
        return
    met = lead.sla_due_at is not None and at <= lead.sla_due_at
    lead.sla_state = Lead.SlaState.MET if met else Lead.SlaState.BREACHED
    fields.append("sla_state")
    if not met:
        lead.sla_breached_at = lead.sla_due_at
        lead.breached_owner_id = lead.owner_id
        fields += ["sla_breached_at", "breached_owner"]
    events.sla_changed_event(
        lead=lead,
        old=Lead.SlaState.PENDING,
        new=lead.sla_state,
        actor=actor,
        reason=reason,
        payload={"first_response_at": at.isoformat()},
    )


def _set_status(
    *, lead: Lead, new: str, actor: User | None, reason: str, fields: list[str]
) -> None:
    old = lead.status
    lead.status = new
    fields.append("status")
    events.status_changed_event(lead=lead, old=old, new=new, actor=actor, reason=reason)


@transaction.atomic(durable=True)
def recycle_lead(*, lead_id: int, actor: User, note: str = "") -> Lead:
    """Hand an open lead back to marketing's nurture; the owner and any running clock are cleared."""
    lead = _open_lead_for_work(lead_id=lead_id, user=actor)
    old_owner = lead.owner
    fields = ["owner", "assigned_at", "updated_at"]
    if lead.sla_state == Lead.SlaState.PENDING:
        lead.sla_state = Lead.SlaState.NONE
        fields.append("sla_state")
        events.sla_changed_event(
            lead=lead,
            old=Lead.SlaState.PENDING,
            new="",
            actor=actor,
            reason="clock stopped: recycled to nurture",
        )
    lead.owner = None
    lead.assigned_at = None
    _set_status(
        lead=lead,
        new=Lead.Status.NURTURE,
        actor=actor,
        reason=note or "recycled to nurture",
        fields=fields,
    )
    lead.save(update_fields=fields)
    events.lead_assigned_event(
        lead=lead, old_owner=old_owner, new_owner=None, actor=actor, reason="recycled to nurture"
    )
    return lead


@transaction.atomic(durable=True)
def complete_play_step(*, step_id: int, actor: User) -> object:
    """Tick off one of the play's due steps on a lead the user may work."""
    from apps.plays.models import LeadPlayStep

    step = LeadPlayStep.objects.select_related("lead_play").get(pk=step_id)
    lead = _open_lead_for_work(lead_id=step.lead_play.lead_id, user=actor)
    if step.completed_at is None:
        LeadPlayStep.objects.filter(pk=step.pk, completed_at__isnull=True).update(
            completed_at=timezone.now(), completed_by=actor
        )
        step.refresh_from_db()
        events.play_step_completed_event(lead=lead, step_title=step.title, actor=actor)
    return step


@transaction.atomic(durable=True)
def switch_play(*, lead_id: int, play_id: int, actor: User, reason: str) -> object:
    """Replace the lead's play; the steps are laid out again from now. A reason is required."""
    from apps.plays.models import Play
    from apps.plays.services import attach_play

    if not reason.strip():
        raise InvalidTransition("Say why you are switching plays.", field="reason")
    lead = _open_lead_for_work(lead_id=lead_id, user=actor)
    play = Play.objects.filter(pk=play_id, is_active=True).first()
    if play is None:
        raise InvalidTransition("Choose an active play.", field="play")
    return attach_play(lead=lead, now=timezone.now(), actor=actor, play=play, reason=reason.strip())


@transaction.atomic(durable=True)
def convert_lead(
    *,
    lead_id: int,
    actor: User,
    name: str,
    amount: object,
    expected_close: object = None,
) -> object:
    """Open an opportunity for the lead's account and mark the lead converted."""
    from decimal import Decimal, InvalidOperation

    from apps.opportunities.models import Opportunity

    now = timezone.now()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidTransition("Enter the amount as a number.", field="amount") from exc
    if value < 0 or value > Decimal("999999999999"):
        raise InvalidTransition("The amount must be between 0 and 999,999,999,999.", field="amount")
    if not name.strip():
        raise InvalidTransition("Name the opportunity.", field="name")
    lead = _open_lead_for_work(lead_id=lead_id, user=actor)
    if lead.account_id is None:
        raise InvalidTransition(
            "This lead has no company account (free-mail address); link it to an account first.",
            field="account",
        )
    origin = {
        Lead.Source.EXPANSION: Opportunity.Origin.SERVICE,
        Lead.Source.OUTBOUND: Opportunity.Origin.SALES,
    }.get(lead.source, Opportunity.Origin.MARKETING)
    if lead.ready_reason == "service_handoff":
        origin = Opportunity.Origin.SERVICE
    opportunity = Opportunity.objects.create(
        account_id=lead.account_id,
        primary_lead=lead,
        owner=lead.owner or actor,
        name=name.strip()[:200],
        amount=value,
        expected_close=expected_close,
        created_at=now,
        origin=origin,
        type=Opportunity.Type.EXPANSION
        if lead.source == Lead.Source.EXPANSION
        else Opportunity.Type.NEW,
    )
    fields = ["converted_at", "updated_at"]
    lead.converted_at = now
    _settle_first_response(
        lead=lead, actor=actor, at=now, fields=fields, reason="settled by a decision on the lead"
    )
    _set_status(
        lead=lead,
        new=Lead.Status.CONVERTED,
        actor=actor,
        reason=f"opportunity {opportunity.pk} opened",
        fields=fields,
    )
    lead.save(update_fields=fields)
    return opportunity


@transaction.atomic(durable=True)
def disqualify_lead(*, lead_id: int, actor: User, reason_id: int, note: str = "") -> object:
    """Close the lead with a reason whose rules are met; marketing gets an open review item."""
    from apps.core.errors import AttemptsRequired
    from apps.feedback.models import Disqualification, DisqualificationReason

    now = timezone.now()
    reason = DisqualificationReason.objects.filter(pk=reason_id, is_active=True).first()
    if reason is None:
        raise InvalidTransition("Choose a disqualification reason from the list.", field="reason")
    lead = _open_lead_for_work(lead_id=lead_id, user=actor)
    if lead.attempt_count < reason.min_attempts:
        raise AttemptsRequired(
            f"“{reason.label}” needs at least {reason.min_attempts} contact attempts; "
            f"{lead.attempt_count} logged so far.",
            field="reason",
        )
    if reason.note_required and not note.strip():
        raise InvalidTransition(f"“{reason.label}” needs a note for marketing.", field="note")
    disqualification = Disqualification.objects.create(
        lead=lead,
        rep=actor,
        reason=reason,
        note=note.strip(),
        attempts_at_time=lead.attempt_count,
        at=now,
    )
    fields = ["disqualified_at", "updated_at"]
    lead.disqualified_at = now
    _settle_first_response(
        lead=lead, actor=actor, at=now, fields=fields, reason="settled by a decision on the lead"
    )
    _set_status(
        lead=lead,
        new=Lead.Status.DISQUALIFIED,
        actor=actor,
        reason=f"disqualified: {reason.label}",
        fields=fields,
    )
    lead.save(update_fields=fields)
    return disqualification
