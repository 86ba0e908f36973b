"""The public form at /f/<slug>/: what a buyer types, checked before intake sees it."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core import signing
from django.core.validators import RegexValidator

FORM_TOKEN_SALT = "revenue.public-form"  # noqa: S105 - a signing salt, not a secret
FORM_TOKEN_MAX_AGE = 60 * 60 * 24


class PublicLeadForm(forms.Form):
    """The embeddable form at /f/<slug>/. `website` is the honeypot: people never see it."""

    email = forms.EmailField(label="Work email", max_length=254)
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    company = forms.CharField(label="Company", max_length=200, required=False)
    title = forms.CharField(label="Job title", max_length=150, required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    country = forms.CharField(
        label="Country code",
        max_length=2,
        required=False,
        validators=[RegexValidator(r"^[A-Za-z]{2}$", "Use a two-letter code such as DE or US.")],
    )
    message = forms.CharField(
        label="What would you like to talk about?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    website = forms.CharField(
        required=False,
        label="Website",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, asset_slug: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asset_slug = asset_slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in cleaned.items():
            if isinstance(value, str) and "\x00" in value:
                self.add_error(name, "This field contains characters we cannot store.")
        return cleaned

    def clean_token(self) -> str:
        """The signed token from our own GET: a post without one was not made from this form."""
        token = self.cleaned_data["token"]
        try:
            value = signing.loads(token, salt=FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
        except signing.BadSignature as exc:
            raise forms.ValidationError(
                "This form has expired; reload the page and try again."
            ) from exc
        if value.get("asset") != self.asset_slug:
            raise forms.ValidationError("This form has expired; reload the page and try again.")
        return token

    @staticmethod
    def new_token(asset_slug: str) -> str:
        return signing.dumps(
            {"asset": asset_slug, "nonce": secrets.token_urlsafe(8)}, salt=FORM_TOKEN_SALT
        )
