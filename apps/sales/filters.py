"""Filters for the rep's queue and the lead API (django-filter), applied inside the selectors
and DRF list views, never by hand in views."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.core.filters import IdFilter, UtcDateTimeFilter
from apps.leads.models import Lead
from apps.leads.querysets import search_q
from apps.scoring import services as scoring

SEARCH_MAX_LENGTH = 100

NO_CLOCK = "none"


class LeadQueueFilter(django_filters.FilterSet):
    """What a rep narrows their queue by: status, SLA state, campaign, tier, score band, search."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        max_length=SEARCH_MAX_LENGTH,
    )
    status = django_filters.ChoiceFilter(
        choices=[(Lead.Status.READY, "Ready"), (Lead.Status.WORKING, "Working")],
        empty_label="Any status",
    )
    sla_state = django_filters.ChoiceFilter(
        label="SLA",
        method="filter_sla_state",
        choices=[
            (Lead.SlaState.BREACHED, "Breached"),
            (Lead.SlaState.PENDING, "Clock running"),
            (Lead.SlaState.MET, "Met"),
            (NO_CLOCK, "No clock"),
        ],
        empty_label="Any SLA state",
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.order_by("name", "pk"), empty_label="Any campaign"
    )
    tier = django_filters.ChoiceFilter(
        label="Account tier",
        field_name="account__tier",
        choices=Account.Tier.choices,
        empty_label="Any tier",
    )
    score_band = django_filters.ChoiceFilter(
        label="Score",
        method="filter_score_band",
        choices=scoring.SCORE_BAND_CHOICES,
        empty_label="Any score",
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "sla_state", "campaign", "tier", "score_band"]

    def filter_search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        """Every word must appear in the name, email or company (typed or matched account)."""
        condition = search_q(value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_sla_state(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(sla_state=Lead.SlaState.NONE if value == NO_CLOCK else value)

    def filter_score_band(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(scoring.score_band_q(value))

    @property
    def is_filtered(self) -> bool:
        """True when any filter holds a valid value (the empty state then says 'no match')."""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(value not in (None, "") for value in self.form.cleaned_data.values())


class LeadApiFilter(django_filters.FilterSet):
    """Owner, status, SLA state, campaign, account, source and created/updated ranges."""

    owner = IdFilter(field_name="owner_id", label="Owner (user id)")
    unowned = django_filters.BooleanFilter(
        field_name="owner", lookup_expr="isnull", label="Only leads nobody holds"
    )
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices)
    sla_state = django_filters.ChoiceFilter(
        method="filter_sla_state",
        choices=[
            (Lead.SlaState.PENDING, "Pending"),
            (Lead.SlaState.MET, "Met"),
            (Lead.SlaState.BREACHED, "Breached"),
            (NO_CLOCK, "No clock"),
        ],
    )
    campaign = IdFilter(field_name="campaign_id", label="Campaign of first touch (id)")
    account = IdFilter(field_name="account_id", label="Account (id)")
    source = django_filters.ChoiceFilter(choices=Lead.Source.choices)
    email = django_filters.CharFilter(method="filter_email", max_length=254)
    archived = django_filters.BooleanFilter(field_name="is_archived")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_sla_state(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(sla_state=Lead.SlaState.NONE if value == NO_CLOCK else value)

    def filter_email(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(email=value.strip().lower())
