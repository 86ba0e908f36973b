"""Booking rules (configuration), reps' busy feeds, and the meetings buyers booked (history:
written by the booking pages, never edited or deleted here)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import NoAddNoDeleteMixin
from apps.meetings.models import BookingRules, BusyFeed, Meeting


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The latest row is in force (with none, 30-minute meetings over 5 working days)."""

    list_display = (
        "length_minutes",
        "buffer_minutes",
        "notice_minutes",
        "window_business_days",
        "step_minutes",
        "wait_seconds",
        "updated_at",
    )


@admin.register(BusyFeed)
class BusyFeedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("rep", "status", "checked_at", "fetched_at", "error")
    list_filter = ("status",)
    list_select_related = ("rep",)
    readonly_fields = ("status", "checked_at", "fetched_at", "error", "busy")


@admin.register(Meeting)
class MeetingAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("starts_at", "rep", "lead", "status", "asset", "booked_at")
    list_filter = ("status", "rep")
    list_select_related = ("rep", "lead", "asset")
    search_fields = ("lead__email", "uid")
    date_hierarchy = "starts_at"
    readonly_fields = tuple(
        field.name for field in Meeting._meta.get_fields() if getattr(field, "concrete", False)
    )
