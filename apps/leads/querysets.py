from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from apps.users.models import User

from apps.users.models import Role
from apps.users.roles import roles_of

# A lead is open while a rep still has to act on it: ready (routed or in the pool) or working,
# and not archived. This and open_lead_q() are the one definition; Lead.is_open agrees.
OPEN_STATUSES = ("ready", "working")


def open_lead_q(prefix: str = "") -> Q:
    """Open leads as a Q, for aggregates and joins (`prefix` reaches a lead, e.g. "leads__")."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES, f"{prefix}is_archived": False})


def untouched_hand_raiser_q(**also: object) -> Q:
    """Ready hand-raisers no rep has answered yet: Today lists them first, whatever else is due
    (`also` narrows further, e.g. is_archived=False for an index condition)."""
    return Q(status="ready", first_response_at__isnull=True, ready_reason="hand_raiser", **also)


def pool_lead_q() -> Q:
    """Ready leads nobody holds: the team pool reps claim from (and routing re-drives)."""
    return Q(status="ready", owner__isnull=True, is_archived=False)


class LeadQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def active(self) -> Self:
        """Leads not archived."""
        return self.filter(is_archived=False)

    def open(self) -> Self:
        """Leads a rep still has to act on (see OPEN_STATUSES)."""
        return self.filter(open_lead_q())

    def owned_by(self, user: User) -> Self:
        return self.filter(owner=user)

    def in_pool(self) -> Self:
        """Ready leads nobody holds: the team pool reps claim from."""
        return self.filter(pool_lead_q())

    def overdue(self, now: datetime) -> Self:
        """Pending SLA clocks whose due time has passed (in time up to the due instant) on leads
        still in the desk (an archived lead's clock is never settled)."""
        return self.filter(sla_state="pending", sla_due_at__lt=now, is_archived=False)

    def visible_to(self, user: User) -> Self:
        """The leads this user's roles may read (the SPEC's baseline permissions)."""
        if not user.is_authenticated:
            return self.none()
        roles = roles_of(user)
        if roles & {Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS}:
            return self
        condition = Q(pk__in=[])
        if Role.SALES in roles:
            condition |= (
                Q(owner=user) | Q(status="ready", owner__isnull=True) | Q(account__owner=user)
            )
        if Role.SERVICE in roles:
            condition |= Q(account__lifecycle="customer")
        return self.filter(condition)
