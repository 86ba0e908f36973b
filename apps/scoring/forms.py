"""The agreement page's one form: a signature on a draft, for one side."""

from __future__ import annotations

from django import forms

from apps.scoring.services import Side


class SignForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    side = forms.ChoiceField(choices=Side.choices, widget=forms.HiddenInput)
