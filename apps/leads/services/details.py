"""Corrections a rep makes to a lead's details by hand."""

from __future__ import annotations

from django.db import transaction

from apps.core.errors import InvalidTransition, NotAllowed
from apps.leads import events
from apps.leads.models import Lead
from apps.leads.services.work import may_work_lead
from apps.scoring.models import BuyingRole
from apps.users.models import User


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
    lead.buying_role = role
    lead.buying_role_set_by_hand = True
    lead.save(update_fields=["buying_role", "buying_role_set_by_hand", "updated_at"])
    events.buying_role_changed_event(lead=lead, old=old, new=role, actor=actor)
    return lead
