"""Filters for the rep's queue (django-filter). Applied inside the selectors, never in views."""

from __future__ import annotations

from functools import reduce
from operator import and_

import django_filters
from django.db.models import Q, QuerySet

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.leads.models import Lead

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_TERMS = 5

# The bands apps.scoring.services.score_band() reports: cold below 30, warm below 60, hot from 60.
SCORE_BANDS: dict[str, Q] = {
    "hot": Q(score__gte=60),
    "warm": Q(score__gte=30, score__lt=60),
    "cold": Q(score__lt=30),
}
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
        choices=[("hot", "Hot (60+)"), ("warm", "Warm (30–59)"), ("cold", "Cold (under 30)")],
        empty_label="Any score",
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "sla_state", "campaign", "tier", "score_band"]

    def filter_search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        """Every word must appear in the name, email or company (typed or matched account)."""
        terms = value.split()[:SEARCH_MAX_TERMS]
        if not terms:
            return queryset
        per_term = [
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(company_name__icontains=term)
            | Q(account__name__icontains=term)
            for term in terms
        ]
        return queryset.filter(reduce(and_, per_term))

    def filter_sla_state(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(sla_state=Lead.SlaState.NONE if value == NO_CLOCK else value)

    def filter_score_band(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(SCORE_BANDS[value])

    @property
    def is_filtered(self) -> bool:
        """True when any filter holds a valid value (the empty state then says 'no match')."""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(value not in (None, "") for value in self.form.cleaned_data.values())
