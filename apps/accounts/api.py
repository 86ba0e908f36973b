"""Accounts API: every role reads accounts (the SPEC's baseline permissions)."""

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

from apps.accounts.filters import AccountApiFilter
from apps.accounts.models import Account
from apps.core.filters import StableOrderingFilter
from apps.core.serializers import USER_THROTTLES, UserSummary, errors, path_id


class AccountOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    owner = UserSummary(allow_null=True)
    buying_roles_engaged = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "employees",
            "country",
            "tier",
            "owner",
            "lifecycle",
            "health",
            "engagement_score",
            "buying_roles_engaged",
            "is_conversation_ready",
            "ready_since",
            "became_customer_at",
            "is_archived",
            "created_at",
            "updated_at",
        ]


def account_list() -> QuerySet[Account]:
    return Account.objects.select_related("owner")


class AccountListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = AccountOutput
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = AccountApiFilter
    ordering_fields = ["created_at", "updated_at", "engagement_score", "id"]
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[Account]:
        return account_list()

    @extend_schema(
        operation_id="accounts_list",
        responses={200: AccountOutput(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Accounts, newest first, with engagement and buying roles engaged."""
        return super().get(request, *args, **kwargs)


class AccountDetailApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="accounts_retrieve",
        parameters=[path_id("account_id")],
        responses={200: AccountOutput, **errors(404)},
    )
    def get(self, request: Request, account_id: int) -> Response:
        """One account."""
        return Response(AccountOutput(get_object_or_404(account_list(), pk=account_id)).data)
