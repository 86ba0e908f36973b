"""Reads of leads that every workspace shares: the one access check (visible_to) applied to a
single lead, to lists and to exports, and who may read other reps' attempt notes."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.leads.models import Lead
from apps.users.models import Role, User
from apps.users.roles import roles_of

LEAD_JOINS = ("account", "account__owner", "campaign", "owner")
NOTE_READERS = frozenset({Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS})


def lead_for(*, user: User, lead_id: int, related: tuple[str, ...] = ()) -> Lead:
    """The lead if the user's roles may read it; 404 alike for missing and forbidden.

    `related` adds joins a screen needs on top of the lead's own (account, campaign, owner).
    """
    queryset = Lead.objects.visible_to(user).select_related(*LEAD_JOINS, *related)
    lead: Lead = get_object_or_404(queryset, pk=lead_id)
    return lead


def lead_list(*, user: User) -> QuerySet[Lead]:
    """The leads the user may read, with what a list row shows (no query per row)."""
    return Lead.objects.visible_to(user).select_related("account", "campaign", "owner")


def reads_all_attempt_notes(user: User) -> bool:
    """The SPEC: managers, marketing and RevOps read every rep's notes; Sales and Service only
    their own."""
    return bool(roles_of(user) & NOTE_READERS)


def exportable_leads(*, user: User) -> QuerySet[Lead]:
    """What the user may export: Sales export their own leads only; Service its customers' leads;
    managers, Marketing and RevOps every lead they read."""
    roles = roles_of(user)
    queryset = Lead.objects.visible_to(user)
    if roles & {Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS}:
        return queryset
    if Role.SALES in roles:
        own = queryset.filter(owner=user)
        if Role.SERVICE in roles:
            return own | queryset.filter(account__lifecycle="customer")
        return own
    return queryset
