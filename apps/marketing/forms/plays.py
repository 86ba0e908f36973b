"""The play editor: the play's fields and match criteria, and a formset of its ordered steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from apps.campaigns.models import Asset, Campaign
from apps.leads.models import BuyingRole, Channel, Lead
from apps.plays.models import Play
from apps.plays.services import PlaySpec, StepSpec


def _assets() -> QuerySet[Asset]:
    return Asset.objects.filter(is_active=True).order_by("name")


def _campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(is_active=True).order_by("name")


class PlayForm(forms.Form):
    name = forms.CharField(max_length=150)
    talk_track = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the rep says first, and why this lead is worth the call.",
    )
    priority = forms.IntegerField(
        min_value=0, max_value=32767, initial=100, help_text="Higher wins when several match."
    )
    is_default = forms.BooleanField(
        required=False, label="Default play", help_text="Used when no other play matches."
    )
    is_account_play = forms.BooleanField(
        required=False,
        label="Account play",
        help_text="Handed with a lead routed because its whole account became ready.",
    )
    match_assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label="Assets touched",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    match_campaigns = forms.ModelMultipleChoiceField(
        queryset=Campaign.objects.none(),
        required=False,
        label="Campaigns touched",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    min_score = forms.IntegerField(
        required=False, min_value=0, max_value=32767, label="Minimum score"
    )
    account_tier = forms.ChoiceField(
        required=False,
        choices=[("", "Any tier"), ("target", "Target account"), ("standard", "Standard")],
    )
    buying_role = forms.ChoiceField(
        required=False, choices=[("", "Any buying role"), *BuyingRole.choices]
    )
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Lead.Source.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per instance so the choices are read when the form is built, not at import.
        self.fields["match_assets"].queryset = _assets()  # type: ignore[attr-defined]
        self.fields["match_campaigns"].queryset = _campaigns()  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(play: Play) -> dict[str, Any]:
        return {
            "name": play.name,
            "talk_track": play.talk_track,
            "priority": play.priority,
            "is_default": play.is_default,
            "is_account_play": play.is_account_play,
            "match_assets": [a.pk for a in play.match_assets.all()],
            "match_campaigns": [c.pk for c in play.match_campaigns.all()],
            "min_score": play.min_score,
            "account_tier": play.account_tier,
            "buying_role": play.buying_role,
            "source": play.source,
        }


class StepForm(forms.Form):
    order = forms.IntegerField(
        min_value=1, max_value=99, widget=forms.NumberInput(attrs={"class": "input--narrow"})
    )
    channel = forms.ChoiceField(choices=[("", "Channel…"), *Channel.choices])
    due_offset_minutes = forms.IntegerField(
        min_value=0,
        max_value=60 * 24 * 90,
        label="Due after (minutes)",
        widget=forms.NumberInput(attrs={"class": "input--narrow"}),
        error_messages={"min_value": "Offsets cannot be negative: steps are due after assignment."},
    )
    title = forms.CharField(max_length=150)
    template = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Script or email text"
    )


class BaseStepFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        steps = self.step_specs()
        if not steps:
            raise forms.ValidationError("Add at least one step.")
        orders = [s.order for s in steps]
        if len(set(orders)) != len(orders):
            raise forms.ValidationError("Two steps have the same order: give each its own place.")
        ordered = sorted(steps, key=lambda s: s.order)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if later.due_offset_minutes < earlier.due_offset_minutes:
                raise forms.ValidationError(
                    f"“{later.title}” is due before “{earlier.title}”: order the steps by "
                    "when they are due."
                )

    def step_specs(self) -> tuple[StepSpec, ...]:
        """The filled-in, not deleted step rows."""
        specs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and data.get("DELETE")):
                continue
            specs.append(
                StepSpec(
                    order=data["order"],
                    channel=data["channel"],
                    due_offset_minutes=data["due_offset_minutes"],
                    title=data["title"],
                    template=data.get("template", ""),
                )
            )
        return tuple(specs)


StepFormSet = forms.formset_factory(
    StepForm, formset=BaseStepFormSet, extra=2, can_delete=True, max_num=30, validate_max=True
)


def step_formset(
    data: Mapping[str, Any] | None = None, *, initial: list[dict[str, Any]] | None = None
) -> BaseStepFormSet:
    """The steps formset, prefixed "steps"; bound when `data` is given."""
    return cast(BaseStepFormSet, StepFormSet(data, prefix="steps", initial=initial))


def initial_steps(play: Play) -> list[dict[str, Any]]:
    return [
        {
            "order": step.order,
            "channel": step.channel,
            "due_offset_minutes": step.due_offset_minutes,
            "title": step.title,
            "template": step.template,
        }
        for step in play.steps.all()
    ]


def play_spec(form: PlayForm, steps: BaseStepFormSet, *, is_active: bool) -> PlaySpec:
    """The service's input from two valid forms."""
    data = form.cleaned_data
    return PlaySpec(
        name=data["name"],
        talk_track=data.get("talk_track", ""),
        priority=data["priority"],
        is_default=data.get("is_default", False),
        is_account_play=data.get("is_account_play", False),
        is_active=is_active,
        min_score=data.get("min_score"),
        account_tier=data.get("account_tier", ""),
        buying_role=data.get("buying_role", ""),
        source=data.get("source", ""),
        asset_ids=tuple(a.pk for a in data.get("match_assets", [])),
        campaign_ids=tuple(c.pk for c in data.get("match_campaigns", [])),
        steps=steps.step_specs(),
    )
