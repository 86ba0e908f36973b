"""Intake over HTTP: `POST /api/v1/intake/` with an API key (per source) or a user token."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.campaigns.models import Asset, Campaign
from apps.leads import services
from apps.leads.authentication import IntakeKeyAuthentication
from apps.leads.models import IntakeSource, Lead, Touchpoint
from apps.users.models import Role
from apps.users.roles import has_role

MAX_METADATA_BYTES = 8 * 1024


class CanPostIntake(permissions.BasePermission):
    message = "Send a valid X-Api-Key, or a token of a Marketing or RevOps user."

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, IntakeSource):
            return True
        return has_role(request.user, Role.MARKETING, Role.REVOPS)


class IntakeThrottle(SimpleRateThrottle):
    scope = "intake"

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = (
            f"source-{request.auth.pk}"
            if isinstance(request.auth, IntakeSource)
            else f"user-{request.user.pk}"
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _find_nul(value: Any, path: str = "") -> str | None:
    """The field path of the first string containing NUL (PostgreSQL rejects it in text and jsonb)."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            found = _find_nul(item, child)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _find_nul(item, f"{path}[{i}]")
            if found:
                return found
    return None


class IntakeInput(serializers.Serializer):  # type: ignore[type-arg]
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Use a two-letter ISO country code."},
    )
    source = serializers.ChoiceField(choices=Lead.Source.choices, required=False)
    campaign = serializers.SlugRelatedField(
        slug_field="slug", queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    asset = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Asset.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    kind = serializers.ChoiceField(
        choices=Touchpoint.Kind.choices, default=Touchpoint.Kind.FORM_SUBMIT
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    metadata = serializers.DictField(required=False, default=dict)

    def validate_metadata(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_METADATA_BYTES:
            raise serializers.ValidationError(
                f"Keep metadata under {MAX_METADATA_BYTES // 1024} KB."
            )
        return value

    def validate_occurred_at(self, value: Any) -> Any:
        from datetime import timedelta

        from django.utils import timezone

        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError("occurred_at cannot be in the future.")
        return value


class IntakeOutput(serializers.Serializer):  # type: ignore[type-arg]
    lead_id = serializers.IntegerField()
    created = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    score = serializers.IntegerField()
    account_id = serializers.IntegerField(allow_null=True)
    touchpoint_id = serializers.IntegerField()


class IntakeApi(APIView):
    authentication_classes = [IntakeKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [CanPostIntake]
    throttle_classes = [IntakeThrottle]

    @extend_schema(
        operation_id="intake_create",
        request=IntakeInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Same key and body replays the first response; another body gets 422.",
            ),
        ],
        responses={
            201: IntakeOutput,
            200: IntakeOutput,
            400: OpenApiResponse(description="Invalid field (named in the body)"),
            409: OpenApiResponse(description="The first request with this key is still in flight"),
            413: OpenApiResponse(description="Body over 64 KB"),
            422: OpenApiResponse(description="Idempotency-Key reused with another body"),
        },
    )
    def post(self, request: Request) -> Response:
        """Create a lead, or add a touchpoint to the lead with this email."""
        too_big = Response(
            {"body": [f"Keep the body under {settings.INTAKE_MAX_BODY_BYTES // 1024} KB."]},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.INTAKE_MAX_BODY_BYTES:
            return too_big
        raw = request.body
        if len(raw) > settings.INTAKE_MAX_BODY_BYTES:
            return too_big
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return Response(
                {"body": ["Send a JSON object (Content-Type: application/json, UTF-8)."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not isinstance(payload, dict):
            return Response({"body": ["Send a JSON object."]}, status=status.HTTP_400_BAD_REQUEST)
        nul_field = _find_nul(payload)
        if nul_field:
            return Response(
                {nul_field: ["NUL characters are not allowed."]}, status=status.HTTP_400_BAD_REQUEST
            )
        serializer = IntakeInput(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source = request.auth if isinstance(request.auth, IntakeSource) else None
        intake = services.IntakeData(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            title=data["title"],
            phone=data["phone"],
            company_name=data["company"],
            country=data["country"],
            source=data.get("source") or (source.default_source if source else Lead.Source.API),
            campaign=data.get("campaign") or (source.default_campaign if source else None),
            asset=data.get("asset"),
            kind=data["kind"],
            occurred_at=data.get("occurred_at"),
            metadata=data["metadata"],
        )
        actor = request.user if request.user.is_authenticated else None
        key = request.headers.get("Idempotency-Key", "").strip()
        claim = None
        if key:
            if len(key) > 255:
                return Response(
                    {"Idempotency-Key": ["Keep the key under 256 characters."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            scope = f"source:{source.pk}" if source else f"user:{request.user.pk}"
            outcome = services.begin_idempotency(
                scope=f"{scope}:intake", key=key, digest=services.request_hash(payload)
            )
            if isinstance(outcome, services.Replay):
                return Response(
                    outcome.body,
                    status=outcome.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
            claim = outcome
        try:
            result = services.intake_lead(data=intake, actor=actor, idempotency=claim)
        except BaseException:
            services.abandon_idempotency(claim)
            raise
        return Response(result.body(), status=result.status_code)
