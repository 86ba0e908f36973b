"""Opportunity stage changes; a win makes the account a customer."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.errors import InvalidTransition, NotAllowed
from apps.opportunities.models import Opportunity
from apps.users.models import Role, User
from apps.users.roles import has_role

CLOSED = (Opportunity.Stage.WON, Opportunity.Stage.LOST)


@transaction.atomic(durable=True)
def change_stage(
    *, opportunity_id: int, actor: User, stage: str, lost_reason: str = ""
) -> Opportunity:
    """Move an open opportunity to another stage. Won and lost are final; lost needs a reason."""
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
    if stage == Opportunity.Stage.LOST and not lost_reason.strip():
        raise InvalidTransition("Say why the deal was lost.", field="lost_reason")
    now = timezone.now()
    opportunity.stage = stage
    fields = ["stage", "updated_at"]
    if stage in CLOSED:
        opportunity.closed_at = now
        fields.append("closed_at")
    if stage == Opportunity.Stage.LOST:
        opportunity.lost_reason = lost_reason.strip()[:200]
        fields.append("lost_reason")
    opportunity.save(update_fields=fields)
    if stage == Opportunity.Stage.WON:
        Account.objects.filter(pk=opportunity.account_id).exclude(
            lifecycle=Account.Lifecycle.CUSTOMER
        ).update(lifecycle=Account.Lifecycle.CUSTOMER, became_customer_at=now, updated_at=now)
    return opportunity
