"""Input parsing for the service pages. Business rules live in apps/service/services.py; a
DomainError it raises is shown on the field it names (apps.core.forms.call_service)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from apps.service.services import HEALTH_VALUES, MAX_AMOUNT, HandoffKind


class HealthForm(forms.Form):
    health = forms.ChoiceField(
        label="Health",
        choices=[(value, value.capitalize()) for value in HEALTH_VALUES],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose green, yellow or red."},
    )
    note = forms.CharField(
        label="Why",
        max_length=2000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "What changed: usage, sponsor, tickets…"}
        ),
    )


class RenewForm(forms.Form):
    renewed_amount = forms.DecimalField(
        label="Renewed for",
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        max_digits=14,
        decimal_places=2,
        help_text="Leave empty to renew at the amount due.",
    )


class ChurnForm(forms.Form):
    """The reason select is drawn from the active reasons in the page context (one query per
    page, not per row); the service checks that the chosen reason is active."""

    reason = forms.IntegerField(
        label="Churn reason",
        min_value=1,
        error_messages={
            "required": "Choose a churn reason from the list.",
            "invalid": "Choose a churn reason from the list.",
        },
    )
    note = forms.CharField(label="Note", max_length=2000, required=False)


class VoiceNoteForm(forms.Form):
    account = forms.IntegerField(
        label="Customer",
        min_value=1,
        error_messages={
            "required": "Choose the customer who said it.",
            "invalid": "Choose the customer who said it.",
        },
    )
    quote = forms.CharField(
        label="What they said",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write down the customer's words."},
    )
    tags = forms.CharField(
        label="Tags",
        max_length=500,
        required=False,
        help_text="Separated by commas, e.g. pricing, onboarding.",
    )
    context = forms.CharField(
        label="Where it was said",
        max_length=200,
        required=False,
        help_text="QBR, support ticket, renewal call…",
    )


class VoiceSearchForm(forms.Form):
    q = forms.CharField(label="Search the quotes", max_length=200, required=False)
    tag = forms.CharField(label="Tag", max_length=40, required=False)


class HandToSalesForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", choices=HandoffKind.choices, initial=HandoffKind.EXPANSION
    )
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    email = forms.EmailField(label="Work email", max_length=254)
    title = forms.CharField(label="Job title", max_length=150, required=False)
    note = forms.CharField(
        label="Note for sales",
        max_length=2000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "What they asked for, who is involved, timing…"}
        ),
    )
