"""django-filter FilterSet for the opportunities API."""

from __future__ import annotations

import django_filters

from apps.leads.api_filters import IdFilter
from apps.opportunities.models import Opportunity


class OpportunityApiFilter(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_id", label="Owner (user id)")
    account = IdFilter(field_name="account_id", label="Account (id)")
    stage = django_filters.MultipleChoiceFilter(choices=Opportunity.Stage.choices)
    type = django_filters.ChoiceFilter(choices=Opportunity.Type.choices)
    origin = django_filters.ChoiceFilter(choices=Opportunity.Origin.choices)
    campaign = IdFilter(field_name="primary_lead__campaign_id", label="Primary lead's campaign")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Opportunity
        fields: list[str] = []
