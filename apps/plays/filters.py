"""django-filter FilterSet for the plays API."""

from __future__ import annotations

import django_filters

from apps.core.filters import UtcDateTimeFilter
from apps.leads.models import BuyingRole
from apps.plays.models import Play


class PlayApiFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="is_active")
    default = django_filters.BooleanFilter(field_name="is_default")
    account_play = django_filters.BooleanFilter(field_name="is_account_play")
    buying_role = django_filters.ChoiceFilter(choices=BuyingRole.choices)
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Play
        fields: list[str] = []
