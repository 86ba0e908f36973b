"""Campaigns with their spend and assets: the brief and the intent notes sales reads at
handoff, and the dated spend that is the campaign's cost.

Spend entries are append-only (CampaignSpend): the inline adds entries and shows saved ones
read-only, never deletes them; a wrong entry is corrected by a new one that replaces it. The
admin saves inside its own transaction, so it cannot call the durable add_spend service; its
form applies the same rules through services.spend_period instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from apps.campaigns import selectors, services
from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.admin import HTTPS_URL_FIELDS, CheckedAutocompleteMixin


class CampaignForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The campaign cannot end before it starts.")
        elif self.instance.pk is not None:
            # New run dates must still hold the spend recorded for the campaign.
            probe = Campaign(pk=self.instance.pk, starts_on=starts_on, ends_on=ends_on)
            try:
                services.check_run_dates_hold_spend(probe)
            except services.InvalidSpend as error:
                self.add_error(error.field, error.message)
        budget = cleaned.get("budget")
        if budget is not None and budget < 0:
            self.add_error("budget", "Amounts cannot be negative.")
        return cleaned


class SpendForm(forms.ModelForm):  # type: ignore[type-arg]
    """A new spend entry; without dates it is spread over the campaign's run dates."""

    class Meta:
        model = CampaignSpend
        fields = ("amount", "starts_on", "ends_on", "note", "replaces")

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign  # the campaign as submitted (its new run dates, if changed)
        for name in ("starts_on", "ends_on"):
            self.fields[name].required = False
        self.fields["starts_on"].help_text = "Empty: spread over the campaign's run dates."
        self.fields["ends_on"].help_text = "Empty: the same day as the start (a one-off)."
        replaceable = CampaignSpend.objects.none()
        if campaign.pk is not None:
            replaceable = CampaignSpend.objects.counting().filter(campaign_id=campaign.pk)
        self.fields["replaces"].queryset = replaceable  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        amount = cleaned.get("amount")
        if amount is None or self.has_error("starts_on") or self.has_error("ends_on"):
            return cleaned
        try:
            cleaned["starts_on"], cleaned["ends_on"] = services.spend_period(
                campaign=self.campaign,
                amount=amount,
                starts_on=cleaned.get("starts_on"),
                ends_on=cleaned.get("ends_on"),
            )
        except services.InvalidSpend as error:
            self.add_error(error.field, error.message)
        return cleaned


class SpendFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "campaign": self.instance}


class SpendInline(admin.TabularInline):  # type: ignore[type-arg]
    """Add spend; saved entries are read-only and never deleted (append-only)."""

    model = CampaignSpend
    fk_name = "campaign"
    form = SpendForm
    formset = SpendFormSet
    extra = 0
    fields = ("amount", "starts_on", "ends_on", "note", "replaces", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    verbose_name = "spend entry"
    verbose_name_plural = "spend (a period's cost is the spend inside it, pro rata by day)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CampaignSpend]:
        return super().get_queryset(request).select_related("created_by", "replaces")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # saved entries are shown read-only

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


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
        ("engagement_weight", "hand_raiser", "is_public_form", "offers_booking", "is_active"),
    )
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True
    formfield_overrides = HTTPS_URL_FIELDS


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CampaignForm
    inlines = (SpendInline, AssetInline)
    list_display = (
        "name",
        "channel",
        "quarter",
        "starts_on",
        "ends_on",
        "budget",
        "spend_total",
        "is_active",
    )
    list_filter = ("channel", "quarter", "is_active")
    list_select_related = ("quarter",)
    readonly_fields = ("spend_total",)
    search_fields = ("name", "slug", "goal", "message")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "starts_on"
    fieldsets = (
        (None, {"fields": ("name", "slug", "channel", "quarter", "is_active")}),
        ("Dates and money", {"fields": (("starts_on", "ends_on"), ("budget", "spend_total"))}),
        (
            "Brief (sales reads this on the lead page)",
            {"fields": ("goal", "message", "call_to_action", "sequence")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return selectors.with_spend_total(super().get_queryset(request))

    @admin.display(description="Spend recorded", ordering="spend_total")
    def spend_total(self, campaign: Campaign) -> str:
        """The running total of the entries that count; "—" when none is recorded."""
        total = getattr(campaign, "spend_total", None)
        return "—" if total is None else f"{total:,.2f}"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not CampaignSpend:
            super().save_formset(request, form, formset, change)
            return
        for entry in formset.save(commit=False):  # new entries only: saved ones are read-only
            entry.created_by = request.user
            entry.save()


@admin.register(Asset)
class AssetAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
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
