"""django-filter FilterSets for the disqualifications API and marketing's review queue."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.core.filters import IdFilter, UtcDateTimeFilter
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.users.models import Role, User


class DisqualificationApiFilter(django_filters.FilterSet):
    review_status = django_filters.ChoiceFilter(choices=Disqualification.Review.choices)
    reason = django_filters.CharFilter(field_name="reason__code", max_length=40)
    rep = IdFilter(field_name="rep_id", label="Rep (user id)")
    lead = IdFilter(field_name="lead_id", label="Lead (id)")
    campaign = IdFilter(
        field_name="lead__facts__source_campaign_id",
        label="Lead's source campaign: its first campaign touch (id)",
    )
    at_after = UtcDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = UtcDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = Disqualification
        fields: list[str] = []


AGES = {
    "day": ("Last 24 hours", timedelta(days=1)),
    "week": ("Last 7 days", timedelta(days=7)),
    "month": ("Last 30 days", timedelta(days=30)),
    "older": ("Older than 30 days", timedelta(days=30)),
}


class ReviewQueueFilter(django_filters.FilterSet):
    """The review queue's filters: reason, the lead's source campaign, the rep, and age."""

    reason = django_filters.ModelChoiceFilter(
        queryset=DisqualificationReason.objects.order_by("label"), empty_label="Any reason"
    )
    campaign = django_filters.ModelChoiceFilter(
        field_name="lead__facts__source_campaign",
        queryset=Campaign.objects.order_by("name"),
        empty_label="Any campaign",
        label="Source campaign",
    )
    rep = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(groups__name__in=[Role.SALES, Role.SALES_MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username"),
        empty_label="Any rep",
    )
    age = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in AGES.items()],
        method="filter_age",
        empty_label="Any age",
        label="Disqualified",
    )

    class Meta:
        model = Disqualification
        fields: list[str] = []

    def filter_age(
        self, queryset: QuerySet[Disqualification], name: str, value: str
    ) -> QuerySet[Disqualification]:
        since = timezone.now() - AGES[value][1]
        return queryset.filter(at__lt=since) if value == "older" else queryset.filter(at__gte=since)
