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
    *, lead: Lead, agreement: QualificationAgreement, reason: str, actor: User | None, now: datetime
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
        },
    )
    enqueue_on_commit(routing_tasks.route_lead_task, lead.pk)


def _may_work(user: User, lead: Lead) -> bool:
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
    if not _may_work(rep, lead):
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
    if lead.first_response_at is None:
        lead.first_response_at = at
        fields.append("first_response_at")
        if lead.sla_state == Lead.SlaState.PENDING:
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
                actor=rep,
                reason="first response logged",
                payload={"first_response_at": at.isoformat()},
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
    lead = Lead.objects.select_for_update().select_related("account").get(pk=lead_id)
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
