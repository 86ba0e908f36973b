"""The conversation-ready decision under the signed agreement: the lead rules (hand-raiser,
score threshold), the account rule (the buying group engaged), and the nightly rescoring.

Marking a lead ready hands it to routing by task name after commit ("routing.route_lead"):
routing sits above scoring, so scoring asks for the work instead of importing it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.queue import enqueue_on_commit
from apps.leads import events
from apps.leads.models import NAME_FIELDS, BuyingRole, Lead, Touchpoint
from apps.scoring.models import QualificationAgreement
from apps.scoring.services.scores import (
    NOT_ENGAGEMENT,
    account_meets_rule,
    rescore_lead,
    score_band,
)
from apps.users.models import User

ROUTE_LEAD_TASK = "routing.route_lead"

ROLE_RANK = Case(
    When(buying_role=BuyingRole.DECISION_MAKER, then=Value(0)),
    When(buying_role=BuyingRole.CHAMPION, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def ready_reason(*, lead: Lead, agreement: QualificationAgreement | None, hand_raiser: bool) -> str:
    """Why the agreement in force makes this nurture lead ready now ('' if it does not). A
    held lead (ready on score, waiting for room) that raises its hand is ready at once; a lead
    the held queue sent back is ready on score again only after a touch newer than that."""
    if agreement is None or lead.status not in (Lead.Status.NURTURE, Lead.Status.HELD):
        return ""
    if hand_raiser and agreement.hand_raiser_ready:
        return Lead.ReadyReason.HAND_RAISER
    if lead.status != Lead.Status.NURTURE or lead.score < agreement.score_threshold:
        return ""
    sent_back = lead.held_returned_at
    if sent_back and not (lead.last_touch_at and lead.last_touch_at > sent_back):
        return ""  # the held queue sent it back: a rescore alone does not make it ready again
    return Lead.ReadyReason.SCORE


class HoldCheck(Protocol):
    def __call__(self, *, lead: Lead, agreement: QualificationAgreement, now: datetime) -> bool:
        """Hold the lead (nurture → held) when its pool has no room; say whether it did."""
        ...


def _never_hold(*, lead: Lead, agreement: QualificationAgreement, now: datetime) -> bool:
    return False


# Capacity is routing's (a layer above): it plugs its throttle in at start-up
# (RoutingConfig.ready -> use_hold_check), as it plugs the SLA calendar into the facts.
_hold_if_full: HoldCheck = _never_hold


def use_hold_check(check: HoldCheck) -> None:
    """Install the throttle (routing does, once, at start-up)."""
    global _hold_if_full  # noqa: PLW0603 - the one plug point, set once at start-up
    _hold_if_full = check


def mark_ready(
    *,
    lead: Lead,
    agreement: QualificationAgreement,
    reason: str,
    actor: User | None,
    now: datetime,
    details: dict[str, object] | None = None,
) -> None:
    """Nurture → ready under `agreement`; routing follows after commit. Caller holds the lead lock.

    A lead ready on score waits in the held queue instead when the agreement throttles and its
    pool is at capacity (routing's hold check); hand-raisers and account hand-offs never wait."""
    if (
        reason == Lead.ReadyReason.SCORE
        and agreement.hold_when_full
        and _hold_if_full(lead=lead, agreement=agreement, now=now)
    ):
        return
    enter_ready(
        lead=lead,
        agreement=agreement,
        reason=reason,
        actor=actor,
        now=now,
        event_reason=f"conversation-ready ({reason}) under agreement v{agreement.version}",
        details=details,
    )
    enqueue_on_commit(ROUTE_LEAD_TASK, lead.pk)


def enter_ready(
    *,
    lead: Lead,
    agreement: QualificationAgreement,
    reason: str,
    actor: User | None,
    now: datetime,
    event_reason: str,
    details: dict[str, object] | None = None,
) -> None:
    """The lead becomes ready now (from nurture, or from the held queue when routing releases
    it): a new hand-off with a new clock, and its status event. Caller holds the lead lock and
    routes it (mark_ready enqueues the routing; a release assigns in its own transaction)."""
    old = lead.status
    lead.status = Lead.Status.READY
    lead.ready_at = now
    lead.ready_agreement = agreement
    lead.ready_reason = reason
    lead.pooled_at = None
    lead.held_at = None
    # A new hand-off starts a new clock: an answer and a clock of an earlier time in the queue
    # (a recycled lead raising its hand again) stay in the lead's history, not on its row.
    lead.first_response_at = None
    lead.sla_state = Lead.SlaState.NONE
    lead.sla_due_at = None
    lead.escalated_at = None
    lead.sla_reassigned_at = None
    lead.save(
        update_fields=[
            "status",
            "ready_at",
            "ready_agreement",
            "ready_reason",
            "pooled_at",
            "held_at",
            "first_response_at",
            "sla_state",
            "sla_due_at",
            "escalated_at",
            "sla_reassigned_at",
            "updated_at",
        ]
    )
    events.status_changed_event(
        lead=lead,
        old=old,
        new=Lead.Status.READY,
        actor=actor,
        reason=event_reason,
        payload={
            "agreement_version": agreement.version,
            "agreement_id": agreement.pk,
            "score": lead.score,
            **(details or {}),
        },
    )


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
    change = rescore_lead(lead=lead, agreement=agreement, now=now)
    if change.band_changed:
        events.score_band_changed_event(
            lead=lead,
            old_band=score_band(change.old_score),
            new_band=score_band(change.new_score),
            old_score=change.old_score,
            new_score=change.new_score,
        )
    reason = ready_reason(lead=lead, agreement=agreement, hand_raiser=False)
    if reason and agreement is not None:
        mark_ready(lead=lead, agreement=agreement, reason=reason, actor=None, now=now)


# --- Account-level readiness: the buying group as a whole ------------------------------------


def best_contact_id(*, account_id: int) -> int | None:
    """The account's nurture lead to hand over: decision maker over champion over others, then score."""
    return (
        Lead.objects.filter(account_id=account_id, status=Lead.Status.NURTURE, is_archived=False)
        .annotate(role_rank=ROLE_RANK)
        .order_by("role_rank", "-score", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def engaged_people(*, account_id: int, since: datetime) -> list[dict[str, object]]:
    """Who engaged inside the window, where (asset or kind) and when: shown to the rep."""
    rows = (
        Touchpoint.objects.filter(
            account_id=account_id, occurred_at__gte=since, lead__is_archived=False
        )
        .exclude(NOT_ENGAGEMENT)
        .select_related("lead", "asset")
        # what the rows below read: a whole lead per touch was most of the account page's
        # recomputed readiness panel
        .only(
            "lead_id",
            "kind",
            "occurred_at",
            "asset__name",
            *(f"lead__{name}" for name in NAME_FIELDS),
            "lead__buying_role",
        )
        .order_by("-occurred_at")[:50]
    )
    return [
        {
            "lead_id": t.lead_id,
            "name": t.lead.display_name,
            "role": t.lead.buying_role,
            "what": t.asset.name if t.asset else t.get_kind_display(),
            "at": t.occurred_at.isoformat(),
        }
        for t in rows
    ]


@transaction.atomic(durable=True)
def qualify_account(*, account_id: int, now: datetime | None = None) -> Lead | None:
    """If the account meets the agreement's account rule and is not ready yet, mark it ready and
    make its best contact ready (routed to the account owner with the account play). Safe to repeat.

    Lock order: the candidate lead first, then the account (as intake does: lead, then account).
    """
    now = now or timezone.now()
    agreement = QualificationAgreement.objects.in_force(now)
    if agreement is None:
        return None
    candidate = best_contact_id(account_id=account_id)
    lead = Lead.objects.select_for_update().get(pk=candidate) if candidate else None
    account = Account.objects.select_for_update().get(pk=account_id)
    if account.is_conversation_ready or not account_meets_rule(
        account=account, agreement=agreement
    ):
        return None
    Account.objects.filter(pk=account.pk).update(
        is_conversation_ready=True, ready_since=now, updated_at=now
    )
    if lead is None or lead.status != Lead.Status.NURTURE:
        return None
    since = now - timedelta(days=agreement.account_window_days)
    mark_ready(
        lead=lead,
        agreement=agreement,
        reason=Lead.ReadyReason.ACCOUNT,
        actor=None,
        now=now,
        details={
            "account_id": account.pk,
            "roles_engaged": account.buying_roles_engaged,
            "account_score": account.engagement_score,
            "engaged": engaged_people(account_id=account.pk, since=since),
        },
    )
    return lead
