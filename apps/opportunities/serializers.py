"""Opportunity output, shared by the opportunities API and lead conversion."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import UserSummary
from apps.opportunities.models import Opportunity


class OpportunityAccount(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()


class LostReasonSummary(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()


class OpportunityOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Querysets feeding it select_related("account", "owner", "lost_reason")."""

    account = OpportunityAccount()
    owner = UserSummary()
    lost_reason = LostReasonSummary(
        allow_null=True, help_text="Why the deal was lost (null unless the stage is lost)."
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "account",
            "primary_lead",
            "source_campaign",
            "owner",
            "amount",
            "stage",
            "type",
            "origin",
            "created_at",
            "updated_at",
            "expected_close",
            "term_months",
            "closed_at",
            "lost_reason",
            "lost_details",
        ]
