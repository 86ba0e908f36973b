"""Scoring rules, buying-role rules and the jointly signed qualification agreement."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone

from apps.core.admin import CheckedAutocompleteMixin, clean_country_code
from apps.leads.models import BuyingRole, Lead
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.users.models import Role
from apps.users.roles import in_any_group

THRESHOLD_FIELDS = (
    "version",
    "score_threshold",
    "hand_raiser_ready",
    "engagement_half_life_days",
    "account_min_roles",
    "account_window_days",
    "account_score_threshold",
    "hold_when_full",
    "hold_ceiling",
    "hold_expiry_hours",
    "recycle_when_full",
    "effective_from",
)
SIGNER_FIELDS = ("marketing_signer", "sales_signer")
SIGNED_AT_FIELDS = ("marketing_signed_at", "sales_signed_at")
FROZEN_HELP = (
    "Once both Marketing and Sales have signed, this version is frozen: its thresholds, "
    "signers and effective date can no longer change (leads record the version that made "
    "them ready). To change the definition, add a new version and have both sides sign it."
)
MARKETING_SIGNER_GROUPS = (Role.MARKETING,)
SALES_SIGNER_GROUPS = (Role.SALES, Role.SALES_MANAGER)


class ScoringRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_points(self) -> Any:
        points = self.cleaned_data.get("points")
        if points is not None and not -100 <= points <= 100:
            raise forms.ValidationError("Points must be between -100 and 100.")
        return points

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        attribute, value = cleaned.get("attribute"), cleaned.get("value")
        if not attribute or value is None:
            return cleaned
        value = value.strip()
        try:
            cleaned["value"] = self._clean_value(attribute, value)
        except forms.ValidationError as error:
            self.add_error("value", error)
        return cleaned

    @staticmethod
    def _clean_value(attribute: str, value: str) -> str:
        if attribute in (
            ScoringRule.Attribute.EMPLOYEES_AT_LEAST,
            ScoringRule.Attribute.EMPLOYEES_BELOW,
        ):
            if not value.isdigit():
                raise forms.ValidationError(
                    "For an employee count, the value is a whole number, e.g. 500."
                )
            return str(int(value))
        if attribute == ScoringRule.Attribute.BUYING_ROLE:
            if value not in BuyingRole.values:
                raise forms.ValidationError(
                    "For a buying role, the value is one of: %(roles)s.",
                    params={"roles": ", ".join(BuyingRole.values)},
                )
            return value
        if attribute == ScoringRule.Attribute.COUNTRY:
            return clean_country_code(value)
        if attribute == ScoringRule.Attribute.SOURCE and value not in Lead.Source.values:
            raise forms.ValidationError(
                "For a source, the value is one of: %(sources)s.",
                params={"sources": ", ".join(Lead.Source.values)},
            )
        return value


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ScoringRuleForm
    list_display = ("name", "attribute", "value", "points", "is_active")
    list_editable = ("is_active",)
    list_filter = ("attribute", "is_active")
    search_fields = ("name", "value")


@admin.register(BuyingRoleRule)
class BuyingRoleRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A keyword found in the lead's title (any case) sets its buying role; lowest order wins."""

    list_display = ("keyword", "role", "order")
    list_editable = ("order",)
    list_filter = ("role",)
    search_fields = ("keyword",)


class AgreementForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        marketing, sales = cleaned.get("marketing_signer"), cleaned.get("sales_signer")
        if marketing is not None and not in_any_group(marketing, MARKETING_SIGNER_GROUPS):
            self.add_error(
                "marketing_signer",
                f"{marketing} is not in the Marketing group: the marketing side must sign.",
            )
        if sales is not None and not in_any_group(sales, SALES_SIGNER_GROUPS):
            self.add_error(
                "sales_signer",
                f"{sales} is not in the Sales or Sales manager group: the sales side must sign.",
            )
        return cleaned


class SignedFilter(admin.SimpleListFilter):
    title = "signature"
    parameter_name = "signed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Signed by both"), ("no", "Awaiting a signature")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[QualificationAgreement]
    ) -> QuerySet[QualificationAgreement]:
        signed = QualificationAgreement.objects.signed().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=signed)
        if self.value() == "no":
            return queryset.exclude(pk__in=signed)
        return queryset


@admin.register(QualificationAgreement)
class QualificationAgreementAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = AgreementForm
    list_display = (
        "__str__",
        "in_force",
        "signed_status",
        "effective_from",
        "score_threshold",
        "hand_raiser_ready",
        "account_rule",
        "marketing_signer",
        "sales_signer",
    )
    list_filter = (SignedFilter,)
    list_select_related = ("marketing_signer", "sales_signer")
    autocomplete_fields = SIGNER_FIELDS
    date_hierarchy = "effective_from"
    search_fields = ("version", "notes")
    fieldsets = (
        (
            "Definition of conversation-ready",
            {
                "fields": (
                    "version",
                    "effective_from",
                    "score_threshold",
                    "hand_raiser_ready",
                    "engagement_half_life_days",
                ),
                "description": FROZEN_HELP,
            },
        ),
        (
            "Account rule: K buying roles within D days and account score at least T",
            {"fields": ("account_min_roles", "account_window_days", "account_score_threshold")},
        ),
        (
            "Throttle: hold leads ready on score while their pool is at capacity",
            {
                "fields": (
                    "hold_when_full",
                    "hold_ceiling",
                    "hold_expiry_hours",
                    "recycle_when_full",
                ),
                "description": "Held leads start no SLA clock and count as sales-ready only "
                "when released, best score first, as soon as a rep in their pool has room.",
            },
        ),
        (
            "Signatures",
            {
                "fields": (
                    ("marketing_signer", "marketing_signed_at"),
                    ("sales_signer", "sales_signed_at"),
                ),
                "description": "Only an agreement both sides have signed is in force. "
                "Choosing a signer stamps the signature time.",
            },
        ),
        (None, {"fields": ("notes",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[QualificationAgreement]:
        # One query for the agreement in force, then a flag per row: no query per row.
        in_force = QualificationAgreement.objects.in_force()
        queryset: QuerySet[QualificationAgreement] = (
            super()
            .get_queryset(request)
            .annotate(
                is_in_force=Case(
                    When(pk=in_force.pk if in_force else None, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )
        return queryset

    @admin.display(description="In force", boolean=True, ordering="is_in_force")
    def in_force(self, obj: QualificationAgreement) -> bool:
        return bool(getattr(obj, "is_in_force", False))

    @admin.display(description="Signed")
    def signed_status(self, obj: QualificationAgreement) -> str:
        if obj.is_signed:
            return "Signed"
        if obj.marketing_signed_at:
            return "Awaiting sales"
        if obj.sales_signed_at:
            return "Awaiting marketing"
        return "Unsigned"

    @admin.display(description="Account rule")
    def account_rule(self, obj: QualificationAgreement) -> str:
        return (
            f"{obj.account_min_roles} roles / {obj.account_window_days} days / "
            f"score {obj.account_score_threshold}"
        )

    def get_readonly_fields(
        self, request: HttpRequest, obj: QualificationAgreement | None = None
    ) -> Any:
        if obj is not None and obj.is_signed:
            return (*THRESHOLD_FIELDS, *SIGNER_FIELDS, *SIGNED_AT_FIELDS)
        return SIGNED_AT_FIELDS

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        latest = QualificationAgreement.objects.order_by("-version").first()
        initial.setdefault("version", (latest.version + 1) if latest else 1)
        if latest is not None:
            # A new version starts from the current definition, so only the change is typed.
            for field in THRESHOLD_FIELDS:
                if field not in ("version", "effective_from"):
                    initial.setdefault(field, getattr(latest, field))
        return initial

    def save_model(
        self,
        request: HttpRequest,
        obj: QualificationAgreement,
        form: forms.ModelForm,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        # Stamp a signature when its signer is newly chosen; clear it when the signer is.
        now = timezone.now()
        for signer, signed_at in zip(SIGNER_FIELDS, SIGNED_AT_FIELDS, strict=True):
            if getattr(obj, f"{signer}_id") is None:
                setattr(obj, signed_at, None)
            elif signer in form.changed_data or getattr(obj, signed_at) is None:
                setattr(obj, signed_at, now)
        super().save_model(request, obj, form, change)
