"""django-filter FilterSet for the accounts API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.accounts.models import Account
from apps.core.filters import IdFilter, UtcDateTimeFilter


class AccountApiFilter(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_id", label="Owner (user id)")
    tier = django_filters.ChoiceFilter(choices=Account.Tier.choices)
    lifecycle = django_filters.ChoiceFilter(choices=Account.Lifecycle.choices)
    domain = django_filters.CharFilter(method="filter_domain", max_length=253)
    conversation_ready = django_filters.BooleanFilter(field_name="is_conversation_ready")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Account
        fields: list[str] = []

    def filter_domain(
        self, queryset: QuerySet[Account], name: str, value: str
    ) -> QuerySet[Account]:
        return queryset.filter(domain=value.strip().lower())
