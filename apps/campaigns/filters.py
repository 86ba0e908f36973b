"""django-filter FilterSets for the campaigns and assets API."""

from __future__ import annotations

import django_filters

from apps.campaigns.models import Asset, Campaign
from apps.core.filters import IdFilter, UtcDateTimeFilter


class CampaignApiFilter(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=Campaign.Channel.choices)
    quarter = django_filters.CharFilter(field_name="quarter__name", max_length=7)
    slug = django_filters.CharFilter(max_length=80)
    active = django_filters.BooleanFilter(field_name="is_active")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Campaign
        fields: list[str] = []


class AssetApiFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label="Campaign (id)")
    kind = django_filters.ChoiceFilter(choices=Asset.Kind.choices)
    hand_raiser = django_filters.BooleanFilter()
    active = django_filters.BooleanFilter(field_name="is_active")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Asset
        fields: list[str] = []
