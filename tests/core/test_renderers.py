"""The form renderer writes a <select> in Python: byte for byte what Django's own templates
write for the same widget, escaping included."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from apps.core.renderers import FormRenderer
from apps.leads.models import Lead
from tests import factories

HOSTILE = '<b>"Bold" & co</b>'


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("a", "Alpha"), ("b", HOSTILE)])
    grouped = forms.ChoiceField(
        choices=[("Warm", [("w1", "Warm one"), ("w2", "Warm <two>")]), ("x", "Loose")],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")])
    maybe = forms.NullBooleanField()
    tagged = forms.ChoiceField(
        choices=[("on", "On")],
        widget=forms.Select(attrs={"class": "wide", "data-x": HOSTILE, "disabled": True}),
    )
    lead = forms.ModelChoiceField(queryset=Lead.objects.order_by("pk"))


def _drawn(renderer: Any, data: dict[str, Any] | None) -> list[str]:
    form = Everything(data=data, renderer=renderer)
    if data is not None:
        form.is_valid()  # errors: aria-invalid on the fields at fault
    return [str(form[name]) for name in form.fields]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "grouped": "w2", "many": ["1", "3"], "maybe": "true", "tagged": "on"},
        {"plain": "nope", "many": ["9"]},
    ],
    ids=["unbound", "chosen", "refused"],
)
def test_every_select_is_what_djangos_templates_write(data: dict[str, Any] | None) -> None:
    # given leads to choose from (one whose name is markup)
    factories.LeadFactory(first_name=HOSTILE)
    factories.LeadFactory()
    if data is not None:
        data = {**data, "lead": str(Lead.objects.order_by("pk").first().pk)}

    # when the same form is drawn by our renderer and by Django's
    ours, djangos = _drawn(FormRenderer(), data), _drawn(DjangoTemplates(), data)

    # then every widget's markup is the same, and user text is escaped
    assert ours == djangos
    assert "<b>" not in "".join(ours)
