"""Reads for the marketing workspace."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.campaigns.models import Campaign
from apps.feedback.models import Disqualification
from apps.goals.models import Quarter

LIST_LIMIT = 50


def quarter_campaigns(*, quarter: Quarter, limit: int = LIST_LIMIT) -> QuerySet[Campaign]:
    """The quarter's campaigns with lead and sales-ready counts, aggregated in one query."""
    return (
        Campaign.objects.filter(quarter=quarter)
        .annotate(
            lead_count=Count("leads", filter=Q(leads__is_archived=False)),
            ready_count=Count(
                "leads", filter=Q(leads__is_archived=False, leads__ready_at__isnull=False)
            ),
        )
        .order_by("name", "pk")[:limit]
    )


def open_disqualifications(*, limit: int = 20) -> QuerySet[Disqualification]:
    """Disqualifications marketing has not reviewed yet, newest first."""
    return (
        Disqualification.objects.filter(review_status=Disqualification.Review.OPEN)
        .select_related("lead", "lead__campaign", "lead__account", "reason", "rep")
        .order_by("-at", "-pk")[:limit]
    )
