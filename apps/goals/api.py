"""The shared scoreboard over the API: joint goal progress and both sides' SLA figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.validators import RegexValidator
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.models import Quarter
from apps.core.quarters import current_quarter
from apps.core.serializers import USER_THROTTLES, errors
from apps.goals import metrics, selectors
from apps.goals.models import Metric

UNITS = ["count", "percent", "minutes", "days", "money"]


def _number(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, allow_null=True, read_only=True, **kwargs
    )


class QuarterQuery(serializers.Serializer):  # type: ignore[type-arg]
    quarter = serializers.CharField(
        required=False,
        max_length=7,
        validators=[RegexValidator(r"^\d{4}-Q[1-4]$", "Use the form 2026-Q4.")],
        help_text="Like 2026-Q4; the current quarter when omitted.",
    )


class QuarterOutput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class SegmentOutput(serializers.Serializer):  # type: ignore[type-arg]
    """The slice of the records a goal counts; null fields do not filter."""

    campaign_id = serializers.IntegerField(source="segment_campaign_id", allow_null=True)
    campaign_name = serializers.CharField(
        source="segment_campaign.name", allow_null=True, default=None
    )
    source = serializers.CharField(source="segment_source", allow_null=True)  # type: ignore[assignment]
    country = serializers.CharField(source="segment_country", allow_null=True)
    tier = serializers.ChoiceField(
        source="segment_tier", choices=["target", "standard"], allow_null=True
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        return {key: (value if value != "" else None) for key, value in data.items()}


class GoalOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="goal.pk")
    name = serializers.CharField(source="goal.__str__")
    metric = serializers.ChoiceField(source="goal.metric", choices=Metric.choices)
    unit = serializers.ChoiceField(source="actual.unit", choices=UNITS)
    teams = serializers.ListField(source="goal.teams", child=serializers.CharField())
    target = _number(source="goal.target")
    lower_is_better = serializers.BooleanField(source="goal.lower_is_better")
    segment = SegmentOutput(
        source="goal",
        help_text="Campaign (the lead's source campaign; for the form-to-meeting metrics the "
        "booking form's), source, country, tier.",
    )
    actual = _number(source="actual.value")
    percent_of_target = _number()
    pace = _number(help_text="Where the actual should be by today.")
    forecast = _number(help_text="Cumulative metrics only: the quarter-end projection.")
    status = serializers.ChoiceField(
        choices=["ahead", "on_track", "behind"], allow_null=True, read_only=True
    )
    elapsed_days = serializers.IntegerField()
    total_days = serializers.IntegerField()


class GoalsOutput(serializers.Serializer):  # type: ignore[type-arg]
    quarter = QuarterOutput()
    goals = GoalOutput(many=True)


class FigureOutput(serializers.Serializer):  # type: ignore[type-arg]
    metric = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.ChoiceField(choices=UNITS)
    value = _number()
    previous = _number(help_text="The same figure in the previous quarter.")
    target = _number(help_text="The target RevOps set for this figure (the team's or the rep's).")


class RepFiguresOutput(serializers.Serializer):  # type: ignore[type-arg]
    rep_id = serializers.IntegerField()
    name = serializers.CharField()
    leads = serializers.IntegerField()
    figures = FigureOutput(many=True)


class SlaOutput(serializers.Serializer):  # type: ignore[type-arg]
    quarter = QuarterOutput()
    previous_quarter = QuarterOutput(allow_null=True)
    marketing = FigureOutput(many=True)
    sales = FigureOutput(many=True)
    reps = RepFiguresOutput(many=True)


@dataclass(frozen=True)
class _Goals:
    quarter: Quarter
    goals: list[metrics.GoalProgress]


def _quarter(request: Request) -> Quarter:
    query = QuarterQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    name = query.validated_data.get("quarter")
    today = timezone.localdate()
    quarter = Quarter.objects.filter(name=name).first() if name else current_quarter(today=today)
    if quarter is None:
        raise Http404("No such quarter.")
    return quarter


QUARTER_PARAM = OpenApiParameter(
    "quarter", str, OpenApiParameter.QUERY, required=False, pattern=r"^\d{4}-Q[1-4]$"
)


class GoalsApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="goals_retrieve",
        parameters=[QUARTER_PARAM],
        responses={200: GoalsOutput, **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        """The quarter's joint goals: actual (computed from records), pace, forecast, status."""
        quarter = _quarter(request)
        today = timezone.localdate()
        with metrics.shared_reads():
            progress = [
                metrics.goal_progress(goal, today)
                for goal in selectors.quarter_goals(quarter=quarter)
            ]
        return Response(GoalsOutput(_Goals(quarter=quarter, goals=progress)).data)


class SlaApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="sla_retrieve",
        parameters=[QUARTER_PARAM],
        responses={200: SlaOutput, **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        """Both sides of the handoff for the quarter: marketing's and sales' SLA figures, per rep,
        each with the target RevOps set for it."""
        board, _targets = selectors.targeted_scoreboard(quarter=_quarter(request))
        return Response(SlaOutput(board).data)
