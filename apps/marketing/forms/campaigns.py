"""Campaign briefs, spend and assets as marketing edits them."""

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
        budget = cleaned.get("budget")
        if budget is not None and budget < 0:
            self.add_error("budget", "Use zero or more.")
        return cleaned

    def spec(self) -> CampaignSpec:
        return CampaignSpec(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class SpendForm(forms.Form):
    """One spend entry. The rules (no negative amount, a period inside the campaign's run
    dates, no dates = spread over the run) are the add_spend service's: its refusal lands on
    the field it names."""

    amount = forms.DecimalField(max_digits=12, decimal_places=2)
    starts_on = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(max_length=300, required=False)
    replaces = forms.IntegerField(required=False, min_value=1, label="Corrects entry")

    def spend(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "note": data["note"],
            "replaces_id": data["replaces"],
        }


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
            "offers_booking",
            "is_active",
        ]
        widgets = {"intent_note": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "hand_raiser": "Hand-raiser (makes the lead ready at once)",
            "is_public_form": "Serve a public form at /f/<slug>/",
            "offers_booking": "Offer a meeting with the routed rep after the form (hand-raisers)",
            "is_active": "Active",
            "url": "URL",
        }

    def clean_offers_booking(self) -> bool:
        offers = bool(self.cleaned_data.get("offers_booking"))
        if offers and not self.cleaned_data.get("hand_raiser"):  # cleaned before this field
            raise forms.ValidationError("Only a hand-raiser form offers booking: tick both.")
        return offers

    def clean_engagement_weight(self) -> int:
        value = int(self.cleaned_data["engagement_weight"])
        if value > 100:
            raise forms.ValidationError("Use a weight from 0 to 100.")
        return value

    def spec(self) -> AssetSpec:
        return AssetSpec(**{name: self.cleaned_data[name] for name in self.Meta.fields})
