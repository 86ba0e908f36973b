"""django-filter FilterSet for the opportunities API."""

from __future__ import annotations

import django_filters

from apps.core.filters import IdFilter, UtcDateTimeFilter
from apps.opportunities.models import Opportunity


class OpportunityApiFilter(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_id", label="Owner (user id)")
    account = IdFilter(field_name="account_id", label="Account (id)")
    stage = django_filters.MultipleChoiceFilter(choices=Opportunity.Stage.choices)
    type = django_filters.ChoiceFilter(choices=Opportunity.Type.choices)
    origin = django_filters.ChoiceFilter(choices=Opportunity.Origin.choices)
    lost_reason = IdFilter(field_name="lost_reason_id", label="Lost reason (id)")
    campaign = IdFilter(
        field_name="source_campaign_id",
        label="Primary lead's source campaign: its first campaign touch (id)",
    )
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    closed_after = UtcDateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = UtcDateTimeFilter(field_name="closed_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Opportunity
        fields: list[str] = []
