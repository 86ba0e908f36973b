"""Disqualification output, shared by the disqualifications API and lead disqualification."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import UserSummary
from apps.feedback.models import Disqualification, DisqualificationReason


class ReasonOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = DisqualificationReason
        fields = ["id", "code", "label", "min_attempts", "note_required", "is_junk"]


class DisqualificationOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    rep = UserSummary()
    reason = ReasonOutput()
    reviewer = UserSummary(allow_null=True)

    class Meta:
        model = Disqualification
        fields = [
            "id",
            "lead",
            "rep",
            "reason",
            "note",
            "attempts_at_time",
            "at",
            "review_status",
            "reviewer",
            "action_note",
            "reviewed_at",
            "dispute_outcome",
            "reengage_on",
            "woken_at",
        ]
