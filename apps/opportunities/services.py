"""Opportunities: converting a lead opens one; stage changes; a win makes the account a customer
and asks Service to open its renewal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.errors import InvalidTransition, NotAllowed
from apps.core.queue import enqueue_on_commit
from apps.leads import facts as lead_facts
from apps.leads.models import Lead, LeadFacts
from apps.leads.services import change_status, lock_workable_lead, settle_first_response
from apps.opportunities import attribution
from apps.opportunities.models import LOST_DETAILS_LENGTH, LostReason, Opportunity
from apps.users.models import Role, User
from apps.users.roles import has_role

CLOSED = (Opportunity.Stage.WON, Opportunity.Stage.LOST)
OPEN_RENEWAL_TASK = "service.open_renewal_for_win"
DEFAULT_TERM_MONTHS, MIN_TERM_MONTHS, MAX_TERM_MONTHS = 12, 1, 120
MAX_AMOUNT = Decimal("999999999999")


def source_campaign_of(lead_id: int | None) -> int | None:
    """The lead's source campaign (its first campaign touch), as its facts hold it: the value a
    deal with this primary lead copies. One query; None without a lead."""
    if lead_id is None:
        return None
    return (
        LeadFacts.objects.filter(lead_id=lead_id)
        .values_list("source_campaign_id", flat=True)
        .first()
    )


def copy_source_campaigns(lead_ids: list[int]) -> None:
    """The deals these leads are the primary lead of take the leads' source campaign again,
    after the lead facts re-read it (OpportunitiesConfig installs this into them): one UPDATE."""
    lead_facts.copy_facts(
        Opportunity.objects.filter(primary_lead_id__in=lead_ids),
        ("source_campaign_id",),
        lead="primary_lead_id",
    )


@transaction.atomic(durable=True)
def change_stage(
    *,
    opportunity_id: int,
    actor: User,
    stage: str,
    lost_reason_id: int | None = None,
    lost_details: str = "",
) -> Opportunity:
    """Move an open opportunity to another stage. Won and lost are final; lost needs a reason
    from the active list (`lost_reason_id`) and may carry `lost_details`. The reason and
    details are ignored for any other stage."""
    if stage not in Opportunity.Stage.values:
        raise InvalidTransition("Choose a stage from the list.", field="stage")
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    if not (
        has_role(actor, Role.SALES_MANAGER)
        or (has_role(actor, Role.SALES) and opportunity.owner_id == actor.pk)
    ):
        raise NotAllowed("You can only change your own opportunities.")
    if opportunity.stage in CLOSED:
        raise InvalidTransition(
            f"This opportunity is already {opportunity.get_stage_display().lower()}.", field="stage"
        )
    reason = _offered_reason(lost_reason_id) if stage == Opportunity.Stage.LOST else None
    now = timezone.now()
    opportunity.stage = stage
    fields = ["stage", "updated_at"]
    if stage in CLOSED:
        opportunity.closed_at = now
        fields.append("closed_at")
    if reason is not None:
        opportunity.lost_reason = reason
        opportunity.lost_details = lost_details.strip()[:LOST_DETAILS_LENGTH]
        fields += ["lost_reason", "lost_details"]
    opportunity.save(update_fields=fields)
    if stage == Opportunity.Stage.WON:
        lead_facts.won(lead_id=opportunity.primary_lead_id, amount=opportunity.amount)
        attribution.credit_deal(opportunity)
        _won_account(opportunity, now)
    return opportunity


def _won_account(opportunity: Opportunity, now: datetime) -> None:
    """A won deal's account becomes a customer (if it is not one) from the deal's close time
    (a win recorded later in the admin keeps the day it was won), and Service (a layer above)
    opens the deal's renewal once the win commits."""
    Account.objects.filter(pk=opportunity.account_id).exclude(
        lifecycle=Account.Lifecycle.CUSTOMER
    ).update(
        lifecycle=Account.Lifecycle.CUSTOMER,
        became_customer_at=opportunity.closed_at or now,
        updated_at=now,
    )
    enqueue_on_commit(OPEN_RENEWAL_TASK, opportunity.pk)


@transaction.atomic
def deal_corrected(
    opportunity: Opportunity, *, previous_lead_id: int | None, was_won: bool
) -> None:
    """RevOps corrected a deal by hand, or added one (the admin: stage, amount, close time,
    account, primary lead): what the services keep for a deal follows it, so the reports still
    agree with the deals. Its campaign credits are rewritten under every model (none unless it
    is won); the facts of its primary lead, and of the lead that was primary before, are
    restated from their deals (restate_deal_facts); and a deal won here makes its account a
    customer and opens its renewal, as a win in the pipeline does."""
    attribution.credit_deal(opportunity)
    restate_deal_facts([opportunity.primary_lead_id, previous_lead_id])
    if opportunity.stage == Opportunity.Stage.WON and not was_won:
        _won_account(opportunity, timezone.now())


def restate_deal_facts(lead_ids: Iterable[int | None]) -> None:
    """These leads' deal facts as their deals now stand: converted (the primary lead of any
    deal) and won amount (the sum of those won). One grouped read, then one write per lead."""
    ids = sorted({lead_id for lead_id in lead_ids if lead_id is not None})
    deals = {
        row["primary_lead_id"]: row["won"] or Decimal(0)
        for row in Opportunity.objects.filter(primary_lead_id__in=ids)
        .values("primary_lead_id")
        .annotate(won=Sum("amount", filter=Q(stage=Opportunity.Stage.WON)))
        .order_by()
    }
    for lead_id in ids:
        lead_facts.deals_restated(
            lead_id=lead_id, converted=lead_id in deals, won_amount=deals.get(lead_id, Decimal(0))
        )


def _offered_reason(reason_id: int | None) -> LostReason:
    """The active lost reason `reason_id`; refused (on `lost_reason`) if none is given, it is
    not on the list, or it is archived."""
    if reason_id is None:
        raise InvalidTransition("Say why the deal was lost: choose a reason.", field="lost_reason")
    reason = LostReason.objects.filter(pk=reason_id).first()
    if reason is None:
        raise InvalidTransition("Choose a lost reason from the list.", field="lost_reason")
    if not reason.is_active:
        raise InvalidTransition(
            f"“{reason.name}” is archived: choose a current lost reason.", field="lost_reason"
        )
    return reason


@transaction.atomic(durable=True)
def convert_lead(
    *,
    lead_id: int,
    actor: User,
    name: str,
    amount: object,
    expected_close: date | None = None,
    term_months: int = DEFAULT_TERM_MONTHS,
) -> Opportunity:
    """Open an opportunity for the lead's account and mark the lead converted. `term_months`
    (1–120) is the contract term the renewal of a win is due after."""
    now = timezone.now()
    if not MIN_TERM_MONTHS <= term_months <= MAX_TERM_MONTHS:
        raise InvalidTransition(
            f"The contract term must be {MIN_TERM_MONTHS} to {MAX_TERM_MONTHS} months.",
            field="term_months",
        )
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidTransition("Enter the amount as a number.", field="amount") from exc
    if value < 0 or value > MAX_AMOUNT:
        raise InvalidTransition("The amount must be between 0 and 999,999,999,999.", field="amount")
    if not name.strip():
        raise InvalidTransition("Name the opportunity.", field="name")
    lead = lock_workable_lead(lead_id=lead_id, user=actor)
    if lead.account_id is None:
        raise InvalidTransition(
            "This lead has no company account (free-mail address); link it to an account first.",
            field="account",
        )
    origin = {
        Lead.Source.EXPANSION: Opportunity.Origin.SERVICE,
        Lead.Source.OUTBOUND: Opportunity.Origin.SALES,
    }.get(lead.source, Opportunity.Origin.MARKETING)
    if lead.ready_reason == Lead.ReadyReason.SERVICE_HANDOFF:
        origin = Opportunity.Origin.SERVICE
    opportunity = Opportunity.objects.create(
        account_id=lead.account_id,
        primary_lead=lead,
        source_campaign_id=source_campaign_of(lead.pk),
        owner=lead.owner or actor,
        name=name.strip()[:200],
        amount=value,
        expected_close=expected_close,
        term_months=term_months,
        created_at=now,
        origin=origin,
        type=Opportunity.Type.EXPANSION
        if lead.source == Lead.Source.EXPANSION
        else Opportunity.Type.NEW,
    )
    lead_facts.converted(lead_id=lead.pk)
    fields = ["converted_at", "updated_at"]
    lead.converted_at = now
    settle_first_response(
        lead=lead, actor=actor, at=now, fields=fields, reason="settled by a decision on the lead"
    )
    change_status(
        lead=lead,
        new=Lead.Status.CONVERTED,
        actor=actor,
        reason=f"opportunity {opportunity.pk} opened",
        fields=fields,
    )
    lead.save(update_fields=fields)
    return opportunity
