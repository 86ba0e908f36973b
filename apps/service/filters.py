"""django-filter FilterSet for the renewals API."""

from __future__ import annotations

import django_filters

from apps.core.filters import IdFilter, UtcDateTimeFilter
from apps.service.models import Renewal


class RenewalApiFilter(django_filters.FilterSet):
    account = IdFilter(field_name="account_id", label="Account (id)")
    outcome = django_filters.ChoiceFilter(choices=Renewal.Outcome.choices)
    account_owner = IdFilter(field_name="account__owner_id", label="Account owner (user id)")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Renewal
        fields: list[str] = []
