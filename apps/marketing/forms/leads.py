"""The lead list's forms: save the filters as a view, and a bulk action on leads."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.campaigns.models import Campaign
from apps.marketing.forms.feedback import IdListField
from apps.users.models import SavedView


class SaveViewForm(forms.Form):
    name = forms.CharField(max_length=SavedView._meta.get_field("name").max_length)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class BulkLeadsForm(forms.Form):
    """One bulk action on the lead list: add the leads to a campaign, or acknowledge and
    recycle the disqualified ones to nurture; on the ticked leads or every lead matching the
    filters (`query`, which also leads back to the list as it was)."""

    action = forms.ChoiceField(
        label="Action",
        choices=[("campaign", "Add to a campaign"), ("recycle", "Recycle to nurture")],
        error_messages={"required": "Choose what to do with the leads."},
    )
    scope = forms.ChoiceField(
        label="Apply to",
        choices=[("ticked", "The ticked leads"), ("matching", "Every lead matching the filters")],
        initial="ticked",
        error_messages={"required": "Choose the ticked leads or every matching lead."},
    )
    ids = IdListField(required=False, error_messages={"invalid": "Tick leads from the list."})
    campaign = forms.ModelChoiceField(
        label="Campaign",
        queryset=Campaign.objects.filter(is_active=True).order_by("name", "pk"),
        required=False,
        empty_label="Choose a campaign",
        error_messages={"invalid_choice": "Choose an active campaign."},
    )
    reengage_on = forms.DateField(
        label="Re-engage on (when recycling)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the re-engage day as a date."},
    )
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        wants_campaign = cleaned.get("action") == "campaign" and not cleaned.get("campaign")
        if wants_campaign and "campaign" not in self.errors:
            self.add_error("campaign", "Choose the campaign to add the leads to.")
        if cleaned.get("scope") == "ticked" and not cleaned.get("ids") and "ids" not in self.errors:
            self.add_error("ids", "Tick the leads first, or apply to every matching lead.")
        return cleaned
