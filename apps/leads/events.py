"""One function per kind of lead event. Services call these inside their transaction;
nothing else creates LeadEvents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone

from apps.core import pulse
from apps.core.queue import enqueue_on_commit
from apps.core.statements import InsertInto
from apps.leads import facts
from apps.leads.models import Lead, LeadEvent
from apps.leads.querysets import OPEN_STATUSES
from apps.users.models import User

_INSERT_EVENTS = InsertInto(LeadEvent)


def event_fields(
    *,
    lead: Lead,
    kind: str,
    actor: User | None,
    reason: str,
    old: Any = "",
    new: Any = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The field values of one event, truncated to fit: shared by the one-row writers below
    and by bulk writers (imports), which send no signals and write their events explicitly."""
    return {
        "lead": lead,
        "kind": str(kind),
        "actor": actor,
        "reason": reason[:300],
        "old_value": str(old if old is not None else "")[:200],
        "new_value": str(new if new is not None else "")[:200],
        "payload": payload or {},
        "at": at or timezone.now(),
    }


def _event(**kwargs: Any) -> LeadEvent:
    event = LeadEvent.objects.create(**event_fields(**kwargs))
    _keep_facts(event)
    owner_change = event.kind == LeadEvent.Kind.OWNER
    previous = event.payload.get("old_owner_id") if owner_change else None
    announce(
        leads=[event.lead],
        previous_owner_ids=[previous],
        # a lead leaving the pool changes it too (one entering it has no owner: see announce)
        pool=owner_change and previous is None,
    )
    if _frees_a_slot(event, previous_owner_id=previous):
        # routing's throttle (above this layer) releases the held queue into the room
        enqueue_on_commit(RELEASE_HELD_TASK)
    return event


RELEASE_HELD_TASK = "routing.release_held"


def _frees_a_slot(event: LeadEvent, *, previous_owner_id: int | None) -> bool:
    """Whether the event leaves a rep below capacity: an open lead closes (converted,
    disqualified, recycled) or is archived, or a lead moves away from its rep."""
    if event.kind == LeadEvent.Kind.STATUS:
        return event.old_value in OPEN_STATUSES and event.new_value not in OPEN_STATUSES
    if event.kind == LeadEvent.Kind.ARCHIVED:
        return event.lead.status in OPEN_STATUSES
    return event.kind == LeadEvent.Kind.OWNER and previous_owner_id is not None


# the kinds that move a mirrored fact: the lead's times, its owner, clock, attempts or archiving
MIRRORING_KINDS = frozenset(
    {
        LeadEvent.Kind.CREATED,
        LeadEvent.Kind.STATUS,
        LeadEvent.Kind.OWNER,
        LeadEvent.Kind.SLA,
        LeadEvent.Kind.ATTEMPT,
        LeadEvent.Kind.ARCHIVED,
    }
)


def _keep_facts(event: LeadEvent) -> None:
    """The facts the event moves (apps.leads.facts): a new lead, a status, owner, clock or
    attempt change mirrors the lead's columns; becoming ready again re-times an earlier answer,
    and enters the lead into the quarter's cohort (its first ready event in the quarter); a
    status change the lead flow counts is recorded as a move. (A campaign touch may be the
    first: touchpoint_added_event, which knows the touch's campaign, says so.)"""
    if event.kind not in MIRRORING_KINDS:
        return
    became_ready = event.kind == LeadEvent.Kind.STATUS and event.new_value == Lead.Status.READY
    facts.lead_changed(
        event.lead, with_response=became_ready, archived=event.kind == LeadEvent.Kind.ARCHIVED
    )
    if became_ready:
        facts.entered_cohort(lead_id=event.lead_id, on=event.at.astimezone(UTC).date())
    if event.kind == LeadEvent.Kind.STATUS:
        facts.status_moved(event)


def announce(
    *, leads: Iterable[Lead], previous_owner_ids: Iterable[int | None] = (), pool: bool = False
) -> None:
    """Tell the open pages of everyone who sees these leads (their owners, a previous owner,
    the team pool) to refresh once the change commits (apps.core.pulse)."""
    owner_ids = [lead.owner_id for lead in leads]
    pulse.changed(
        user_ids=[*owner_ids, *previous_owner_ids],
        pool=pool or any(owner_id is None for owner_id in owner_ids),
    )


def new_lead_events(
    *,
    lead: Lead,
    actor: User | None,
    reason: str,
    at: datetime,
    touchpoint_id: int,
    campaign_id: int | None,
    kind: str,
    asset: str,
    band: str,
) -> None:
    """A new lead's first events in one write: created, its first touchpoint (as
    touchpoint_added_event writes one) and its first score band (as score_band_changed_event),
    then the facts they move, as those do."""
    _INSERT_EVENTS.save(
        [
            LeadEvent(
                **event_fields(
                    lead=lead,
                    kind=LeadEvent.Kind.CREATED,
                    actor=actor,
                    reason=reason,
                    new=lead.email,
                    at=at,
                )
            ),
            LeadEvent(
                **event_fields(
                    **_touch(lead=lead, touchpoint_id=touchpoint_id, kind=kind, asset=asset),
                    actor=actor,
                )
            ),
            LeadEvent(**event_fields(**_band(lead=lead, old=("", 0), new=(band, lead.score)))),
        ]
    )
    facts.lead_changed(lead)  # the created event's facts row
    if campaign_id is not None:
        facts.touches_added([lead.pk], ever_ready=lead.ready_at is not None, new_leads=True)
    announce(leads=[lead])


def touchpoint_added_event(
    *,
    lead: Lead,
    touchpoint_id: int,
    campaign_id: int | None,
    kind: str,
    asset: str,
    actor: User | None,
) -> LeadEvent:
    """A touchpoint was written; a campaign touch may be the lead's first campaign touch, so
    its source campaign is re-read (a touch without a campaign changes no fact)."""
    if campaign_id is not None:
        facts.touches_added([lead.pk], ever_ready=lead.ready_at is not None)
    return _event(
        **_touch(lead=lead, touchpoint_id=touchpoint_id, kind=kind, asset=asset), actor=actor
    )


def _touch(*, lead: Lead, touchpoint_id: int, kind: str, asset: str) -> dict[str, Any]:
    """A touchpoint event's fields but its actor."""
    return {
        "lead": lead,
        "kind": LeadEvent.Kind.TOUCHPOINT,
        "reason": "intake",
        "new": kind,
        "payload": {"touchpoint": touchpoint_id, "asset": asset},
    }


def _band(*, lead: Lead, old: tuple[str, int], new: tuple[str, int]) -> dict[str, Any]:
    """A score band event's fields: (band, score) before and after."""
    return {
        "lead": lead,
        "kind": LeadEvent.Kind.SCORE,
        "actor": None,
        "reason": "rescored",
        "old": old[0],
        "new": new[0],
        "payload": {"old_score": old[1], "new_score": new[1]},
    }


def status_changed_event(
    *,
    lead: Lead,
    old: str,
    new: str,
    actor: User | None,
    reason: str,
    payload: dict[str, Any] | None = None,
) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.STATUS,
        actor=actor,
        reason=reason,
        old=old,
        new=new,
        payload=payload,
    )


# The reason on the owner event of a disputed disqualification: the rep it names in
# old_owner_id disqualified the lead, so a dispute re-routing it as ready avoids that rep.
DISPUTED = "disqualification disputed"


def disputed_from(lead: Lead) -> int | None:
    """The rep whose disqualification of the lead was last disputed (their owner event), or
    None."""
    rep_id = (
        LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.OWNER, reason=DISPUTED)
        .order_by("-at", "-pk")
        .values_list("payload__old_owner_id", flat=True)
        .first()
    )
    return int(rep_id) if rep_id is not None else None


def lead_assigned_event(
    *, lead: Lead, old_owner: User | None, new_owner: User | None, actor: User | None, reason: str
) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.OWNER,
        actor=actor,
        reason=reason,
        old=old_owner.username if old_owner else "",
        new=new_owner.username if new_owner else "pool",
        payload={
            "old_owner_id": old_owner.pk if old_owner else None,
            "new_owner_id": new_owner.pk if new_owner else None,
            "assignment_version": lead.assignment_version,
        },
    )


def score_band_changed_event(
    *, lead: Lead, old_band: str, new_band: str, old_score: int, new_score: int
) -> LeadEvent:
    return _event(**_band(lead=lead, old=(old_band, old_score), new=(new_band, new_score)))


def sla_changed_event(
    *,
    lead: Lead,
    old: str,
    new: str,
    actor: User | None,
    reason: str,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.SLA,
        actor=actor,
        reason=reason,
        old=old,
        new=new,
        payload=payload,
        at=at,
    )


def play_attached_event(
    *, lead: Lead, play_name: str, old: str, actor: User | None, reason: str
) -> LeadEvent:
    return _event(
        lead=lead, kind=LeadEvent.Kind.PLAY, actor=actor, reason=reason, old=old, new=play_name
    )


def attempt_logged_event(
    *, lead: Lead, activity_id: int, channel: str, outcome: str, actor: User
) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.ATTEMPT,
        actor=actor,
        reason="attempt logged",
        new=outcome,
        payload={"activity": activity_id, "channel": channel},
    )


def reengage_event(*, lead: Lead, due_on: date, reason: str) -> LeadEvent:
    """A recycled lead's re-engage day came (marketing set it when recycling)."""
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.REENGAGE,
        actor=None,
        reason=reason,
        new=due_on.isoformat(),
    )


def added_to_campaign_events(
    *, leads: Iterable[Lead], campaign_name: str, actor: User, at: datetime
) -> None:
    """The leads were enrolled in a campaign (one bulk write: the kind moves no fact, no queue)."""
    LeadEvent.objects.bulk_create(
        LeadEvent(
            **event_fields(
                lead=lead,
                kind=LeadEvent.Kind.CAMPAIGN,
                actor=actor,
                reason="added to a campaign from the lead list",
                new=campaign_name,
                at=at,
            )
        )
        for lead in leads
    )


def lead_archived_event(*, lead: Lead, actor: User | None, reason: str) -> LeadEvent:
    return _event(
        lead=lead, kind=LeadEvent.Kind.ARCHIVED, actor=actor, reason=reason, new="archived"
    )


def play_step_completed_event(*, lead: Lead, step_title: str, actor: User) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.STEP_DONE,
        actor=actor,
        reason="play step completed",
        new=step_title,
    )


def play_step_added_event(
    *, lead: Lead, step_title: str, due_at: datetime, actor: User
) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.STEP_ADDED,
        actor=actor,
        reason="step added",
        new=step_title,
        payload={"due_at": due_at.isoformat()},
    )


def buying_role_changed_event(*, lead: Lead, old: str, new: str, actor: User) -> LeadEvent:
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.FIELD,
        actor=actor,
        reason="buying role set by hand",
        old=old,
        new=new,
        payload={"field": "buying_role"},
    )


def lead_details_changed_event(
    *, lead: Lead, changes: dict[str, tuple[object, object]], actor: User | None, reason: str
) -> LeadEvent:
    """Details edited outside a workflow (e.g. in the admin): old and new value per field."""
    return _event(
        lead=lead,
        kind=LeadEvent.Kind.FIELD,
        actor=actor,
        reason=reason,
        old=", ".join(f"{name}={old}" for name, (old, _) in changes.items()),
        new=", ".join(f"{name}={new}" for name, (_, new) in changes.items()),
        payload={"fields": {name: [str(old), str(new)] for name, (old, new) in changes.items()}},
    )
