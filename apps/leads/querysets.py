from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from apps.users.models import User

from apps.users.models import Role
from apps.users.roles import roles_of


class LeadQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def active(self) -> Self:
        """Leads not archived."""
        return self.filter(is_archived=False)

    def open(self) -> Self:
        """Leads a rep still has to act on."""
        return self.filter(status__in=["ready", "working"], is_archived=False)

    def owned_by(self, user: User) -> Self:
        return self.filter(owner=user)

    def in_pool(self) -> Self:
        """Ready leads nobody holds: the team pool reps claim from."""
        return self.filter(status="ready", owner__isnull=True, is_archived=False)

    def overdue(self, now: datetime) -> Self:
        """Pending SLA clocks whose due time has passed."""
        return self.filter(sla_state="pending", sla_due_at__lte=now)

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
