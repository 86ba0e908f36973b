"""Opportunities: RevOps corrections, with the stage rules the database also enforces."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from apps.core.admin import NoDeleteMixin
from apps.opportunities.models import Opportunity

CLOSED_STAGES = (Opportunity.Stage.WON, Opportunity.Stage.LOST)


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
        if stage == Opportunity.Stage.LOST and not cleaned.get("lost_reason", "").strip():
            self.add_error("lost_reason", "Say why the opportunity was lost.")
        return cleaned


@admin.register(Opportunity)
class OpportunityAdmin(NoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
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
    list_filter = ("stage", "type", "origin", ("owner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("account", "owner")
    search_fields = ("name", "account__name", "account__domain")
    autocomplete_fields = ("account", "owner")
    raw_id_fields = ("primary_lead",)
    date_hierarchy = "created_at"
