"""Use cases on the lead alone: attempts, recycling, details, and the helpers other apps' lead
actions build on (who may work a lead, the lock on an open lead, the first-response settlement).

Actions that create another record live with that record's app and call down into these:
convert in opportunities, disqualify in feedback, play steps in plays, readiness in scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.core.errors import InvalidTransition, NotAllowed
from apps.leads import engagement, events, facts
from apps.leads.models import Activity, BuyingRole, CampaignMember, Lead
from apps.users.models import Role, User
from apps.users.roles import has_role


def may_work_lead(user: User, lead: Lead) -> bool:
    """Whether the user may work (attempt, convert, disqualify, ...) this lead: its owner in Sales,
    or any Sales manager. The one rule the services, the lead page and the API share."""
    if has_role(user, Role.SALES_MANAGER):
        return True
    return has_role(user, Role.SALES) and lead.owner_id == user.pk


def lock_workable_lead(*, lead_id: int, user: User) -> Lead:
    """Lock an open lead the user may work (own lead for Sales, any for Sales managers).

    Caller is a service inside its transaction; refusals are NotAllowed or InvalidTransition.
    """
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if not may_work_lead(user, lead):
        raise NotAllowed("You can only work your own leads.")
    if not lead.is_open:
        raise InvalidTransition(
            f"This lead is {lead.get_status_display().lower()}; it is no longer open.", field="lead"
        )
    return lead


def settle_first_response(
    *, lead: Lead, actor: User, at: datetime, fields: list[str], reason: str
) -> None:
    """The lead's first answer: set first_response_at and settle a pending clock met or breached.

    Caller holds the lead lock and saves `fields`. A no-op once the lead has been answered.
    """
    if lead.first_response_at is not None:
        return
    lead.first_response_at = at
    fields.append("first_response_at")
    facts.lead_changed(lead, with_response=True)
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


def change_status(
    *, lead: Lead, new: str, actor: User | None, reason: str, fields: list[str]
) -> None:
    """Set the lead's status and record the change. Caller holds the lead lock and saves `fields`."""
    old = lead.status
    lead.status = new
    fields.append("status")
    events.status_changed_event(lead=lead, old=old, new=new, actor=actor, reason=reason)


# Clocks disagree by a little; an attempt "in the future" by more than this is a mistake.
ATTEMPT_CLOCK_SKEW = timedelta(minutes=5)


def check_attempt_time(*, lead: Lead, at: datetime, now: datetime) -> None:
    """An attempt happened after the lead was assigned (else it cannot answer the SLA) and not
    more than ATTEMPT_CLOCK_SKEW in the future. Refusals name `at`."""
    if at > now + ATTEMPT_CLOCK_SKEW:
        raise InvalidTransition(
            "An attempt cannot be logged more than 5 minutes in the future.", field="at"
        )
    since = lead.assigned_at or lead.ready_at
    if since is not None and at < since:
        raise InvalidTransition(
            f"An attempt cannot be dated before the lead was assigned "
            f"({since.isoformat(timespec='minutes')}).",
            field="at",
        )


def record_attempt(
    *,
    lead: Lead,
    rep: User,
    channel: str,
    outcome: str,
    note: str = "",
    at: datetime,
    now: datetime,
) -> Activity:
    """Record a contact attempt on a locked lead: the rules every route shares (who may, an
    open lead, the time check), the Activity, its event, and the first-response settlement.

    Caller holds the lead lock inside its transaction (plays.services.log_attempt is the use
    case: the attempt also ticks the play's matching step)."""
    if not may_work_lead(rep, lead):
        raise NotAllowed("You can only log attempts on your own leads.")
    if not lead.is_open:
        raise InvalidTransition(
            f"This lead is {lead.get_status_display().lower()}; attempts are closed.", field="lead"
        )
    if lead.owner_id is None:
        raise InvalidTransition("Claim the lead from the pool before working it.", field="lead")
    check_attempt_time(lead=lead, at=at, now=now)
    activity = Activity.objects.create(
        lead=lead, rep=rep, channel=channel, outcome=outcome, note=note, occurred_at=at
    )
    lead.attempt_count += 1
    fields = ["attempt_count", "updated_at"]
    events.attempt_logged_event(
        lead=lead, activity_id=activity.pk, channel=channel, outcome=outcome, actor=rep
    )
    settle_first_response(
        lead=lead, actor=rep, at=at, fields=fields, reason="first response logged"
    )
    if lead.status == Lead.Status.READY:
        change_status(
            lead=lead,
            new=Lead.Status.WORKING,
            actor=rep,
            reason="first attempt logged",
            fields=fields,
        )
    lead.save(update_fields=fields)
    return activity


@transaction.atomic(durable=True)
def set_buying_role(*, lead_id: int, actor: User, role: str) -> Lead:
    """Set the lead's buying role by hand; title-based inference no longer overwrites it."""
    if role not in BuyingRole.values:
        raise InvalidTransition("Choose a buying role from the list.", field="role")
    lead: Lead = Lead.objects.select_for_update().get(pk=lead_id)
    if not may_work_lead(actor, lead):
        raise NotAllowed("You can only change your own leads.")
    if lead.buying_role == role and lead.buying_role_set_by_hand:
        return lead
    old = lead.buying_role
    engagement.roles_changed([(lead.pk, old, role)])
    lead.buying_role = role
    lead.buying_role_set_by_hand = True
    lead.save(update_fields=["buying_role", "buying_role_set_by_hand", "updated_at"])
    events.buying_role_changed_event(lead=lead, old=old, new=role, actor=actor)
    return lead


@transaction.atomic(durable=True)
def archive_leads(*, lead_ids: list[int], actor: User, reason: str = "archived in admin") -> int:
    """Archive the leads not archived yet, one LeadEvent each. Returns how many were archived.

    All or nothing: one transaction, leads locked in pk order; an already archived lead is
    skipped, so archiving twice writes no second event.
    """
    now = timezone.now()
    leads = list(
        Lead.objects.select_for_update().filter(pk__in=lead_ids, is_archived=False).order_by("pk")
    )
    for lead in leads:
        lead.is_archived = True
        lead.archived_at = now
        lead.save(update_fields=["is_archived", "archived_at", "updated_at"])
        events.lead_archived_event(lead=lead, actor=actor, reason=reason)
    return len(leads)


BULK_LIMIT = 500  # leads one bulk action on the lead list may touch


def bulk_ids(lead_ids: list[int], *, verb: str) -> list[int]:
    """The distinct ids of a bulk action, refused when none or more than BULK_LIMIT."""
    ids = sorted(set(lead_ids))
    if not ids:
        raise InvalidTransition(f"Tick the leads to {verb}.", field="ids")
    if len(ids) > BULK_LIMIT:
        raise InvalidTransition(
            f"{verb.capitalize()} at most {BULK_LIMIT} leads at once: narrow the filters.",
            field="ids",
        )
    return ids


@dataclass(frozen=True)
class BulkOutcome:
    done: int
    skipped: int


@transaction.atomic(durable=True)
def add_to_campaign(*, lead_ids: list[int], campaign_id: int, actor: User) -> BulkOutcome:
    """Enrol the leads in an active campaign, once each, with an event on each lead's history.
    Leads already in it, archived or unknown are skipped (counted). Adds to one campaign are
    serialised on its row, so two marketers adding the same leads write each member once."""
    if not has_role(actor, Role.MARKETING, Role.REVOPS):
        raise NotAllowed("Only Marketing or RevOps add leads to campaigns.")
    ids = bulk_ids(lead_ids, verb="add")
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None or not campaign.is_active:
        raise InvalidTransition("Choose an active campaign.", field="campaign")
    members = set(
        CampaignMember.objects.filter(campaign=campaign, lead_id__in=ids).values_list(
            "lead_id", flat=True
        )
    )
    leads = [
        lead
        for lead in Lead.objects.filter(pk__in=ids, is_archived=False).order_by("pk")
        if lead.pk not in members
    ]
    now = timezone.now()
    CampaignMember.objects.bulk_create(
        CampaignMember(campaign=campaign, lead=lead, added_at=now, added_by=actor) for lead in leads
    )
    events.added_to_campaign_events(leads=leads, campaign_name=campaign.name, actor=actor, at=now)
    return BulkOutcome(done=len(leads), skipped=len(ids) - len(leads))
