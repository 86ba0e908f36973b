"""Disqualification reasons (configuration) and disqualifications (history, never deleted)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import NoAddNoDeleteMixin
from apps.feedback.models import Disqualification, DisqualificationReason


@admin.register(DisqualificationReason)
class DisqualificationReasonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("label", "code", "min_attempts", "note_required", "is_junk", "is_active")
    list_editable = ("is_active",)
    list_filter = ("is_active", "is_junk", "note_required")
    search_fields = ("code", "label", "description")
    prepopulated_fields = {"code": ("label",)}


@admin.register(Disqualification)
class DisqualificationAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Written by the rep's disqualify action and marketing's review, which also move the lead;
    here the record is shown, and only the free-text notes can be corrected."""

    list_display = ("lead", "reason", "rep", "at", "attempts_at_time", "review_status", "reviewer")
    list_filter = ("review_status", "reason", "dispute_outcome")
    list_select_related = ("lead", "reason", "rep", "reviewer")
    search_fields = ("lead__email", "note", "action_note")
    date_hierarchy = "at"
    raw_id_fields = ("lead",)
    readonly_fields = (
        "lead",
        "rep",
        "reason",
        "attempts_at_time",
        "at",
        "review_status",
        "reviewer",
        "reviewed_at",
        "dispute_outcome",
    )
    fields = (
        "lead",
        "rep",
        "reason",
        "attempts_at_time",
        "at",
        "note",
        "review_status",
        "reviewer",
        "reviewed_at",
        "dispute_outcome",
        "action_note",
    )
