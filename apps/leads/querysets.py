from __future__ import annotations

from datetime import datetime
from functools import reduce
from operator import and_
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from apps.accounts.models import Account
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


SEARCH_MAX_TERMS = 5


def search_q(value: str) -> Q | None:
    """Every word (the first SEARCH_MAX_TERMS) in the name, email or company (typed or the
    matched account's); None for a blank search."""
    terms = value.split()[:SEARCH_MAX_TERMS]
    if not terms:
        return None
    return reduce(
        and_,
        [
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(company_name__icontains=term)
            | Q(account__name__icontains=term)
            for term in terms
        ],
    )


def held_lead_q() -> Q:
    """Leads the agreement's throttle holds until their pool has room (never owned, no clock)."""
    return Q(status="held", is_archived=False)


# The held queue's priority: best score first, then the longest held (index lead_held_queue_idx).
HELD_ORDER = ("-score", "held_at", "id")


def _visible_q(user: User, *, account: Account | None) -> Q | None:
    """What a signed-in user may read as a Q, or None for every lead. With `account`, the
    caller reads only that account's leads, so the account's own conditions are decided here."""
    roles = roles_of(user)
    if roles & {Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS}:
        return None
    condition = Q(pk__in=[])
    if Role.SALES in roles:
        if account is not None and account.owner_id == user.pk:
            return None
        condition |= Q(owner=user) | Q(status="ready", owner__isnull=True)
        if account is None:
            condition |= Q(account__owner=user)
    if Role.SERVICE in roles:
        if account is not None and account.lifecycle == "customer":
            return None
        if account is None:
            condition |= Q(account__lifecycle="customer")
    return condition


def sees_whole_account(user: User, account: Account) -> bool:
    """Whether the user may read every lead of the account (visible_at adds no condition)."""
    return user.is_authenticated and _visible_q(user, account=account) is None


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

    def held(self) -> Self:
        """The held queue in release order (HELD_ORDER)."""
        return self.filter(held_lead_q()).order_by(*HELD_ORDER)

    def overdue(self, now: datetime) -> Self:
        """Pending SLA clocks whose due time has passed (in time up to the due instant) on leads
        still in the desk (an archived lead's clock is never settled)."""
        return self.filter(sla_state="pending", sla_due_at__lt=now, is_archived=False)

    def visible_to(self, user: User) -> Self:
        """The leads this user's roles may read (the SPEC's baseline permissions)."""
        if not user.is_authenticated:
            return self.none()
        condition = _visible_q(user, account=None)
        return self if condition is None else self.filter(condition)

    def visible_at(self, user: User, account: Account) -> Self:
        """The leads of one account this user may read: visible_to narrowed to the account, with
        what depends on the account alone (a rep owns it, it is a customer) settled once here
        instead of joined on every row, so the planner can tell a few visible people from all
        of them."""
        if not user.is_authenticated:
            return self.none()
        leads = self.filter(account_id=account.pk)
        condition = _visible_q(user, account=account)
        return leads if condition is None else leads.filter(condition)
