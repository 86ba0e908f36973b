"""Campaign briefs and assets as marketing edits them."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.campaigns.models import Asset, Campaign
from apps.campaigns.services import AssetSpec, CampaignSpec
from apps.core.models import Quarter


class CampaignForm(forms.ModelForm):  # type: ignore[type-arg]
    quarter = forms.ModelChoiceField(
        queryset=Quarter.objects.order_by("-starts_on", "pk"),
        required=False,
        empty_label="No quarter",
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "slug",
            "channel",
            "quarter",
            "budget",
            "actual_cost",
            "starts_on",
            "ends_on",
            "goal",
            "message",
            "call_to_action",
            "sequence",
            "is_active",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "goal": forms.Textarea(attrs={"rows": 2}),
            "message": forms.Textarea(attrs={"rows": 2}),
            "sequence": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"is_active": "Active"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The campaign cannot end before it starts.")
        for name in ("budget", "actual_cost"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, "Use zero or more.")
        return cleaned

    def spec(self) -> CampaignSpec:
        return CampaignSpec(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class AssetForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(label="URL", required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Asset
        fields = [
            "name",
            "slug",
            "kind",
            "topic",
            "url",
            "intent_note",
            "engagement_weight",
            "hand_raiser",
            "is_public_form",
            "is_active",
        ]
        widgets = {"intent_note": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "hand_raiser": "Hand-raiser (makes the lead ready at once)",
            "is_public_form": "Serve a public form at /f/<slug>/",
            "is_active": "Active",
            "url": "URL",
        }

    def clean_engagement_weight(self) -> int:
        value = int(self.cleaned_data["engagement_weight"])
        if value > 100:
            raise forms.ValidationError("Use a weight from 0 to 100.")
        return value

    def spec(self) -> AssetSpec:
        return AssetSpec(**{name: self.cleaned_data[name] for name in self.Meta.fields})
