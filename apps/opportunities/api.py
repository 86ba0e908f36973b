"""Opportunities API: Sales read their own, everyone else reads all; stage changes by service."""

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

from apps.core.filters import StableOrderingFilter
from apps.core.serializers import MAX_ID, USER_THROTTLES, errors, path_id
from apps.opportunities import services
from apps.opportunities.filters import OpportunityApiFilter
from apps.opportunities.models import LOST_DETAILS_LENGTH, Opportunity
from apps.opportunities.serializers import OpportunityOutput
from apps.users.models import Role, User
from apps.users.roles import roles_of


def opportunities_for(*, user: User) -> QuerySet[Opportunity]:
    """Sales: own; Sales manager (team), Marketing, Service and RevOps: all."""
    queryset = Opportunity.objects.select_related("account", "owner", "lost_reason")
    roles = roles_of(user)
    if roles & {Role.SALES_MANAGER, Role.MARKETING, Role.SERVICE, Role.REVOPS}:
        return queryset
    if Role.SALES in roles:
        return queryset.filter(owner=user)
    return queryset.none()


class OpportunityListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = OpportunityOutput
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = OpportunityApiFilter
    ordering_fields = ["created_at", "updated_at", "amount", "id"]
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[Opportunity]:
        return opportunities_for(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        operation_id="opportunities_list",
        responses={200: OpportunityOutput(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Opportunities your role may read, newest first."""
        return super().get(request, *args, **kwargs)


class OpportunityDetailApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="opportunities_retrieve",
        parameters=[path_id("opportunity_id")],
        responses={200: OpportunityOutput, **errors(404)},
    )
    def get(self, request: Request, opportunity_id: int) -> Response:
        """One opportunity."""
        opportunity = get_object_or_404(
            opportunities_for(user=request.user),  # type: ignore[arg-type]
            pk=opportunity_id,
        )
        return Response(OpportunityOutput(opportunity).data)


class OptionalId(serializers.IntegerField):
    """A record id, where a blank string means none given (as null does): clients that sent
    the old free-text reason as "" with another stage keep working."""

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        return super().validate_empty_values(None if data == "" else data)


class StageInput(serializers.Serializer):  # type: ignore[type-arg]
    stage = serializers.ChoiceField(choices=Opportunity.Stage.choices)
    # An id, not a related field: the service refuses a missing, unknown or archived reason
    # with one message on `lost_reason` (422), for this endpoint and the pipeline page alike.
    lost_reason = OptionalId(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="Required for lost: the id of an active lost reason (RevOps keeps the list).",
    )
    lost_details = serializers.CharField(
        max_length=LOST_DETAILS_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional, for lost: what else to know about the loss.",
    )


class OpportunityStageApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="opportunities_stage",
        parameters=[path_id("opportunity_id")],
        request=StageInput,
        responses={200: OpportunityOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, opportunity_id: int) -> Response:
        """Move your (Sales) or your team's (Sales manager) open opportunity to another stage."""
        opportunity = get_object_or_404(
            opportunities_for(user=request.user),  # type: ignore[arg-type]
            pk=opportunity_id,
        )
        serializer = StageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = services.change_stage(
            opportunity_id=opportunity.pk,
            actor=request.user,  # type: ignore[arg-type]
            stage=serializer.validated_data["stage"],
            lost_reason_id=serializer.validated_data["lost_reason"],
            lost_details=serializer.validated_data["lost_details"],
        )
        fresh = opportunities_for(user=request.user).get(pk=changed.pk)  # type: ignore[arg-type]
        return Response(OpportunityOutput(fresh).data)
