"""The review form: acknowledge with what marketing will change, acknowledge and recycle the
lead to nurture (with an optional re-engage day), or dispute and send the lead back (to
nurture, or re-routed as ready)."""

from __future__ import annotations

from typing import Any

from django import forms


class ReviewForm(forms.Form):
    """Marketing's review of one disqualification (the fields review_disqualification takes)."""

    decision = forms.ChoiceField(
        choices=[
            ("acknowledge", "Acknowledge"),
            ("recycle", "Acknowledge and recycle to nurture"),
            ("dispute", "Dispute"),
            ("dispute-nurture", "Dispute: back to nurture"),
            ("dispute-ready", "Dispute: re-route as ready"),
        ],
        error_messages={"required": "Choose acknowledge, recycle or dispute."},
    )
    action_note = forms.CharField(
        label="Action note",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reengage_on = forms.DateField(
        label="Re-engage on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the re-engage day as a date."},
    )
    dispute_outcome = forms.ChoiceField(
        required=False,
        choices=[("", "—"), ("nurture", "Back to nurture"), ("ready", "Re-route as ready")],
    )

    def clean(self) -> dict[str, Any]:
        """One button can carry the dispute's outcome ("dispute-ready"); split it."""
        cleaned = super().clean() or {}
        decision = cleaned.get("decision", "")
        if decision.startswith("dispute-"):
            cleaned["decision"], cleaned["dispute_outcome"] = "dispute", decision.split("-", 1)[1]
        return cleaned


class IdListField(forms.Field):
    """Record ids posted as repeated values (`ids=3&ids=7`), as a list of ints."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Pick items from the review queue."}

    def to_python(self, value: Any) -> list[int]:
        values = [str(item) for item in (value or [])]
        if any(not (v.isascii() and v.isdigit()) or len(v) > 12 for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return [int(v) for v in values]


class BulkAcknowledgeForm(forms.Form):
    """Acknowledge the ticked review items with one action note."""

    ids = IdListField(error_messages={"required": "Tick the items to acknowledge."})
    action_note = forms.CharField(
        label="Action note for every ticked item",
        max_length=5000,
        error_messages={"required": "Say what marketing will change."},
    )
    back = forms.CharField(required=False, max_length=2000)
