"""Team webhooks (configuration) and the notifications sent (read-only)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import HTTPS_URL_FIELDS, ReadOnlyMixin
from apps.notifications.models import Notification, TeamChannel


@admin.register(TeamChannel)
class TeamChannelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "webhook_url", "is_active")
    list_editable = ("is_active",)
    list_filter = ("is_active",)
    search_fields = ("team", "webhook_url")
    formfield_overrides = HTTPS_URL_FIELDS


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "kind", "recipient", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", ("recipient", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("recipient",)
    search_fields = ("title", "body", "recipient__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("lead",)
