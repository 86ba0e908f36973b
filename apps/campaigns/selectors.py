"""Reads of campaigns and assets."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.campaigns.models import Asset, Campaign
from apps.core.models import Quarter

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


def campaigns_with_assets(*, limit: int = 200) -> QuerySet[Campaign]:
    """Every campaign (active first, newest start first) with its assets, in two queries."""
    return (
        Campaign.objects.select_related("quarter")
        .prefetch_related(Prefetch("assets", queryset=Asset.objects.order_by("name", "pk")))
        .order_by("-is_active", "-starts_on", "name", "pk")[:limit]
    )


def standalone_assets(*, limit: int = 200) -> QuerySet[Asset]:
    """Assets that belong to no campaign (site pages, evergreen forms)."""
    return Asset.objects.filter(campaign__isnull=True).order_by("name", "pk")[:limit]


def campaign_for(*, campaign_id: int) -> Campaign:
    """One campaign, or 404."""
    return get_object_or_404(Campaign.objects.select_related("quarter"), pk=campaign_id)


def asset_for(*, asset_id: int) -> Asset:
    """One asset with its campaign, or 404."""
    return get_object_or_404(Asset.objects.select_related("campaign"), pk=asset_id)
