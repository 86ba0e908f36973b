"""django-filter FilterSet for the disqualifications API."""

from __future__ import annotations

import django_filters

from apps.core.filters import IdFilter, UtcDateTimeFilter
from apps.feedback.models import Disqualification


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
