"""Leads as CSV rows: the columns every export writes (the API, the command, the pages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from apps.leads.models import Lead

EXPORT_COLUMNS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "title",
    "buying_role",
    "phone",
    "country",
    "company_name",
    "account_domain",
    "account_name",
    "source",
    "campaign",
    "status",
    "owner",
    "score",
    "fit_score",
    "engagement_score",
    "sla_state",
    "sla_due_at",
    "attempt_count",
    "created_at",
    "updated_at",
]


def export_rows(queryset: QuerySet[Lead]) -> Iterator[list[Any]]:
    """One list per lead in EXPORT_COLUMNS order; streams the queryset in chunks."""
    rows = queryset.select_related("account", "campaign", "owner").order_by("-created_at", "-pk")
    for lead in rows.iterator(chunk_size=2000):
        yield [
            lead.pk,
            lead.email,
            lead.first_name,
            lead.last_name,
            lead.title,
            lead.buying_role,
            lead.phone,
            lead.country,
            lead.company_name,
            lead.account.domain if lead.account else "",
            lead.account.name if lead.account else "",
            lead.source,
            lead.campaign.slug if lead.campaign else "",
            lead.status,
            lead.owner.username if lead.owner else "",
            lead.score,
            lead.fit_score,
            lead.engagement_score,
            lead.sla_state,
            lead.sla_due_at.isoformat() if lead.sla_due_at else "",
            lead.attempt_count,
            lead.created_at.isoformat(),
            lead.updated_at.isoformat(),
        ]
