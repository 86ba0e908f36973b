"""Leads and their history.

Nothing is lost (SPEC): leads are archived, never deleted; touchpoints, activities and events
are history. Status, owner, score and SLA move only through the services that write the
matching LeadEvent, so those fields are read-only here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.core.admin import (
    CheckedAutocompleteMixin,
    NoAddNoDeleteMixin,
    ReadOnlyMixin,
    clean_country_code,
)
from apps.leads import engagement, events, facts, services
from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint

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


class LeadForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_email(self) -> str:
        email: str = self.cleaned_data.get("email", "").strip().lower()
        if Lead.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"Another lead already has the email {email}.")
        return email

    def clean_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("country", ""))


@admin.register(Lead)
class LeadAdmin(CheckedAutocompleteMixin, NoAddNoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
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
            if change and "buying_role" in form.changed_data:
                engagement.roles_changed([(obj.pk, form.initial["buying_role"], obj.buying_role)])
            super().save_model(request, obj, form, change)
            if change and "account" in form.changed_data:
                facts.accounts_changed([obj.pk])  # its facts and cohort entries follow
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
        archived = services.archive_leads(lead_ids=selected, actor=request.user)  # type: ignore[arg-type]
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
