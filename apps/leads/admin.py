"""Leads and their history, intake sources with their keys, and idempotency records.

Nothing is lost (SPEC): leads are archived, never deleted; touchpoints, activities and events
are history. Status, owner, score and SLA move only through the services that write the
matching LeadEvent, so those fields are read-only here.
"""

from __future__ import annotations

import hashlib
import secrets

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.core.admin import NoAddNoDeleteMixin, ReadOnlyMixin, clean_country_code
from apps.leads import events
from apps.leads.models import Activity, IdempotencyRecord, IntakeSource, Lead, LeadEvent, Touchpoint
from apps.users.models import User

API_KEY_PREFIX_LENGTH = 8
LEAD_DETAIL_FIELDS = (
    "email",
    ("first_name", "last_name"),
    "title",
    "buying_role",
    "phone",
    "country",
    "company_name",
    "account",
    "source",
    "campaign",
)
LEAD_SYSTEM_FIELDS = (
    "status",
    "owner",
    "assigned_at",
    "assignment_version",
    "ready_at",
    "ready_agreement",
    "ready_reason",
    "fit_score",
    "engagement_score",
    "score",
    "buying_role_set_by_hand",
    "first_response_at",
    "attempt_count",
    "last_touch_at",
    "sla_state",
    "sla_due_at",
    "sla_breached_at",
    "breached_owner",
    "escalated_at",
    "converted_at",
    "disqualified_at",
    "is_archived",
    "archived_at",
    "created_at",
    "updated_at",
)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A fresh API key with its unique prefix and hash: (key, prefix, sha256 hex)."""
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:API_KEY_PREFIX_LENGTH]
        if not IntakeSource.objects.filter(key_prefix=prefix).exists():
            return key, prefix, hash_api_key(key)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def archive_leads(*, lead_ids: list[int], actor: User) -> int:
    """Archive the leads not archived yet, one LeadEvent each. Returns how many were archived.

    All or nothing: one transaction, leads locked in pk order; an already archived lead is
    skipped, so archiving twice writes no second event.
    """
    now = timezone.now()
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update()
            .filter(pk__in=lead_ids, is_archived=False)
            .order_by("pk")
        )
        for lead in leads:
            lead.is_archived = True
            lead.archived_at = now
            lead.save(update_fields=["is_archived", "archived_at", "updated_at"])
            events.lead_archived_event(lead=lead, actor=actor, reason="archived in admin")
    return len(leads)


class LeadForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_email(self) -> str:
        email: str = self.cleaned_data.get("email", "").strip().lower()
        if Lead.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"Another lead already has the email {email}.")
        return email

    def clean_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("country", ""))


@admin.register(Lead)
class LeadAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Leads arrive through intake and import (which match, score and route them); here their
    details are corrected and they are archived."""

    form = LeadForm
    list_display = (
        "email",
        "display_name",
        "status",
        "owner",
        "account",
        "score",
        "sla_state",
        "source",
        "is_archived",
        "created_at",
    )
    list_filter = ("status", "sla_state", "source", "buying_role", "is_archived")
    list_select_related = ("owner", "account")
    search_fields = ("email", "first_name", "last_name", "company_name")
    autocomplete_fields = ("account", "campaign")
    readonly_fields = (*LEAD_SYSTEM_FIELDS, "history")
    date_hierarchy = "created_at"
    show_full_result_count = False  # the lead table is the biggest; skip the second COUNT(*)
    actions = ("archive_selected",)
    fieldsets = (
        ("Details", {"fields": LEAD_DETAIL_FIELDS}),
        (
            "Status, owner, score and SLA (changed only by the sales workflow)",
            {"fields": LEAD_SYSTEM_FIELDS},
        ),
        ("History", {"fields": ("history",)}),
    )

    @admin.display(description="Name")
    def display_name(self, obj: Lead) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()

    @admin.display(description="Journey and audit")
    def history(self, obj: Lead) -> SafeString:
        if obj.pk is None:
            return format_html("{}", "—")
        links = [
            (reverse(f"admin:leads_{name}_changelist") + f"?lead__id__exact={obj.pk}", label)
            for name, label in (
                ("leadevent", "Events"),
                ("touchpoint", "Touchpoints"),
                ("activity", "Activities"),
            )
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def save_model(
        self,
        request: HttpRequest,
        obj: Lead,
        form: forms.ModelForm,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        if "buying_role" in form.changed_data:
            obj.buying_role_set_by_hand = True  # title inference must not overwrite it
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and form.changed_data:
                changes = {
                    name: (form.initial.get(name), form.cleaned_data.get(name))
                    for name in form.changed_data
                }
                events.lead_details_changed_event(
                    lead=obj,
                    changes=changes,
                    actor=request.user,
                    reason="edited in the admin",  # type: ignore[arg-type]
                )

    @admin.action(description="Archive selected leads", permissions=["change"])
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Lead]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        archived = archive_leads(lead_ids=selected, actor=request.user)  # type: ignore[arg-type]
        skipped = len(selected) - archived
        message = f"Archived {archived} lead(s)."
        if skipped:
            message += f" {skipped} already archived."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(Touchpoint)
class TouchpointAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The buyer's journey is history: shown, never edited or deleted."""

    list_display = ("kind", "lead", "account", "campaign", "asset", "occurred_at")
    list_filter = ("kind", "campaign")
    list_select_related = ("lead", "account", "campaign", "asset")
    search_fields = ("lead__email",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Attempts are logged by reps (the first settles the SLA); only the note can be corrected."""

    list_display = ("lead", "rep", "channel", "outcome", "occurred_at")
    list_filter = ("channel", "outcome")
    list_select_related = ("lead", "rep")
    search_fields = ("lead__email", "note")
    date_hierarchy = "occurred_at"
    readonly_fields = ("lead", "rep", "channel", "outcome", "occurred_at", "created_at")
    fields = ("lead", "rep", "channel", "outcome", "occurred_at", "note", "created_at")
    show_full_result_count = False


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The append-only audit trail (the database refuses updates too)."""

    list_display = ("at", "lead", "kind", "old_value", "new_value", "actor", "reason")
    list_filter = ("kind",)
    list_select_related = ("lead", "actor")
    search_fields = ("lead__email", "reason")
    date_hierarchy = "at"
    show_full_result_count = False


class IntakeSourceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = IntakeSource
        fields = ("name", "slug", "default_source", "default_campaign", "is_active")


@admin.register(IntakeSource)
class IntakeSourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A new source gets an API key, shown once; only its SHA-256 is stored."""

    form = IntakeSourceForm
    list_display = ("name", "slug", "key_prefix", "default_source", "default_campaign", "is_active")
    list_filter = ("is_active", "default_source")
    list_select_related = ("default_campaign",)
    search_fields = ("name", "slug", "key_prefix")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("default_campaign",)
    readonly_fields = (
        "key_prefix",
        "key_hash",
        "webhook_secret_hint",
        "previous_webhook_secret_hint",
        "created_at",
        "updated_at",
    )
    actions = ("rotate_webhook_secret",)

    @admin.display(description="Webhook secret")
    def webhook_secret_hint(self, obj: IntakeSource) -> str:
        return f"…{obj.webhook_secret[-4:]}" if obj.webhook_secret else "—"

    @admin.display(description="Previous webhook secret")
    def previous_webhook_secret_hint(self, obj: IntakeSource) -> str:
        return f"…{obj.previous_webhook_secret[-4:]}" if obj.previous_webhook_secret else "—"

    def save_model(
        self,
        request: HttpRequest,
        obj: IntakeSource,
        form: forms.ModelForm,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, obj.key_prefix, obj.key_hash = new_api_key()
        obj.webhook_secret = new_webhook_secret()
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            format_html(
                "API key for {}: <code>{}</code> Copy it now: it is shown only this once "
                "and stored only as a hash. Webhook signing secret: <code>{}</code>",
                obj.name,
                key,
                obj.webhook_secret,
            ),
            messages.WARNING,
        )

    @admin.action(description="Rotate webhook secret", permissions=["change"])
    def rotate_webhook_secret(self, request: HttpRequest, queryset: QuerySet[IntakeSource]) -> None:
        with transaction.atomic():
            # A fresh queryset: the changelist's one joins the campaign, and PostgreSQL
            # refuses FOR UPDATE on the nullable side of that outer join.
            sources = list(
                IntakeSource.objects.select_for_update()
                .filter(pk__in=list(queryset.values_list("pk", flat=True)))
                .order_by("pk")
            )
            for source in sources:
                source.previous_webhook_secret = source.webhook_secret
                source.webhook_secret = new_webhook_secret()
                source.save(
                    update_fields=["webhook_secret", "previous_webhook_secret", "updated_at"]
                )
        for source in sources:
            self.message_user(
                request,
                format_html(
                    "New webhook secret for {}: <code>{}</code> The previous secret is still "
                    "accepted until the next rotation.",
                    source.name,
                    source.webhook_secret,
                ),
                messages.SUCCESS,
            )


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("scope", "key", "state", "status_code", "created_at")
    list_filter = ("state", "status_code")
    search_fields = ("scope", "key")
    date_hierarchy = "created_at"
    show_full_result_count = False
