"""One small form per action on a lead or opportunity in the sales workspace.

Forms parse input only; the services own the rules (minimum attempts, notes, stages).
CharField refuses NUL characters (PostgreSQL cannot store them) with a message on the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone

from apps.core.serializers import MAX_ID
from apps.feedback.models import DisqualificationReason
from apps.leads.models import Activity, BuyingRole, Channel
from apps.opportunities.models import LOST_DETAILS_LENGTH, Opportunity
from apps.opportunities.selectors import ALL_REASONS, NO_CAMPAIGN
from apps.plays.models import Play
from apps.users.forms import time_zone_choices
from apps.users.models import User

# A rep logs what happened on a contact; "sent" is what the app records when it sends an email.
ATTEMPT_OUTCOMES = [(v, label) for v, label in Activity.Outcome.choices if v != "sent"]


def _callback_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label="Call back at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Give the callback as a date and time."},
    )


class _NamesTheZone(forms.Form):
    """A form with a callback time: read in the rep's own time zone, and says which one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        help_text = f"In your time zone ({zone}). Becomes a call step on the play."
        self.fields["callback_at"].help_text = help_text


class AttemptForm(_NamesTheZone):
    channel = forms.ChoiceField(label="Channel", choices=Channel.choices, initial=Channel.CALL)
    outcome = forms.ChoiceField(
        label="Outcome", choices=ATTEMPT_OUTCOMES, initial=Activity.Outcome.NO_ANSWER
    )
    note = forms.CharField(
        label="Note",
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened, what is next"}),
    )
    callback_at = _callback_field()


class StepForm(_NamesTheZone):
    """Ticking a play step off: it is an attempt on the step's channel, so it says how it went."""

    outcome = forms.ChoiceField(
        label="How did it go?",
        choices=[("", "Choose an outcome"), *ATTEMPT_OUTCOMES],
        error_messages={"required": "Say how it went: choose an outcome."},
    )
    note = forms.CharField(label="Note", max_length=10000, required=False, widget=forms.TextInput())
    callback_at = _callback_field()


class EmailForm(forms.Form):
    """The step's email, filled from its template; sending logs it as an email attempt."""

    # its fields are drawn per step and its errors listed above the steps, so each names its field
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        error_messages={
            "required": "Give the email a subject.",
            "max_length": "Keep the subject to %(limit_value)d characters.",
        },
    )
    body = forms.CharField(
        label="Message",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "The email has no text.",
            "max_length": "Keep the message to %(limit_value)d characters.",
        },
    )


class ConvertForm(forms.Form):
    name = forms.CharField(label="Opportunity name", max_length=200)
    amount = forms.CharField(
        label="Amount",
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "25000"}),
    )
    expected_close = forms.DateField(
        label="Expected close",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    term_months = forms.IntegerField(
        label="Contract term (months)",
        initial=12,
        required=False,
        min_value=1,
        max_value=120,
        help_text="A win opens the account's renewal this many months later (12 if blank).",
    )

    def clean_term_months(self) -> int:
        term: int | None = self.cleaned_data.get("term_months")
        return 12 if term is None else term

    def clean_amount(self) -> str:
        """Accept what people type ("25,000", " 1 200 "): the service parses the number."""
        value: str = self.cleaned_data["amount"]
        return value.replace(",", "").replace(" ", "").replace("_", "")


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label="Reason")
    note = forms.CharField(
        label="Note for marketing",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, reasons: Sequence[DisqualificationReason], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reasons = list(reasons)
        choice_field = self.fields["reason"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [("", "Choose a reason")] + [
            (str(reason.pk), self.describe(reason)) for reason in self.reasons
        ]

    @staticmethod
    def describe(reason: DisqualificationReason) -> str:
        """The reason's label with its rules, so the rep sees them before choosing."""
        rules = reason.rules()
        return f"{reason.label} ({', '.join(rules)})" if rules else reason.label

    def clean_reason(self) -> int:
        return int(self.cleaned_data["reason"])


class RecycleForm(DisqualifyForm):
    """Back to marketing's nurture: a reason from the recycling list, with the same rules."""

    def __init__(
        self, *args: Any, reasons: Sequence[DisqualificationReason], **kwargs: Any
    ) -> None:
        super().__init__(*args, reasons=reasons, **kwargs)
        self.fields["reason"].label = "Why back to nurture?"
        note = self.fields["note"]
        note.label = "What marketing should know"
        note.widget = forms.TextInput(attrs={"placeholder": "e.g. budget opens in Q3"})


class SwitchPlayForm(forms.Form):
    play = forms.ChoiceField(label="Play")
    reason = forms.CharField(label="Why switch?", max_length=300, required=False)

    def __init__(self, *args: Any, plays: Sequence[Play], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field = self.fields["play"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [("", "Choose a play")] + [
            (str(play.pk), play.name) for play in plays
        ]

    def clean_play(self) -> int:
        return int(self.cleaned_data["play"])


class BuyingRoleForm(forms.Form):
    role = forms.ChoiceField(label="Buying role", choices=BuyingRole.choices)


class ReassignForm(forms.Form):
    to_rep = forms.ChoiceField(label="Reassign to")
    reason = forms.CharField(label="Reason", max_length=300, required=False)

    def __init__(self, *args: Any, reps: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field = self.fields["to_rep"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [("", "Choose a rep")] + [
            (str(rep.pk), rep.display_name) for rep in reps
        ]

    def clean_to_rep(self) -> int:
        return int(self.cleaned_data["to_rep"])


class AvailabilityForm(forms.Form):
    available = forms.TypedChoiceField(
        choices=[("1", "Available"), ("0", "Out of office")], coerce=lambda v: v == "1"
    )


class OpportunityStageForm(forms.Form):
    """The pipeline's stage change (mounted under /sales/pipeline/ with the sales forms). A lost
    deal's reason is an id from the active list; the service refuses a missing, unknown or
    archived one on `lost_reason`."""

    stage = forms.ChoiceField(label="Stage", choices=Opportunity.Stage.choices)
    lost_reason = forms.IntegerField(
        label="Why was it lost?",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.Select,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"), "Choose a lost reason from the list."
        ),
    )
    lost_details = forms.CharField(
        label="Details",
        max_length=LOST_DETAILS_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Details, if lost (optional)"}),
    )


class LostDealsForm(forms.Form):
    """The pipeline's lost deals behind one count of its lost-reasons panels: one reason or
    "all", and maybe one source campaign (an id, or "none" for deals without one)."""

    lost_reason = forms.CharField(max_length=20)
    campaign = forms.CharField(required=False, max_length=20)

    def clean_lost_reason(self) -> int | None:
        """A reason id, or None for "all"."""
        return _id_or(
            self.cleaned_data["lost_reason"], ALL_REASONS, "Give a lost reason id or “all”."
        )

    def clean_campaign(self) -> int | str | None:
        """A campaign id, "none" (deals whose lead had no source campaign) or None (all)."""
        value: str = self.cleaned_data["campaign"].strip()
        if not value:
            return None
        if value == NO_CAMPAIGN:
            return NO_CAMPAIGN
        return _id_or(value, "", "Give a campaign id or “none”.")


def _id_or(value: str, word: str, message: str) -> int | None:
    """A record id as typed in a query string, or None if it is `word`."""
    value = value.strip()
    if word and value == word:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise forms.ValidationError(message)
    return int(value)


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class CalendarForm(forms.Form):
    """A rep's bookable week: zone, working hours and days, and an optional ICS busy feed."""

    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)
    work_start = forms.TimeField(
        label="Working day starts", widget=forms.TimeInput(attrs={"type": "time"})
    )
    work_end = forms.TimeField(
        label="Working day ends", widget=forms.TimeInput(attrs={"type": "time"})
    )
    work_days = forms.TypedMultipleChoiceField(
        label="Working days",
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one working day."},
    )
    ics_url = forms.CharField(
        label="Busy calendar feed (ICS address, optional)",
        required=False,
        max_length=500,
        help_text="Your external calendar's secret iCal address: its busy times are kept free. "
        "Leave blank for none.",
    )
