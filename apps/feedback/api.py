"""Disqualifications API: marketing's review queue, and the review action itself."""

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

from apps.core.pagination import CreatedCursorPagination
from apps.core.serializers import USER_THROTTLES, errors, path_id
from apps.feedback import services
from apps.feedback.filters import DisqualificationApiFilter
from apps.feedback.models import Disqualification
from apps.feedback.serializers import DisqualificationOutput
from apps.users.models import Role, User
from apps.users.roles import roles_of


def disqualifications_for(*, user: User) -> QuerySet[Disqualification]:
    """Marketing, RevOps and sales managers (who see disputes) read all; a rep reads their own."""
    queryset = Disqualification.objects.select_related("rep", "reason", "reviewer")
    roles = roles_of(user)
    if roles & {Role.MARKETING, Role.REVOPS, Role.SALES_MANAGER}:
        return queryset
    if Role.SALES in roles:
        return queryset.filter(rep=user)
    return queryset.none()


class AtCursorPagination(CreatedCursorPagination):
    ordering = ("-at", "-pk")


class DisqualificationListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = DisqualificationOutput
    throttle_classes = USER_THROTTLES
    pagination_class = AtCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = DisqualificationApiFilter

    def get_queryset(self) -> QuerySet[Disqualification]:
        return disqualifications_for(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        operation_id="disqualifications_list",
        responses={200: DisqualificationOutput(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Disqualifications with reason and review state, newest first."""
        return super().get(request, *args, **kwargs)


class ReviewInput(serializers.Serializer):  # type: ignore[type-arg]
    decision = serializers.ChoiceField(
        choices=[
            ("acknowledge", "Acknowledge"),
            ("recycle", "Acknowledge and recycle to nurture"),
            ("dispute", "Dispute"),
        ]
    )
    action_note = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What marketing will change, or why it disputes (optional when recycling).",
    )
    reengage_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When recycling: the day the lead wakes (after today, within two years).",
    )
    dispute_outcome = serializers.ChoiceField(
        choices=[("nurture", "Back to nurture"), ("ready", "Re-route as ready")],
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when disputing.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["decision"] != "recycle" and not attrs["action_note"].strip():
            raise serializers.ValidationError(
                {"action_note": "Required to acknowledge or dispute."}
            )
        return attrs


class DisqualificationReviewApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="disqualifications_review",
        parameters=[path_id("disqualification_id")],
        request=ReviewInput,
        responses={200: DisqualificationOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, disqualification_id: int) -> Response:
        """Acknowledge with an action, acknowledge and recycle to nurture (with an optional
        re-engage day), or dispute (Marketing, RevOps). Each item is reviewed once."""
        dq = get_object_or_404(
            disqualifications_for(user=request.user),  # type: ignore[arg-type]
            pk=disqualification_id,
        )
        serializer = ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reviewed = services.review_disqualification(
            disqualification_id=dq.pk,
            actor=request.user,  # type: ignore[arg-type]
            decision=data["decision"],
            note=data["action_note"],
            dispute_outcome=data["dispute_outcome"],
            reengage_on=data["reengage_on"],
        )
        return Response(DisqualificationOutput(reviewed).data)
