"""Churn reasons, renewals, account health history and voice-of-customer notes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from apps.core.admin import CheckedAutocompleteMixin, NoDeleteMixin, ReadOnlyMixin
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote


@admin.register(ChurnReason)
class ChurnReasonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("label", "code", "is_active")
    list_editable = ("is_active",)
    list_filter = ("is_active",)
    search_fields = ("code", "label")
    prepopulated_fields = {"code": ("label",)}


class RenewalForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        outcome = cleaned.get("outcome")
        if outcome == Renewal.Outcome.CHURNED and cleaned.get("churn_reason") is None:
            self.add_error("churn_reason", "A churned renewal needs a churn reason.")
        if outcome != Renewal.Outcome.CHURNED and cleaned.get("churn_reason") is not None:
            self.add_error("churn_reason", "Only a churned renewal has a churn reason.")
        for field in ("amount", "renewed_amount"):
            amount = cleaned.get(field)
            if amount is not None and amount < 0:
                self.add_error(field, "Amounts cannot be negative.")
        return cleaned


@admin.register(Renewal)
class RenewalAdmin(CheckedAutocompleteMixin, NoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Retention reports count renewals, so they are never deleted."""

    form = RenewalForm
    list_display = ("account", "due_on", "amount", "outcome", "renewed_amount", "churn_reason")
    list_filter = ("outcome", "churn_reason")
    list_select_related = ("account", "churn_reason")
    search_fields = ("account__name", "account__domain", "churn_note")
    autocomplete_fields = ("account",)
    readonly_fields = ("closed_at", "closed_by")
    date_hierarchy = "due_on"

    def save_model(
        self,
        request: HttpRequest,
        obj: Renewal,
        form: forms.ModelForm,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        # Closing a renewal stamps who closed it and when; reopening clears both.
        if obj.outcome == Renewal.Outcome.PENDING:
            obj.closed_at, obj.closed_by = None, None
        elif "outcome" in form.changed_data or obj.closed_at is None:
            obj.closed_at, obj.closed_by = timezone.now(), request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """History of health as Service set it on the service pages (which also update the account)."""

    list_display = ("account", "health", "set_by", "at")
    list_filter = ("health",)
    list_select_related = ("account", "set_by")
    search_fields = ("account__name", "note")
    date_hierarchy = "at"


class VoiceNoteForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = VoiceNote
        fields = ("account", "quote", "tags", "context")
        help_texts = {"tags": 'A JSON list of words, e.g. ["pricing", "onboarding"].'}

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise forms.ValidationError('Tags are a JSON list of words, e.g. ["pricing"].')
        return sorted({t.strip().lower() for t in tags if t.strip()})


@admin.register(VoiceNote)
class VoiceNoteAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = VoiceNoteForm
    list_display = ("short_quote", "account", "author", "context", "created_at")
    list_select_related = ("account", "author")
    search_fields = ("quote", "context", "account__name")
    autocomplete_fields = ("account",)
    readonly_fields = ("author", "created_at")
    date_hierarchy = "created_at"

    @admin.display(description="Quote")
    def short_quote(self, obj: VoiceNote) -> str:
        return str(obj)

    def save_model(
        self,
        request: HttpRequest,
        obj: VoiceNote,
        form: forms.ModelForm,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        if not change:
            obj.author = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
