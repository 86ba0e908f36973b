"""Campaigns and assets API: every role reads campaigns, their briefs, and assets' intent notes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.campaigns.filters import AssetApiFilter, CampaignApiFilter
from apps.campaigns.models import Asset, Campaign
from apps.core.filters import StableOrderingFilter
from apps.core.serializers import USER_THROTTLES, errors, path_id


class CampaignOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    quarter = serializers.CharField(source="quarter.name", allow_null=True, default=None)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "slug",
            "channel",
            "quarter",
            "budget",
            "actual_cost",
            "starts_on",
            "ends_on",
            "goal",
            "message",
            "call_to_action",
            "sequence",
            "is_active",
            "created_at",
            "updated_at",
        ]


class AssetOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    campaign = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "slug",
            "name",
            "campaign",
            "kind",
            "topic",
            "url",
            "intent_note",
            "engagement_weight",
            "hand_raiser",
            "is_public_form",
            "is_active",
            "created_at",
            "updated_at",
        ]


ORDERING = ("-created_at", "-pk")
ORDERING_FIELDS = ["created_at", "updated_at", "id"]


class CampaignListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = CampaignOutput
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = CampaignApiFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ORDERING

    def get_queryset(self) -> QuerySet[Campaign]:
        return Campaign.objects.select_related("quarter")

    @extend_schema(
        operation_id="campaigns_list",
        responses={200: CampaignOutput(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Campaigns with the brief sales reads (goal, message, call to action, sequence)."""
        return super().get(request, *args, **kwargs)


class CampaignDetailApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="campaigns_retrieve",
        parameters=[path_id("campaign_id")],
        responses={200: CampaignOutput, **errors(404)},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        """One campaign."""
        campaign = get_object_or_404(Campaign.objects.select_related("quarter"), pk=campaign_id)
        return Response(CampaignOutput(campaign).data)


class AssetListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = AssetOutput
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = AssetApiFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ORDERING

    def get_queryset(self) -> QuerySet[Asset]:
        return Asset.objects.select_related("campaign")

    @extend_schema(
        operation_id="assets_list", responses={200: AssetOutput(many=True), **errors(400, 404)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Assets with marketing's intent note: what engaging with each one signals."""
        return super().get(request, *args, **kwargs)


class AssetDetailApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="assets_retrieve",
        parameters=[path_id("asset_id")],
        responses={200: AssetOutput, **errors(404)},
    )
    def get(self, request: Request, asset_id: int) -> Response:
        """One asset."""
        asset = get_object_or_404(Asset.objects.select_related("campaign"), pk=asset_id)
        return Response(AssetOutput(asset).data)
