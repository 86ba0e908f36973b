"""Campaigns and assets API: every role reads campaigns, their briefs, their spend and assets'
intent notes; Marketing and RevOps record spend."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.campaigns import selectors, services
from apps.campaigns.filters import AssetApiFilter, CampaignApiFilter
from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.filters import StableOrderingFilter
from apps.core.serializers import USER_THROTTLES, UserSummary, errors, path_id
from apps.users.roles import has_role


class CampaignOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    quarter = serializers.CharField(source="quarter.name", allow_null=True, default=None)
    spend_total = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="Sum of the spend entries that count (all dates); null when none is recorded.",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "slug",
            "channel",
            "quarter",
            "budget",
            "spend_total",
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
        return selectors.with_spend_total(Campaign.objects.select_related("quarter"))

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
        campaigns = selectors.with_spend_total(Campaign.objects.select_related("quarter"))
        campaign = get_object_or_404(campaigns, pk=campaign_id)
        return Response(CampaignOutput(campaign).data)


class SpendOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    created_by = UserSummary(allow_null=True, read_only=True)
    replaced_by = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        read_only=True,
        allow_null=True,
        help_text="The entry that corrected this one (which then no longer counts), if any.",
    )

    class Meta:
        model = CampaignSpend
        fields = [
            "id",
            "campaign",
            "starts_on",
            "ends_on",
            "amount",
            "note",
            "replaces",
            "replaced_by",
            "created_by",
            "created_at",
        ]


class SpendInput(serializers.Serializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    starts_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="First day the money was spent over. With no dates the entry is spread over "
        "the campaign's run dates; with one date it is that single day.",
    )
    ends_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Last day (inclusive)."
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    replaces = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of an entry of this campaign that this one corrects.",
    )


class RecordsSpend(permissions.BasePermission):
    """Every role reads spend; Marketing and RevOps record it (checked before the body)."""

    message = "Only Marketing and RevOps record campaign spend."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return has_role(request.user, *services.CAMPAIGN_EDITORS)


class CampaignSpendApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = SpendOutput
    throttle_classes = USER_THROTTLES
    permission_classes = [permissions.IsAuthenticated, RecordsSpend]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CampaignSpend]:
        campaign = get_object_or_404(Campaign.objects.only("pk"), pk=self.kwargs["campaign_id"])
        return selectors.campaign_spend(campaign_id=campaign.pk)

    @extend_schema(
        operation_id="campaigns_spend_list",
        parameters=[path_id("campaign_id")],
        responses={200: SpendOutput(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The campaign's spend entries, newest recorded first, corrected ones included."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="campaigns_spend_create",
        parameters=[path_id("campaign_id")],
        request=SpendInput,
        responses={201: SpendOutput, **errors(400, 403, 404, 422)},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        """Record spend (Marketing, RevOps): an amount over a period, or without dates spread
        over the campaign's run dates. A negative amount, or a period outside the campaign's run
        dates, is a 400 naming the field, and nothing is written."""
        campaign = get_object_or_404(Campaign.objects.only("pk"), pk=campaign_id)
        serializer = SpendInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.add_spend(
            campaign_id=campaign.pk,
            amount=data["amount"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            note=data["note"],
            replaces_id=data["replaces"],
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(SpendOutput(entry).data, status=status.HTTP_201_CREATED)


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
