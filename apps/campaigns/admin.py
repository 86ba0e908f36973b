"""Campaigns with their assets: the brief and the intent notes sales reads at handoff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from apps.campaigns.models import Asset, Campaign
from apps.core.admin import HTTPS_URL_FIELDS


class CampaignForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The campaign cannot end before it starts.")
        for field in ("budget", "actual_cost"):
            amount = cleaned.get(field)
            if amount is not None and amount < 0:
                self.add_error(field, "Amounts cannot be negative.")
        return cleaned


class AssetForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_engagement_weight(self) -> Any:
        weight = self.cleaned_data.get("engagement_weight")
        if weight is not None and weight > 100:
            raise forms.ValidationError("The engagement weight is at most 100 points.")
        return weight


class AssetInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Asset
    form = AssetForm
    extra = 0
    fields = (
        ("name", "slug", "kind"),
        ("topic", "url"),
        "intent_note",
        ("engagement_weight", "hand_raiser", "is_public_form", "is_active"),
    )
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True
    formfield_overrides = HTTPS_URL_FIELDS


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CampaignForm
    inlines = (AssetInline,)
    list_display = (
        "name",
        "channel",
        "quarter",
        "starts_on",
        "ends_on",
        "budget",
        "actual_cost",
        "is_active",
    )
    list_filter = ("channel", "quarter", "is_active")
    list_select_related = ("quarter",)
    search_fields = ("name", "slug", "goal", "message")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "starts_on"
    fieldsets = (
        (None, {"fields": ("name", "slug", "channel", "quarter", "is_active")}),
        ("Dates and money", {"fields": (("starts_on", "ends_on"), ("budget", "actual_cost"))}),
        (
            "Brief (sales reads this on the lead page)",
            {"fields": ("goal", "message", "call_to_action", "sequence")},
        ),
    )


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = AssetForm
    list_display = (
        "name",
        "slug",
        "kind",
        "campaign",
        "engagement_weight",
        "hand_raiser",
        "is_public_form",
        "is_active",
    )
    list_filter = ("kind", "hand_raiser", "is_public_form", "is_active", "campaign")
    list_select_related = ("campaign",)
    search_fields = ("name", "slug", "topic", "intent_note")
    autocomplete_fields = ("campaign",)
    prepopulated_fields = {"slug": ("name",)}
    formfield_overrides = HTTPS_URL_FIELDS
