"""Plays API: every role reads plays, their talk track and ordered steps."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.filters import StableOrderingFilter
from apps.core.serializers import USER_THROTTLES, errors, path_id
from apps.plays.filters import PlayApiFilter
from apps.plays.models import Play, PlayStep


class PlayStepOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = PlayStep
        fields = ["id", "order", "channel", "due_offset_minutes", "title", "template"]


class PlayOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    steps = PlayStepOutput(many=True)
    match_assets = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", many=True, read_only=True
    )
    match_campaigns = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = Play
        fields = [
            "id",
            "name",
            "talk_track",
            "priority",
            "is_default",
            "is_account_play",
            "is_active",
            "match_assets",
            "match_campaigns",
            "min_score",
            "account_tier",
            "buying_role",
            "source",
            "steps",
            "created_at",
            "updated_at",
        ]


def play_list() -> QuerySet[Play]:
    """Plays with steps and match criteria prefetched (a fixed number of queries per page)."""
    return Play.objects.prefetch_related(
        Prefetch("steps", queryset=PlayStep.objects.order_by("order")),
        "match_assets",
        "match_campaigns",
    )


class PlayListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = PlayOutput
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = PlayApiFilter
    ordering_fields = ["created_at", "updated_at", "priority", "id"]
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[Play]:
        return play_list()

    @extend_schema(
        operation_id="plays_list", responses={200: PlayOutput(many=True), **errors(400, 404)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plays: what sales should do with a lead of a given shape."""
        return super().get(request, *args, **kwargs)


class PlayDetailApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="plays_retrieve",
        parameters=[path_id("play_id")],
        responses={200: PlayOutput, **errors(404)},
    )
    def get(self, request: Request, play_id: int) -> Response:
        """One play with its steps."""
        return Response(PlayOutput(get_object_or_404(play_list(), pk=play_id)).data)
