"""Renewals API: Sales, Sales managers, Service and RevOps read renewals (Marketing does not)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.filters import StableOrderingFilter
from apps.core.serializers import USER_THROTTLES, errors
from apps.service.filters import RenewalApiFilter
from apps.service.models import Renewal
from apps.users.models import Role
from apps.users.roles import has_role


class ReadsRenewals(permissions.BasePermission):
    message = "Your role does not read renewals."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_role(request.user, Role.SALES, Role.SALES_MANAGER, Role.SERVICE, Role.REVOPS)


class RenewalAccount(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    health = serializers.CharField()


class RenewalOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    account = RenewalAccount()
    churn_reason = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Renewal
        fields = [
            "id",
            "account",
            "due_on",
            "amount",
            "outcome",
            "renewed_amount",
            "churn_reason",
            "churn_note",
            "closed_at",
            "created_at",
            "updated_at",
        ]


class RenewalListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = RenewalOutput
    throttle_classes = USER_THROTTLES
    permission_classes = [permissions.IsAuthenticated, ReadsRenewals]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = RenewalApiFilter
    ordering_fields = ["created_at", "updated_at", "due_on", "id"]
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[Renewal]:
        return Renewal.objects.select_related("account", "churn_reason")

    @extend_schema(
        operation_id="renewals_list",
        responses={200: RenewalOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Renewals with due date, amount and outcome."""
        return super().get(request, *args, **kwargs)
