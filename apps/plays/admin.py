"""Plays with their ordered steps; the plays attached to leads are shown read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.core.admin import ReadOnlyMixin
from apps.leads.models import Lead
from apps.plays.models import LeadPlay, LeadPlayStep, Play, PlayStep


class PlayForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_source(self) -> str:
        source: str = self.cleaned_data.get("source", "").strip()
        if source and source not in Lead.Source.values:
            raise forms.ValidationError(
                "Unknown lead source. Use one of: %(sources)s.",
                params={"sources": ", ".join(Lead.Source.values)},
            )
        return source

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("is_default") and cleaned.get("is_active"):
            other = (
                Play.objects.filter(is_default=True, is_active=True)
                .exclude(pk=self.instance.pk)
                .order_by("pk")
                .first()
            )
            if other is not None:
                self.add_error(
                    "is_default",
                    f"“{other.name}” is already the active default play: "
                    "only one active play can be the default.",
                )
        return cleaned


class PlayStepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlayStep
    extra = 1
    ordering = ("order",)
    fields = ("order", "channel", "due_offset_minutes", "title", "template")


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PlayForm
    inlines = (PlayStepInline,)
    list_display = (
        "name",
        "priority",
        "is_active",
        "is_default",
        "is_account_play",
        "min_score",
        "account_tier",
        "buying_role",
        "source",
        "step_count",
    )
    list_filter = ("is_active", "is_default", "is_account_play", "account_tier", "buying_role")
    search_fields = ("name", "talk_track")
    filter_horizontal = ("match_assets", "match_campaigns")
    fieldsets = (
        (
            None,
            {"fields": ("name", "talk_track", "priority", "is_active", "is_default")},
        ),
        (
            "Match criteria (empty criteria match any lead)",
            {
                "fields": (
                    "match_assets",
                    "match_campaigns",
                    "min_score",
                    "account_tier",
                    "buying_role",
                    "source",
                    "is_account_play",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Play]:
        queryset: QuerySet[Play] = super().get_queryset(request).annotate(step_count=Count("steps"))
        return queryset

    @admin.display(description="Steps", ordering="step_count")
    def step_count(self, obj: Play) -> int:
        return obj.step_count  # type: ignore[attr-defined, no-any-return]


@admin.register(PlayStep)
class PlayStepAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("play", "order", "channel", "due_offset_minutes", "title")
    list_filter = ("play", "channel")
    list_select_related = ("play",)
    search_fields = ("title", "play__name")
    ordering = ("play", "order")


class LeadPlayStepInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = LeadPlayStep
    fields = ("order", "channel", "title", "due_at", "completed_at", "completed_by")
    readonly_fields = fields
    extra = 0


@admin.register(LeadPlay)
class LeadPlayAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Attached by routing at handoff; switching a play is a lead event, so no edits here."""

    inlines = (LeadPlayStepInline,)
    list_display = ("lead", "play", "attached_at", "match_reason")
    list_filter = ("play",)
    list_select_related = ("lead", "play")
    search_fields = ("lead__email", "play__name")
    raw_id_fields = ("lead",)
    date_hierarchy = "attached_at"


@admin.register(LeadPlayStep)
class LeadPlayStepAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "lead_play", "order", "channel", "due_at", "completed_at")
    list_filter = ("channel", "lead_play__play")
    list_select_related = ("lead_play__play", "lead_play__lead")
    search_fields = ("title", "lead_play__lead__email")
    date_hierarchy = "due_at"
