"""Opportunities: RevOps corrections, with the stage rules the database also enforces, and
the list of lost reasons reps choose from."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.core.admin import CheckedAutocompleteMixin, NoDeleteMixin
from apps.opportunities.models import LostReason, Opportunity
from apps.opportunities.services import deal_corrected, source_campaign_of

CLOSED_STAGES = (Opportunity.Stage.WON, Opportunity.Stage.LOST)
# what a deal's credits (which carry its close time and owner), its leads' facts or its
# account's lifecycle are computed from
CORRECTED = {"stage", "amount", "closed_at", "created_at", "account", "primary_lead", "owner"}


class OpportunityForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        stage, closed_at = cleaned.get("stage"), cleaned.get("closed_at")
        amount = cleaned.get("amount")
        if amount is not None and amount < 0:
            self.add_error("amount", "The amount cannot be negative.")
        if stage in CLOSED_STAGES and closed_at is None:
            self.add_error("closed_at", "A won or lost opportunity needs its close time.")
        if stage and stage not in CLOSED_STAGES and closed_at is not None:
            self.add_error("closed_at", "Only a won or lost opportunity has a close time.")
        created_at = cleaned.get("created_at")
        if closed_at is not None and created_at is not None and closed_at < created_at:
            self.add_error("closed_at", "A deal cannot close before it was created.")
        reason = cleaned.get("lost_reason")
        if stage == Opportunity.Stage.LOST and reason is None:
            self.add_error("lost_reason", "Say why the opportunity was lost.")
        if stage and stage != Opportunity.Stage.LOST and reason is not None:
            self.add_error("lost_reason", "Only a lost opportunity has a lost reason.")
        return cleaned


@admin.register(LostReason)
class LostReasonAdmin(NoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The reasons a rep chooses from when a deal is lost. Archive one (untick Active) to stop
    offering it: the deals lost for it keep it and the reports still count them."""

    list_display = ("name", "order", "is_active", "deals")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")
    fields = ("name", "order", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[LostReason]:
        reasons: QuerySet[LostReason] = super().get_queryset(request)
        return reasons.annotate(deal_count=Count("opportunities"))

    @admin.display(description="Deals lost for it", ordering="deal_count")
    def deals(self, reason: LostReason) -> int:
        return int(getattr(reason, "deal_count", 0))


@admin.register(Opportunity)
class OpportunityAdmin(CheckedAutocompleteMixin, NoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Pipeline and revenue reports count these rows, so they are closed as lost, not deleted."""

    form = OpportunityForm
    list_display = (
        "name",
        "account",
        "owner",
        "stage",
        "type",
        "origin",
        "amount",
        "created_at",
        "closed_at",
    )
    list_filter = (
        "stage",
        "type",
        "origin",
        ("owner", admin.RelatedOnlyFieldListFilter),
        ("lost_reason", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("account", "owner")
    search_fields = ("name", "account__name", "account__domain")
    autocomplete_fields = ("account", "owner")
    raw_id_fields = ("primary_lead",)
    # what the reports credit the deal to: its primary lead's first campaign touch, kept by
    # the services (shown, never typed)
    readonly_fields = ("source_campaign",)
    date_hierarchy = "created_at"

    def save_model(
        self,
        request: HttpRequest,
        obj: Opportunity,
        form: forms.ModelForm,
        change: bool,  # type: ignore[type-arg]
    ) -> None:
        # a new or changed primary lead brings its source campaign, which the reports group
        # the deal by
        if not change or "primary_lead" in form.changed_data:
            obj.source_campaign_id = source_campaign_of(obj.primary_lead_id)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change or set(form.changed_data) & CORRECTED:
                # the credits, the leads' facts and a win's account follow the correction
                deal_corrected(
                    obj,
                    previous_lead_id=form.initial.get("primary_lead") if change else None,
                    was_won=change and form.initial.get("stage") == Opportunity.Stage.WON,
                )
                self.message_user(
                    request,
                    "Its campaign credits and its leads' converted and won figures were "
                    "recalculated, so the reports agree with this deal.",
                    messages.INFO,
                )
