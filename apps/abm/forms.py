"""Input of the account pages: the list's filters and the tier picker."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from apps.accounts.models import Account


@dataclass(frozen=True)
class AccountFilters:
    search: str = ""
    tier: str = ""
    lifecycle: str = ""
    ready: bool | None = None

    @property
    def active(self) -> bool:
        return bool(self.search or self.tier or self.lifecycle or self.ready is not None)


READY_CHOICES = [("", "Any"), ("yes", "Conversation-ready"), ("no", "Not ready")]


class AccountFilterForm(forms.Form):
    """The accounts list's search and filters; unknown values are ignored, never a 400."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    tier = forms.ChoiceField(required=False, choices=[("", "Any tier"), *Account.Tier.choices])
    lifecycle = forms.ChoiceField(
        required=False, choices=[("", "Any lifecycle"), *Account.Lifecycle.choices]
    )
    ready = forms.ChoiceField(required=False, choices=READY_CHOICES, label="Readiness")

    def filters(self) -> AccountFilters:
        """The filters from the valid fields only."""
        self.is_valid()  # an invalid field drops out of cleaned_data; the others still apply
        data = self.cleaned_data
        return AccountFilters(
            search=str(data.get("q") or "").strip(),
            tier=data.get("tier") or "",
            lifecycle=data.get("lifecycle") or "",
            ready={"yes": True, "no": False}.get(data.get("ready") or ""),
        )


class AccountTierForm(forms.Form):
    tier = forms.ChoiceField(choices=Account.Tier.choices)
