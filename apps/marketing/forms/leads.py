"""The lead list's saved-view form."""

from __future__ import annotations

from django import forms

from apps.users.models import SavedView


class SaveViewForm(forms.Form):
    name = forms.CharField(max_length=SavedView._meta.get_field("name").max_length)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
