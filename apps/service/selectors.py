"""Reads for the service workspace: customers, renewals, health history, churn and voice notes."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from apps.accounts.models import Account
from apps.core.models import Quarter
from apps.core.quarters import (
    calendar_quarter,
    calendar_quarters_until,
    current_quarter,
    quarters,
)
from apps.leads.models import Lead
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote
from apps.users.models import Role

# Renewals are read by sales, service and RevOps; marketing reads voice notes only (SPEC table).
RENEWAL_READERS = frozenset({Role.SALES, Role.SALES_MANAGER, Role.SERVICE, Role.REVOPS})
LIST_LIMIT = 50
HISTORY_LIMIT = 20
ACCOUNT_CHOICES_LIMIT = 500
TAG_SAMPLE = 300


# --- Quarters ---------------------------------------------------------------------------


def quarter_options(*, today: date) -> list[Quarter]:
    """Quarters to pick from, newest first: the configured ones, else the last calendar ones."""
    return list(reversed(quarters() or calendar_quarters_until(today)))


def current_or_calendar_quarter(*, today: date) -> Quarter:
    """The current configured quarter; with none configured, the calendar quarter of today."""
    return current_quarter(today=today) or calendar_quarter(today)


# --- Customers and renewals -------------------------------------------------------------


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


def customer_choices(*, limit: int = ACCOUNT_CHOICES_LIMIT) -> list[tuple[int, str]]:
    """(id, name) of customer accounts for a picker, by name (bounded)."""
    rows = (
        Account.objects.filter(lifecycle=Account.Lifecycle.CUSTOMER, is_archived=False)
        .order_by("name", "pk")
        .values_list("pk", "name")[:limit]
    )
    return list(rows)


def _with_row_relations(queryset: QuerySet[Renewal]) -> QuerySet[Renewal]:
    return queryset.select_related("account", "churn_reason", "closed_by")


def quarter_renewals(*, quarter: Quarter, limit: int = LIST_LIMIT) -> QuerySet[Renewal]:
    """Renewals due inside the quarter, whatever their outcome, by due date."""
    return _with_row_relations(
        Renewal.objects.filter(due_on__range=(quarter.starts_on, quarter.ends_on))
    ).order_by("due_on", "pk")[:limit]


class RenewalTotals(TypedDict):
    due: Decimal
    renewed: Decimal
    churned: Decimal
    pending: Decimal
    due_count: int
    renewed_count: int
    churned_count: int
    pending_count: int


def quarter_renewal_totals(*, quarter: Quarter) -> RenewalTotals:
    """Amounts and counts of renewals due in the quarter, by outcome (one aggregate query).

    `due`, `churned` and `pending` sum the amount due; `renewed` sums what customers renewed for.
    """
    pending, renewed, churned = (
        Q(outcome=Renewal.Outcome.PENDING),
        Q(outcome=Renewal.Outcome.RENEWED),
        Q(outcome=Renewal.Outcome.CHURNED),
    )
    row = Renewal.objects.filter(due_on__range=(quarter.starts_on, quarter.ends_on)).aggregate(
        due=Sum("amount"),
        renewed=Sum("renewed_amount", filter=renewed),
        churned=Sum("amount", filter=churned),
        pending=Sum("amount", filter=pending),
        due_count=Count("pk"),
        renewed_count=Count("pk", filter=renewed),
        churned_count=Count("pk", filter=churned),
        pending_count=Count("pk", filter=pending),
    )
    zero = Decimal("0")
    return {
        "due": row["due"] or zero,
        "renewed": row["renewed"] or zero,
        "churned": row["churned"] or zero,
        "pending": row["pending"] or zero,
        "due_count": row["due_count"],
        "renewed_count": row["renewed_count"],
        "churned_count": row["churned_count"],
        "pending_count": row["pending_count"],
    }


def renewal_for(*, renewal_id: int) -> Renewal:
    """One renewal with what its row shows; 404 when missing."""
    return get_object_or_404(_with_row_relations(Renewal.objects.all()), pk=renewal_id)


def active_churn_reasons() -> list[ChurnReason]:
    """The admin's list of churn reasons a user may pick, by label (bounded)."""
    return list(ChurnReason.objects.filter(is_active=True).order_by("label", "pk")[:100])


# --- One account ------------------------------------------------------------------------


def service_account(*, account_id: int) -> Account:
    """An account (not archived) with its owner; 404 when missing."""
    return get_object_or_404(
        Account.objects.select_related("owner").filter(is_archived=False), pk=account_id
    )


def health_history(*, account_id: int, limit: int = HISTORY_LIMIT) -> list[HealthCheck]:
    """The account's health as Service set it, newest first (bounded)."""
    return list(
        HealthCheck.objects.filter(account_id=account_id)
        .select_related("set_by")
        .order_by("-at", "-pk")[:limit]
    )


def account_renewals(*, account_id: int, limit: int = LIST_LIMIT) -> list[Renewal]:
    """The account's renewals, latest due date first (bounded)."""
    return list(
        _with_row_relations(Renewal.objects.filter(account_id=account_id)).order_by(
            "-due_on", "-pk"
        )[:limit]
    )


def handed_lead(*, lead_id: int) -> Lead:
    """A lead Service just handed to sales, with its owner and account, as routing left it."""
    lead: Lead = Lead.objects.select_related("owner", "account").get(pk=lead_id)
    return lead


# --- Churn reasons ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnLine:
    reason_id: int
    label: str
    count: int
    amount: Decimal
    share: Decimal  # of the quarter's churned amount, in percent


@dataclass(frozen=True)
class ChurnReport:
    quarter: Quarter
    lines: list[ChurnLine]
    count: int
    amount: Decimal
    due_count: int
    due_amount: Decimal
    recent: list[Renewal]


def churn_report(*, quarter: Quarter, recent_limit: int = 20) -> ChurnReport:
    """Churned renewals due in the quarter, grouped by reason (count and amount lost).

    A renewal counts in the quarter it falls due, as on /service/ and in retention figures.
    """
    in_quarter = Renewal.objects.filter(due_on__range=(quarter.starts_on, quarter.ends_on))
    churned = in_quarter.filter(outcome=Renewal.Outcome.CHURNED)
    rows = list(
        churned.values("churn_reason_id", "churn_reason__label")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("-amount", "churn_reason__label", "churn_reason_id")
    )
    total_amount = sum((row["amount"] for row in rows), Decimal("0"))
    lines = [
        ChurnLine(
            reason_id=row["churn_reason_id"],
            label=row["churn_reason__label"],
            count=row["count"],
            amount=row["amount"],
            share=(row["amount"] * 100 / total_amount).quantize(Decimal("0.1"))
            if total_amount
            else Decimal("0"),
        )
        for row in rows
    ]
    due = in_quarter.aggregate(count=Count("pk"), amount=Sum("amount"))
    recent = list(_with_row_relations(churned).order_by("-closed_at", "-pk")[:recent_limit])
    return ChurnReport(
        quarter=quarter,
        lines=lines,
        count=sum(line.count for line in lines),
        amount=total_amount,
        due_count=due["count"],
        due_amount=due["amount"] or Decimal("0"),
        recent=recent,
    )


# --- Voice of the customer --------------------------------------------------------------


def normalise_tag(raw: str) -> str:
    return " ".join(raw.split()).lower()


def _tag_fragment(tag: str) -> str:
    """How one tag appears, quotes included, in the JSON text of a tags list on this database.

    SQLite stores Django's json.dumps output (non-ASCII written as \\u escapes); PostgreSQL's jsonb
    prints characters as they are. Matching the quoted element means "pricing" never matches
    "pricing-tier", and the same filter runs on both engines (JSON `contains` is not on SQLite).
    """
    return json.dumps(tag, ensure_ascii=connection.vendor != "postgresql")


def voice_notes(*, search: str = "", tag: str = "", limit: int = LIST_LIMIT) -> list[VoiceNote]:
    """Newest voice notes whose quote or context contains `search` and that carry `tag`."""
    notes = VoiceNote.objects.select_related("account", "author")
    if search:
        notes = notes.filter(Q(quote__icontains=search) | Q(context__icontains=search))
    if tag:
        notes = notes.filter(tags__icontains=_tag_fragment(normalise_tag(tag)))
    return list(notes.order_by("-created_at", "-pk")[:limit])


def account_voice_notes(*, account_id: int, limit: int = HISTORY_LIMIT) -> list[VoiceNote]:
    return list(
        VoiceNote.objects.filter(account_id=account_id)
        .select_related("account", "author")
        .order_by("-created_at", "-pk")[:limit]
    )


def common_tags(*, sample: int = TAG_SAMPLE, limit: int = 12) -> list[tuple[str, int]]:
    """The most used tags among the latest `sample` notes (bounded; a hint, not a report)."""
    counts: Counter[str] = Counter()
    for tags in VoiceNote.objects.order_by("-created_at", "-pk").values_list("tags", flat=True)[
        :sample
    ]:
        if isinstance(tags, list):
            counts.update(normalise_tag(t) for t in tags if isinstance(t, str) and t.strip())
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
