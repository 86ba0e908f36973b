"""A lead's play: the best match attached at handoff (its steps become due tasks), a rep's
switch to another play, and ticking off a step."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.errors import InvalidTransition
from apps.leads import events
from apps.leads.models import Lead, Touchpoint
from apps.leads.services import lock_workable_lead
from apps.plays.models import LeadPlay, LeadPlayStep, Play, PlayStep
from apps.users.models import User


def _matches(play: Play, lead: Lead, asset_ids: set[int], campaign_ids: set[int]) -> bool:
    wanted_assets = {a.pk for a in play.match_assets.all()}
    wanted_campaigns = {c.pk for c in play.match_campaigns.all()}
    if wanted_assets and not wanted_assets & asset_ids:
        return False
    if wanted_campaigns and not wanted_campaigns & campaign_ids:
        return False
    if play.min_score is not None and lead.score < play.min_score:
        return False
    if play.account_tier and (lead.account is None or lead.account.tier != play.account_tier):
        return False
    if play.buying_role and lead.buying_role != play.buying_role:
        return False
    return not (play.source and lead.source != play.source)


def best_play(*, lead: Lead, account_play: bool = False) -> tuple[Play | None, str]:
    """The highest-priority active play whose criteria all match, else the default play."""
    touched = Touchpoint.objects.filter(lead=lead).values_list("asset_id", "campaign_id")
    asset_ids = {a for a, _ in touched if a}
    campaign_ids = {c for _, c in touched if c}
    plays = (
        Play.objects.filter(is_active=True, is_default=False, is_account_play=account_play)
        .prefetch_related("match_assets", "match_campaigns")
        .order_by("-priority", "pk")
    )
    for play in plays:
        if _matches(play, lead, asset_ids, campaign_ids):
            return play, "matched criteria"
    default = Play.objects.filter(is_active=True, is_default=True).first()
    return default, "default play"


def attach_play(
    *,
    lead: Lead,
    now: datetime,
    actor: User | None,
    account_play: bool = False,
    play: Play | None = None,
    reason: str = "",
) -> LeadPlay | None:
    """Attach (or replace) the lead's play and lay out its steps. Caller holds the lead lock.

    The steps keep the play's spacing, anchored so that the first one is due when the SLA
    clock is (a night-time lead's first call is due the next working morning, like its SLA),
    or at `now` plus its offset when no clock runs."""
    why = reason
    if play is None:
        play, why = best_play(lead=lead, account_play=account_play)
    if play is None:
        return None
    steps = list(PlayStep.objects.filter(play=play).order_by("order"))
    old = LeadPlay.objects.filter(lead=lead).select_related("play").first()
    old_name = old.play.name if old else ""
    if old is not None:
        old.delete()  # the switch is recorded in the lead's events
    lead_play = LeadPlay.objects.create(
        lead=lead, play=play, attached_at=now, match_reason=why[:200]
    )
    anchor = now
    if steps and lead.sla_state == Lead.SlaState.PENDING and lead.sla_due_at is not None:
        anchor = lead.sla_due_at - timedelta(minutes=steps[0].due_offset_minutes)
    LeadPlayStep.objects.bulk_create(
        [
            LeadPlayStep(
                lead_play=lead_play,
                order=s.order,
                channel=s.channel,
                title=s.title,
                template=s.template,
                due_at=anchor + timedelta(minutes=s.due_offset_minutes),
            )
            for s in steps
        ]
    )
    refresh_next_action(lead=lead)
    events.play_attached_event(
        lead=lead, play_name=play.name, old=old_name, actor=actor, reason=why
    )
    return lead_play


@transaction.atomic(durable=True)
def switch_play(*, lead_id: int, play_id: int, actor: User, reason: str) -> LeadPlay | None:
    """Replace the lead's play; the steps are laid out again from now. A reason is required."""
    if not reason.strip():
        raise InvalidTransition("Say why you are switching plays.", field="reason")
    lead = lock_workable_lead(lead_id=lead_id, user=actor)
    play = Play.objects.filter(pk=play_id, is_active=True).first()
    if play is None:
        raise InvalidTransition("Choose an active play.", field="play")
    return attach_play(lead=lead, now=timezone.now(), actor=actor, play=play, reason=reason.strip())


def refresh_next_action(*, lead: Lead) -> None:
    """Store when the lead's next open step (or callback) is due: the working queue's order.
    Caller holds the lead lock."""
    due = (
        LeadPlayStep.objects.filter(lead_play__lead=lead, completed_at__isnull=True)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    if due != lead.next_action_at:
        Lead.objects.filter(pk=lead.pk).update(next_action_at=due)
        lead.next_action_at = due
