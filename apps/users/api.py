"""POST /api/v1/auth/token/: a username and password for the user's API token, with the same
guessing limits as the sign-in page (apps.users.signin)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.serializers import errors
from apps.users import signin
from apps.users.authentication import issue_token


class TokenInput(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []  # sign_in_refusal counts attempts on the shared cache

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenInput,
        responses={
            200: OpenApiResponse(
                {"type": "object", "properties": {"token": {"type": "string"}}},
                description="Send it as `Authorization: Token <token>`; it expires after "
                "API_TOKEN_DAYS (30 by default) and ends when the user signs out or changes "
                "their password.",
            ),
            **errors(400, 429),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Exchange a username and password for the user's API token."""
        http_request = request._request
        username = str(request.data.get("username", "")) if hasattr(request.data, "get") else ""
        refusal = signin.sign_in_refusal(
            http_request, username, per_ip_rate=settings.TOKEN_RATE_PER_IP
        )
        if refusal:
            return Response({"detail": refusal, "code": "throttled"}, status=429)
        serializer = TokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = dict(serializer.validated_data)
        if not AxesProxyHandler.is_allowed(http_request, credentials):
            return signin.locked_out_response(http_request, None, credentials)  # type: ignore[return-value]
        user = authenticate(http_request, **credentials)
        if getattr(http_request, "axes_locked_out", False):
            return signin.locked_out_response(http_request, None, credentials)  # type: ignore[return-value]
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": ["Unable to sign in with these credentials."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": issue_token(user).key})
