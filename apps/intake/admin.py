"""Intake sources with their keys (shown once) and webhook secrets, and idempotency records."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from apps.core.admin import CheckedAutocompleteMixin, ReadOnlyMixin
from apps.intake.keys import new_api_key, new_webhook_secret
from apps.intake.models import IdempotencyRecord, IntakeSource


@dataclass(frozen=True)
class SecretShown:
    source: IntakeSource
    api_key: str
    secret: str


class IntakeSourceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = IntakeSource
        fields = ("name", "slug", "default_source", "default_campaign", "is_active")


@admin.register(IntakeSource)
class IntakeSourceAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
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
        obj._new_api_key = key  # type: ignore[attr-defined]  # shown once by response_add

    def response_add(
        self, request: HttpRequest, obj: IntakeSource, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The new API key and signing secret, on this page only: never stored in plain text,
        never put in a message (messages travel between requests)."""
        shown = [
            SecretShown(
                source=obj, api_key=getattr(obj, "_new_api_key", ""), secret=obj.webhook_secret
            )
        ]
        return self._secrets_page(request, shown, title="Intake source created")

    @admin.action(description="Rotate webhook secret", permissions=["change"])
    def rotate_webhook_secret(
        self, request: HttpRequest, queryset: QuerySet[IntakeSource]
    ) -> HttpResponse:
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
        shown = [SecretShown(source=s, api_key="", secret=s.webhook_secret) for s in sources]
        return self._secrets_page(request, shown, title="Webhook secrets rotated")

    def _secrets_page(
        self, request: HttpRequest, shown: list[SecretShown], *, title: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "shown": shown,
            "opts": self.model._meta,
        }
        # The admin's own never_cache and PrivateCacheMiddleware keep it out of every cache.
        return TemplateResponse(request, "admin/intake/secrets_shown.html", context)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("scope", "key", "state", "status_code", "created_at")
    list_filter = ("state", "status_code")
    search_fields = ("scope", "key")
    date_hierarchy = "created_at"
    show_full_result_count = False
