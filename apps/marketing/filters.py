"""Filters for the marketer's lead list (django-filter): every lead, by what marketing plans
by: status, source campaign, the campaigns marketing added it to, score band, account tier, when it was created, a search."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.leads.models import Lead
from apps.leads.querysets import search_q
from apps.scoring import services as scoring

SEARCH_MAX_LENGTH = 100
NO_CAMPAIGN = "none"


class MarketingLeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label="Search", max_length=SEARCH_MAX_LENGTH
    )
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices, empty_label="Any status")
    source_campaign = django_filters.ModelChoiceFilter(
        label="Source campaign",
        field_name="facts__source_campaign",
        queryset=Campaign.objects.order_by("name", "pk"),
        empty_label="Any source campaign",
        null_label="No campaign",
        null_value=NO_CAMPAIGN,
    )
    in_campaign = django_filters.ModelChoiceFilter(
        label="Added to campaign",
        field_name="campaign_memberships__campaign",
        queryset=Campaign.objects.order_by("name", "pk"),
        empty_label="Added to any campaign or none",
        distinct=False,  # a lead is in a campaign once (CampaignMember), so no duplicates
    )
    score_band = django_filters.ChoiceFilter(
        label="Score",
        method="filter_score_band",
        choices=scoring.SCORE_BAND_CHOICES,
        empty_label="Any score",
    )
    tier = django_filters.ChoiceFilter(
        label="Account tier",
        field_name="account__tier",
        choices=Account.Tier.choices,
        empty_label="Any tier",
    )
    created_from = django_filters.DateFilter(
        label="Created from",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        label="Created to",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Lead
        fields = [
            "q",
            "status",
            "source_campaign",
            "in_campaign",
            "score_band",
            "tier",
            "created_from",
            "created_to",
        ]

    def filter_search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        condition = search_q(value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_score_band(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(scoring.score_band_q(value))

    @property
    def is_filtered(self) -> bool:
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(value not in (None, "") for value in self.form.cleaned_data.values())
