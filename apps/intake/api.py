"""The intake API: POST /api/v1/intake/ (an intake source's API key, or a Marketing or RevOps
user's token) and the signed webhook /api/v1/intake/webhook/<slug>/. Both parse the same JSON
body and call the same service as the public form, idempotently when a key is sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.campaigns.models import Asset, Campaign
from apps.core.parsers import JsonRefused, loads_strict
from apps.core.serializers import BuiltFields, errors
from apps.core.throttling import CountingRateThrottle
from apps.intake import services
from apps.intake.authentication import IntakeKeyAuthentication
from apps.intake.models import IntakeSource
from apps.leads.models import Lead, Touchpoint
from apps.users.authentication import ExpiringTokenAuthentication
from apps.users.models import Role, User
from apps.users.roles import has_role

MAX_METADATA_BYTES = 8 * 1024
SIGNATURE_TOLERANCE_SECONDS = int(services.SIGNATURE_TOLERANCE.total_seconds())
# Touches dated before this are typos or garbage (a year-1 date), not history.
EARLIEST_TOUCH = datetime(2000, 1, 1, tzinfo=UTC)
JSON_TYPES = ("application/json",)


class CanPostIntake(permissions.BasePermission):
    message = "Send a valid X-Api-Key, or a token of a Marketing or RevOps user."

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, IntakeSource):
            return True
        return has_role(request.user, Role.MARKETING, Role.REVOPS)


class IntakeThrottle(CountingRateThrottle):
    scope = "intake"

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = (
            f"source-{request.auth.pk}"
            if isinstance(request.auth, IntakeSource)
            else f"user-{request.user.pk}"
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WebhookThrottle(CountingRateThrottle):
    """The intake quota, counted per source slug (the webhook has no key or user)."""

    scope = "intake"

    def get_cache_key(self, request: Request, view: Any) -> str:
        slug = str(view.kwargs.get("slug", ""))[:60]
        return self.cache_format % {"scope": self.scope, "ident": f"webhook-{slug}"}


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


class IntakeInput(BuiltFields, serializers.Serializer):  # type: ignore[type-arg]
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
    source = serializers.ChoiceField(choices=Lead.Source.choices, required=False)  # type: ignore[assignment]
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
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError("occurred_at cannot be in the future.")
        if value is not None and value < EARLIEST_TOUCH:
            raise serializers.ValidationError("occurred_at must be in the year 2000 or later.")
        return value


class IntakeOutput(serializers.Serializer):  # type: ignore[type-arg]
    lead_id = serializers.IntegerField()
    created = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    score = serializers.IntegerField()
    account_id = serializers.IntegerField(allow_null=True)
    touchpoint_id = serializers.IntegerField()
    booking_url = serializers.URLField(
        required=False,
        help_text="A hand-raise on a form that offers booking: the signed link where the buyer "
        "books a meeting with the rep routing picks (valid 7 days).",
    )


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Same key and body replays the first response; another body gets 422.",
)
INTAKE_RESPONSES: dict[int, Any] = {
    201: IntakeOutput,
    200: OpenApiResponse(IntakeOutput, description="Known email: a touchpoint was added"),
    **errors(400, 403, 409, 413, 415, 422),
}


def _not_json(request: Request) -> Response | None:
    """415 unless the body is declared JSON (text/plain or XML is never parsed as JSON)."""
    content_type = request.content_type.split(";", 1)[0].strip().lower()
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return None
    return Response(
        {"Content-Type": ["Send the body as JSON with Content-Type: application/json."]},
        status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    )


def _read_body(request: Request) -> bytes | Response:
    """The raw body, or a 413 when it is (or says it is) over the intake limit."""
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
    raw: bytes = request.body
    if len(raw) > settings.INTAKE_MAX_BODY_BYTES:
        return too_big
    return raw


def intake_response(
    *, raw: bytes, source: IntakeSource | None, actor: User | None, scope: str, key: str
) -> Response:
    """Parse and validate a JSON intake body, then create or update the lead (idempotently when a
    key is given). `scope` names the sender and route the Idempotency-Key belongs to."""
    try:
        payload = loads_strict(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Response({"body": ["Send UTF-8 encoded JSON."]}, status=status.HTTP_400_BAD_REQUEST)
    except JsonRefused as refused:
        return Response({refused.field: [refused.message]}, status=status.HTTP_400_BAD_REQUEST)
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
    claim = None
    key = key.strip()
    if key:
        if len(key) > 255:
            return Response(
                {"Idempotency-Key": ["Keep the key under 256 characters."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        outcome = services.begin_idempotency(
            scope=scope, key=key, digest=services.request_hash(payload)
        )
        if isinstance(outcome, services.Replay):
            return Response(
                outcome.body, status=outcome.status_code, headers={"Idempotent-Replayed": "true"}
            )
        claim = outcome
    try:
        result = services.intake_lead(data=intake, actor=actor, idempotency=claim)
    except BaseException:
        services.abandon_idempotency(claim)
        raise
    return Response(result.body(), status=result.status_code)


class IntakeApi(APIView):
    authentication_classes = [
        IntakeKeyAuthentication,
        ExpiringTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [CanPostIntake]
    throttle_classes = [IntakeThrottle]

    @extend_schema(
        operation_id="intake_create",
        request=IntakeInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses=INTAKE_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        """Create a lead, or add a touchpoint to the lead with this email."""
        raw = _not_json(request) or _read_body(request)
        if isinstance(raw, Response):
            return raw
        source = request.auth if isinstance(request.auth, IntakeSource) else None
        sender = f"source:{source.pk}" if source else f"user:{request.user.pk}"
        return intake_response(
            raw=raw,
            source=source,
            actor=request.user if request.user.is_authenticated else None,
            scope=f"{sender}:intake",
            key=request.headers.get("Idempotency-Key", ""),
        )


# --- Signed webhook intake ------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    message: str = ""
    signature: str = ""  # the matching v1 digest: what replay protection remembers


def sign_webhook(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Signature header value a sender computes: HMAC-SHA256 over "{t}.{raw body}"."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_webhook_signature(
    *, source: IntakeSource, header: str, body: bytes, now: float | None = None
) -> SignatureCheck:
    """Check `t=<unix ts>,v1=<hex>` against the current or previous secret, within 300 s."""
    secrets = [s for s in (source.webhook_secret, source.previous_webhook_secret) if s]
    if not secrets:
        return SignatureCheck(False, "This source has no webhook secret; set one in the admin.")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(",")[:10]:
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates:
        return SignatureCheck(False, "Send X-Signature: t=<unix time>,v1=<hex HMAC-SHA256>.")
    current = time.time() if now is None else now
    if abs(current - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        return SignatureCheck(False, "The signature timestamp is more than 300 seconds off.")
    for secret in secrets:
        expected = sign_webhook(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
        for candidate in candidates:
            if hmac.compare_digest(expected, candidate):
                return SignatureCheck(True, signature=expected)
    return SignatureCheck(False, "The signature does not match the body.")


class WebhookIntakeApi(APIView):
    """Signature first, then the same intake path as /api/v1/intake/."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [WebhookThrottle]

    @extend_schema(
        operation_id="intake_webhook_create",
        request=IntakeInput,
        parameters=[
            IDEMPOTENCY_HEADER,
            OpenApiParameter(
                "slug",
                {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 60},
                OpenApiParameter.PATH,
                description="The intake source's slug.",
            ),
            OpenApiParameter(
                "X-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description='`t=<unix time>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">` with the '
                "source's webhook secret; the previous secret is accepted during rotation; "
                "the timestamp may be 300 s off at most.",
            ),
        ],
        responses={**INTAKE_RESPONSES, **errors(404)},
        auth=[],
    )
    def post(self, request: Request, slug: str) -> Response:
        """Create or update a lead from a signed webhook of an intake source."""
        source = IntakeSource.objects.filter(slug=slug, is_active=True).first()
        if source is None:
            return Response({"detail": "No such intake source."}, status=status.HTTP_404_NOT_FOUND)
        raw = _read_body(request)
        if isinstance(raw, Response):
            return raw
        check = verify_webhook_signature(
            source=source, header=request.headers.get("X-Signature", ""), body=raw
        )
        if not check.ok:
            return Response({"X-Signature": [check.message]}, status=status.HTTP_401_UNAUTHORIZED)
        refused = _not_json(request)
        if refused is not None:
            return refused
        if not services.accept_webhook_delivery(source_id=source.pk, signature=check.signature):
            return Response(
                {
                    "X-Signature": [
                        "This signed delivery was already received. Sign each delivery anew "
                        "(a new timestamp); send the same Idempotency-Key to replay a response."
                    ],
                    "code": "replayed",
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            response = intake_response(
                raw=raw,
                source=source,
                actor=None,
                scope=f"source:{source.pk}:webhook",
                key=request.headers.get("Idempotency-Key", ""),
            )
        except BaseException:
            services.forget_webhook_delivery(source_id=source.pk, signature=check.signature)
            raise
        if response.status_code >= 400:
            # Refused input changed nothing: a corrected delivery may reuse the signature.
            services.forget_webhook_delivery(source_id=source.pk, signature=check.signature)
        return response
