"""Reads for the accounts list and account page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import Account
from apps.leads.models import Lead
from apps.users.models import User

PEOPLE_LIMIT = 100


def account_list(*, search: str = "") -> QuerySet[Account]:
    """Accounts not archived, with their lead count, filtered by name or domain; the caller pages it."""
    queryset = Account.objects.filter(is_archived=False)
    search = search.strip()
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(domain__icontains=search.lower()))
    return queryset.select_related("owner").annotate(
        lead_count=Count("leads", filter=Q(leads__is_archived=False))
    )


@dataclass(frozen=True)
class AccountPage:
    account: Account
    people: list[Lead]


def account_page(*, user: User, account_id: int) -> AccountPage:
    """The account and the people of it whom the user's roles may read."""
    account = get_object_or_404(Account.objects.select_related("owner"), pk=account_id)
    people = list(
        Lead.objects.visible_to(user)
        .active()
        .filter(account=account)
        .select_related("owner")
        .order_by("last_name", "first_name", "pk")[:PEOPLE_LIMIT]
    )
    return AccountPage(account=account, people=people)
