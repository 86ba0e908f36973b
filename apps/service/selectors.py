"""Reads for the service workspace."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum

from apps.accounts.models import Account
from apps.goals.models import Quarter
from apps.service.models import Renewal

LIST_LIMIT = 50


def customer_accounts(*, limit: int = LIST_LIMIT) -> QuerySet[Account]:
    """Customers with their next pending renewal (date and amount), soonest renewal first."""
    next_renewal = Renewal.objects.filter(
        account=OuterRef("pk"), outcome=Renewal.Outcome.PENDING
    ).order_by("due_on", "pk")
    return (
        Account.objects.filter(lifecycle=Account.Lifecycle.CUSTOMER, is_archived=False)
        .select_related("owner")
        .annotate(
            next_renewal_on=Subquery(next_renewal.values("due_on")[:1]),
            next_renewal_amount=Subquery(next_renewal.values("amount")[:1]),
        )
        .order_by(F("next_renewal_on").asc(nulls_last=True), "name", "pk")[:limit]
    )


def quarter_renewals(*, quarter: Quarter, limit: int = LIST_LIMIT) -> QuerySet[Renewal]:
    """Renewals due inside the quarter, whatever their outcome, by due date."""
    return (
        Renewal.objects.filter(due_on__range=(quarter.starts_on, quarter.ends_on))
        .select_related("account", "churn_reason")
        .order_by("due_on", "pk")[:limit]
    )


def quarter_renewal_totals(*, quarter: Quarter) -> dict[str, Decimal]:
    """Amounts due in the quarter: still pending, and renewed so far."""
    totals = Renewal.objects.filter(due_on__range=(quarter.starts_on, quarter.ends_on)).aggregate(
        pending=Sum("amount", filter=Q(outcome=Renewal.Outcome.PENDING)),
        renewed=Sum("renewed_amount", filter=Q(outcome=Renewal.Outcome.RENEWED)),
    )
    return {key: value or Decimal("0") for key, value in totals.items()}
