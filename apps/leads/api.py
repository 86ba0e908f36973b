"""The lead API: intake (API key, user token, signed webhook) and the rep's work on leads.

Every read goes through `Lead.objects.visible_to(user)` (404 alike for missing and forbidden);
every action calls the same service the web pages call, and the one exception handler turns
its DomainError into 403/409/422 with the field named.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, renderers, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.campaigns.models import Asset, Campaign
from apps.core.csv_safe import stream_rows
from apps.core.serializers import USER_THROTTLES, UserSummary, errors, path_id
from apps.feedback.models import DisqualificationReason
from apps.feedback.serializers import DisqualificationOutput
from apps.leads import selectors, services
from apps.leads.api_filters import LeadApiFilter, StableOrderingFilter
from apps.leads.authentication import IntakeKeyAuthentication
from apps.leads.models import Activity, IntakeSource, Lead, LeadEvent, Touchpoint
from apps.opportunities.serializers import OpportunityOutput
from apps.plays.models import Channel, LeadPlay, LeadPlayStep
from apps.routing import services as routing
from apps.users.models import Role, User
from apps.users.roles import has_role, roles_of

MAX_METADATA_BYTES = 8 * 1024
SIGNATURE_TOLERANCE_SECONDS = 300
DETAIL_LIMIT = 100


# --- Intake: shared by the API-key endpoint and the signed webhook -------------------------


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


class WebhookThrottle(SimpleRateThrottle):
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
        return value


class IntakeOutput(serializers.Serializer):  # type: ignore[type-arg]
    lead_id = serializers.IntegerField()
    created = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    score = serializers.IntegerField()
    account_id = serializers.IntegerField(allow_null=True)
    touchpoint_id = serializers.IntegerField()


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
    **errors(400, 403, 409, 413, 422),
}


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
    authentication_classes = [IntakeKeyAuthentication, TokenAuthentication, SessionAuthentication]
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
        raw = _read_body(request)
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
                return SignatureCheck(True)
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
        return intake_response(
            raw=raw,
            source=source,
            actor=None,
            scope=f"source:{source.pk}:webhook",
            key=request.headers.get("Idempotency-Key", ""),
        )


# --- Reading leads ---------------------------------------------------------------------------


class LeadAccountRef(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    tier = serializers.CharField()
    lifecycle = serializers.CharField()


class CampaignRef(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class AssetRef(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    intent_note = serializers.CharField(help_text="What marketing meant by the asset.")
    hand_raiser = serializers.BooleanField()


class LeadOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    account = LeadAccountRef(allow_null=True)
    campaign = CampaignRef(allow_null=True)
    owner = UserSummary(allow_null=True)
    display_name = serializers.CharField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "email",
            "display_name",
            "first_name",
            "last_name",
            "title",
            "buying_role",
            "phone",
            "country",
            "company_name",
            "account",
            "source",
            "campaign",
            "fit_score",
            "engagement_score",
            "score",
            "status",
            "owner",
            "assigned_at",
            "ready_at",
            "ready_reason",
            "first_response_at",
            "sla_due_at",
            "sla_state",
            "attempt_count",
            "last_touch_at",
            "converted_at",
            "disqualified_at",
            "is_archived",
            "created_at",
            "updated_at",
        ]


class TouchpointOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    campaign = CampaignRef(allow_null=True)
    asset = AssetRef(allow_null=True)

    class Meta:
        model = Touchpoint
        fields = ["id", "kind", "occurred_at", "campaign", "asset", "metadata"]


class AttemptOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    rep = UserSummary()
    note = serializers.SerializerMethodField()
    note_hidden = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "rep", "channel", "outcome", "note", "note_hidden", "occurred_at"]

    def _hidden(self, activity: Activity) -> bool:
        viewer: User = self.context["request"].user
        return not reads_all_attempt_notes(viewer) and activity.rep_id != viewer.pk

    def get_note(self, activity: Activity) -> str:
        return "" if self._hidden(activity) else activity.note

    def get_note_hidden(self, activity: Activity) -> bool:
        return self._hidden(activity)


class EventOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = UserSummary(allow_null=True)

    class Meta:
        model = LeadEvent
        fields = ["id", "kind", "actor", "reason", "old_value", "new_value", "payload", "at"]


class LeadPlayStepOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = LeadPlayStep
        fields = ["id", "order", "channel", "title", "template", "due_at", "completed_at"]


class LeadPlayOutput(serializers.Serializer):  # type: ignore[type-arg]
    play_id = serializers.IntegerField()
    name = serializers.CharField(source="play.name")
    talk_track = serializers.CharField(source="play.talk_track")
    attached_at = serializers.DateTimeField()
    match_reason = serializers.CharField()
    steps = LeadPlayStepOutput(many=True, source="step_list")


class LeadDetailOutput(LeadOutput):
    journey = TouchpointOutput(
        many=True, source="journey_items", help_text="Newest first, with the assets' intent notes."
    )
    play = LeadPlayOutput(allow_null=True, source="play_item")
    attempts = AttemptOutput(
        many=True, source="attempt_items", help_text="Other reps' notes are hidden from Sales."
    )
    events = EventOutput(
        many=True, source="event_items", help_text="The audit trail, newest first."
    )

    class Meta(LeadOutput.Meta):
        fields = [*LeadOutput.Meta.fields, "journey", "play", "attempts", "events"]


def reads_all_attempt_notes(user: User) -> bool:
    """The SPEC: managers, marketing and RevOps read every rep's notes; Sales and Service do not."""
    return bool(roles_of(user) & {Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS})


def lead_list(*, user: User) -> QuerySet[Lead]:
    """The leads the user may read, with what a list row shows (no query per row)."""
    return Lead.objects.visible_to(user).select_related("account", "campaign", "owner")


def lead_detail(*, user: User, lead_id: int) -> Lead:
    """The lead with its journey, play and steps, attempts and events (newest first, bounded)."""
    lead = selectors.lead_for(user=user, lead_id=lead_id)
    lead.journey_items = list(  # type: ignore[attr-defined]
        lead.touchpoints.select_related("asset", "campaign").order_by("-occurred_at", "-pk")[
            :DETAIL_LIMIT
        ]
    )
    lead.attempt_items = list(  # type: ignore[attr-defined]
        lead.activities.select_related("rep").order_by("-occurred_at", "-pk")[:DETAIL_LIMIT]
    )
    lead.event_items = list(  # type: ignore[attr-defined]
        lead.events.select_related("actor").order_by("-at", "-pk")[:DETAIL_LIMIT]
    )
    lead_play: LeadPlay | None = LeadPlay.objects.filter(lead=lead).select_related("play").first()
    if lead_play is not None:
        lead_play.step_list = list(lead_play.steps.order_by("order"))  # type: ignore[attr-defined]
    lead.play_item = lead_play  # type: ignore[attr-defined]
    return lead


def exportable_leads(*, user: User) -> QuerySet[Lead]:
    """What the user may export: Sales export their own leads only; Service its customers' leads;
    managers, Marketing and RevOps every lead they read."""
    roles = roles_of(user)
    queryset = Lead.objects.visible_to(user)
    if roles & {Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS}:
        return queryset
    if Role.SALES in roles:
        own = queryset.filter(owner=user)
        if Role.SERVICE in roles:
            return own | queryset.filter(account__lifecycle="customer")
        return own
    return queryset


LEAD_ORDERING = ("-created_at", "-pk")
LEAD_ORDERING_FIELDS = ["created_at", "updated_at", "score", "id"]


class LeadListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = LeadOutput
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = LeadApiFilter
    ordering_fields = LEAD_ORDERING_FIELDS
    ordering = LEAD_ORDERING

    def get_queryset(self) -> QuerySet[Lead]:
        return lead_list(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        operation_id="leads_list", responses={200: LeadOutput(many=True), **errors(400, 404)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Leads your role may read, newest first; filter and order with the query parameters."""
        return super().get(request, *args, **kwargs)


class LeadDetailApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_retrieve",
        parameters=[path_id("lead_id")],
        responses={200: LeadDetailOutput, **errors(404)},
    )
    def get(self, request: Request, lead_id: int) -> Response:
        """One lead with its journey (and the intent notes of the assets), play, attempts and events."""
        lead = lead_detail(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        return Response(LeadDetailOutput(lead, context={"request": request}).data)


class CsvRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/csv; error bodies are rendered as a one-column CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        lines = stream_rows(["error"], [[json.dumps(data, default=str)]])
        return "".join(lines).encode()


EXPORT_COLUMNS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "title",
    "buying_role",
    "phone",
    "country",
    "company_name",
    "account_domain",
    "account_name",
    "source",
    "campaign",
    "status",
    "owner",
    "score",
    "fit_score",
    "engagement_score",
    "sla_state",
    "sla_due_at",
    "attempt_count",
    "created_at",
    "updated_at",
]


def export_rows(queryset: QuerySet[Lead]) -> Iterator[list[Any]]:
    """One list per lead in EXPORT_COLUMNS order; streams the queryset in chunks."""
    rows = queryset.select_related("account", "campaign", "owner").order_by("-created_at", "-pk")
    for lead in rows.iterator(chunk_size=2000):
        yield [
            lead.pk,
            lead.email,
            lead.first_name,
            lead.last_name,
            lead.title,
            lead.buying_role,
            lead.phone,
            lead.country,
            lead.company_name,
            lead.account.domain if lead.account else "",
            lead.account.name if lead.account else "",
            lead.source,
            lead.campaign.slug if lead.campaign else "",
            lead.status,
            lead.owner.username if lead.owner else "",
            lead.score,
            lead.fit_score,
            lead.engagement_score,
            lead.sla_state,
            lead.sla_due_at.isoformat() if lead.sla_due_at else "",
            lead.attempt_count,
            lead.created_at.isoformat(),
            lead.updated_at.isoformat(),
        ]


class LeadExportApi(generics.GenericAPIView):  # type: ignore[type-arg]
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadApiFilter
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]
    pagination_class = None

    def get_queryset(self) -> QuerySet[Lead]:
        return exportable_leads(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        operation_id="leads_export",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="UTF-8 CSV with a header row: exactly the filtered leads you may "
                "export, newest first. Cells that a spreadsheet would run as a formula start "
                "with a '.",
            ),
            **errors(400, 404),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        """Export the filtered leads as CSV (Sales: your own leads; Service: customers' leads)."""
        queryset = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(
            stream_rows(EXPORT_COLUMNS, export_rows(queryset)),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
        return response


# --- Working leads: the same services the lead page calls ------------------------------------


class AttemptInput(serializers.Serializer):  # type: ignore[type-arg]
    channel = serializers.ChoiceField(choices=Channel.choices)
    outcome = serializers.ChoiceField(choices=Activity.Outcome.choices)
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it happened; now if omitted."
    )


class LeadAttemptsApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = AttemptOutput
    throttle_classes = USER_THROTTLES

    def get_queryset(self) -> QuerySet[Activity]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no lead in the URL
            return Activity.objects.none()
        lead = selectors.lead_for(user=self.request.user, lead_id=self.kwargs["lead_id"])  # type: ignore[arg-type]
        return Activity.objects.filter(lead=lead).select_related("rep")

    @extend_schema(
        operation_id="leads_attempts_list",
        parameters=[path_id("lead_id")],
        responses={200: AttemptOutput(many=True), **errors(404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The lead's contact attempts, newest first (other reps' notes hidden from Sales)."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="leads_attempts_create",
        parameters=[path_id("lead_id")],
        request=AttemptInput,
        responses={201: AttemptOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Log a contact attempt on your lead; the first one settles the SLA clock."""
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = AttemptInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        activity = services.log_attempt(
            lead_id=lead.pk,
            rep=request.user,  # type: ignore[arg-type]
            channel=data["channel"],
            outcome=data["outcome"],
            note=data["note"],
            at=data.get("at"),
        )
        return Response(
            AttemptOutput(activity, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


def _lead_output(lead: Lead) -> dict[str, Any]:
    fresh = Lead.objects.select_related("account", "campaign", "owner").get(pk=lead.pk)
    return dict(LeadOutput(fresh).data)


class LeadClaimApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_claim",
        parameters=[path_id("lead_id")],
        request=None,
        responses={200: LeadOutput, **errors(403, 404, 409)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Take a ready lead from the team pool (Sales, Sales manager). A lost race is a 409."""
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        claimed = routing.claim_lead(lead_id=lead.pk, rep=request.user)  # type: ignore[arg-type]
        return Response(_lead_output(claimed))


class ReassignInput(serializers.Serializer):  # type: ignore[type-arg]
    to_rep = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="The user id of an active sales rep."
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LeadReassignApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_reassign",
        parameters=[path_id("lead_id")],
        request=ReassignInput,
        responses={200: LeadOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Move an open lead to another rep (Sales manager, RevOps)."""
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = ReassignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = routing.reassign_lead(
            lead_id=lead.pk,
            to_rep=serializer.validated_data["to_rep"],
            actor=request.user,  # type: ignore[arg-type]
            reason=serializer.validated_data["reason"],
        )
        return Response(_lead_output(moved))


class ConvertInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=999_999_999_999
    )
    expected_close = serializers.DateField(required=False, allow_null=True)


class LeadConvertApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_convert",
        parameters=[path_id("lead_id")],
        request=ConvertInput,
        responses={201: OpportunityOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Open an opportunity for the lead's account; the lead becomes converted."""
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = ConvertInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        opportunity = services.convert_lead(
            lead_id=lead.pk,
            actor=request.user,  # type: ignore[arg-type]
            name=data["name"],
            amount=data["amount"],
            expected_close=data.get("expected_close"),
        )
        return Response(OpportunityOutput(opportunity).data, status=status.HTTP_201_CREATED)


class DisqualifyInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.SlugRelatedField(
        slug_field="code",
        queryset=DisqualificationReason.objects.filter(is_active=True),
        help_text="The code of an active disqualification reason.",
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class LeadDisqualifyApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_disqualify",
        parameters=[path_id("lead_id")],
        request=DisqualifyInput,
        responses={201: DisqualificationOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Close the lead with a reason whose rules are met; marketing gets a review item."""
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = DisqualifyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        disqualification = services.disqualify_lead(
            lead_id=lead.pk,
            actor=request.user,  # type: ignore[arg-type]
            reason_id=serializer.validated_data["reason"].pk,
            note=serializer.validated_data["note"],
        )
        return Response(
            DisqualificationOutput(disqualification).data, status=status.HTTP_201_CREATED
        )


class RecycleInput(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LeadRecycleApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_recycle",
        parameters=[path_id("lead_id")],
        request=RecycleInput,
        responses={200: LeadOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Hand an open lead back to marketing's nurture (the owner and clock are cleared)."""
        lead = selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = RecycleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        recycled = services.recycle_lead(
            lead_id=lead.pk,
            actor=request.user,  # type: ignore[arg-type]
            note=serializer.validated_data["note"],
        )
        return Response(_lead_output(recycled))
