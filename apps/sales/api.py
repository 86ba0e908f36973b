"""The lead API: list, detail (journey, play, attempts, events), export, and the rep's work on
leads (attempts, claim, reassign, convert, disqualify, recycle).

Every read goes through `Lead.objects.visible_to(user)` (404 alike for missing and forbidden);
every action calls the same service the web pages call, and the one exception handler turns
its DomainError into 403/409/422 with the field named.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.csv_safe import stream_rows
from apps.core.filters import StableOrderingFilter
from apps.core.serializers import USER_THROTTLES, UserSummary, errors, path_id
from apps.feedback import services as feedback_services
from apps.feedback.models import DisqualificationReason
from apps.feedback.serializers import DisqualificationOutput
from apps.leads import selectors as lead_selectors
from apps.leads.exports import EXPORT_COLUMNS, export_rows
from apps.leads.models import Activity, Channel, Lead, LeadEvent, Touchpoint
from apps.opportunities import services as opportunity_services
from apps.opportunities.serializers import OpportunityOutput
from apps.plays import services as play_services
from apps.plays.models import LeadPlayStep
from apps.routing import services as routing
from apps.sales import selectors
from apps.sales.filters import LeadApiFilter
from apps.sales.forms import ATTEMPT_OUTCOMES
from apps.users.models import User

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
        return not lead_selectors.reads_all_attempt_notes(viewer) and activity.rep_id != viewer.pk

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
        return lead_selectors.lead_list(user=self.request.user)  # type: ignore[arg-type]

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
        lead = selectors.lead_detail(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
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


class LeadExportApi(generics.GenericAPIView):  # type: ignore[type-arg]
    throttle_classes = USER_THROTTLES
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadApiFilter
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]
    pagination_class = None

    def get_queryset(self) -> QuerySet[Lead]:
        return lead_selectors.exportable_leads(user=self.request.user)  # type: ignore[arg-type]

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
    outcome = serializers.ChoiceField(choices=ATTEMPT_OUTCOMES)
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When it happened; now if omitted. Not before the lead was assigned, not "
        "more than 5 minutes ahead.",
    )
    callback_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Book a callback: it becomes a call step."
    )


class LeadAttemptsApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = AttemptOutput
    throttle_classes = USER_THROTTLES

    def get_queryset(self) -> QuerySet[Activity]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no lead in the URL
            return Activity.objects.none()
        lead = lead_selectors.lead_for(user=self.request.user, lead_id=self.kwargs["lead_id"])  # type: ignore[arg-type]
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
        lead = lead_selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = AttemptInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        activity = play_services.log_attempt(
            lead_id=lead.pk,
            rep=request.user,  # type: ignore[arg-type]
            channel=data["channel"],
            outcome=data["outcome"],
            note=data["note"],
            at=data.get("at"),
            callback_at=data.get("callback_at"),
        ).activity
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
        """Take a ready lead from the team pool (Sales, Sales manager). A lost race is a 409
        (for a few minutes after the lead was taken; then it is a 404 like any lead you may not
        read)."""
        target = selectors.claim_target(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        claimed = routing.claim_lead(lead_id=target.lead.pk, rep=request.user)  # type: ignore[arg-type]
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
        lead = lead_selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
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
    term_months = serializers.IntegerField(required=False, default=12, min_value=1, max_value=120)


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
        lead = lead_selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = ConvertInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        opportunity = opportunity_services.convert_lead(
            lead_id=lead.pk,
            actor=request.user,  # type: ignore[arg-type]
            name=data["name"],
            amount=data["amount"],
            expected_close=data.get("expected_close"),
            term_months=data["term_months"],
        )
        return Response(OpportunityOutput(opportunity).data, status=status.HTTP_201_CREATED)


class DisqualifyInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.SlugRelatedField(
        slug_field="code",
        queryset=DisqualificationReason.objects.for_disqualifying(),
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
        lead = lead_selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = DisqualifyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        disqualification = feedback_services.disqualify_lead(
            lead_id=lead.pk,
            actor=request.user,  # type: ignore[arg-type]
            reason_id=serializer.validated_data["reason"].pk,
            note=serializer.validated_data["note"],
        )
        return Response(
            DisqualificationOutput(disqualification).data, status=status.HTTP_201_CREATED
        )


class RecycleInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.SlugRelatedField(
        slug_field="code",
        queryset=DisqualificationReason.objects.for_recycling(),
        help_text="The code of an active reason for recycling.",
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class LeadRecycleApi(APIView):
    throttle_classes = USER_THROTTLES

    @extend_schema(
        operation_id="leads_recycle",
        parameters=[path_id("lead_id")],
        request=RecycleInput,
        responses={200: LeadOutput, **errors(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request, lead_id: int) -> Response:
        """Hand an open lead back to nurture with a reason from the recycling list (its rules
        apply, as for disqualifying); a running clock is settled, a breach kept."""
        lead = lead_selectors.lead_for(user=request.user, lead_id=lead_id)  # type: ignore[arg-type]
        serializer = RecycleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        recycled = feedback_services.recycle_lead(
            lead_id=lead.pk,
            actor=request.user,  # type: ignore[arg-type]
            reason_id=serializer.validated_data["reason"].pk,
            note=serializer.validated_data["note"],
        )
        return Response(_lead_output(recycled))
