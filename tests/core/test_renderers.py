"""The form renderer writes a <select> in Python: byte for byte what Django's own templates
write for the same widget, escaping included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import Client

from apps.core.renderers import FormRenderer
from apps.leads.models import Lead
from tests import factories
from tests.fixtures.leads import make_owned_lead
from tests.sales.conftest import with_play

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


class EveryField(forms.Form):
    """A field of each kind our forms draw as a field group, with the awkward cases: markup in
    labels, help text, values and attributes, a label ending in punctuation, no label, a
    label suffix, optional and required fields, initial values."""

    required_css_class = "required"

    name = forms.CharField(label=HOSTILE, max_length=20, help_text="Up to <em>20</em> letters")
    email = forms.EmailField(required=False, initial='"quoted"@example.com')
    amount = forms.DecimalField(max_digits=8, decimal_places=2, initial="1500.50")
    months = forms.IntegerField(label="Months?", min_value=1)
    due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    time = forms.TimeField(required=False)
    site = forms.URLField(required=False, label="")
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, initial=HOSTILE, required=False)
    agree = forms.BooleanField(required=False, help_text="Tick to <strong>agree</strong>")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": HOSTILE}), required=False
    )
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}), required=False)
    choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def _groups(renderer: Any, data: dict[str, Any] | None, **options: Any) -> list[str]:
    form = EveryField(data=data, renderer=renderer, **options)
    if data is not None:
        form.is_valid()  # errors under each field at fault, aria-invalid on its widget
    return [form[name].as_field_group() for name in form.fields] + [
        str(form[name].errors) for name in form.fields
    ]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "name": "Ana & <Bo>",
            "email": "ana@example.com",
            "amount": "12.5",
            "months": "3",
            "due": "2026-12-01",
            "at": "2026-12-01T09:30",
            "note": "Line one\n<two> & three",
            "agree": "on",
            "choice": "b",
        },
        {"name": "x" * 30, "email": "not an email", "amount": "lots", "months": "0", "at": "no"},
    ],
    ids=["unbound", "valid", "refused"],
)
@pytest.mark.parametrize(
    "options",
    [{}, {"auto_id": False}, {"auto_id": "act_%s", "label_suffix": ""}, {"prefix": "p"}],
    ids=["default", "no-ids", "our-ids", "prefixed"],
)
def test_every_field_group_is_what_djangos_templates_write(
    data: dict[str, Any] | None, options: dict[str, Any]
) -> None:
    # when the same form is drawn field group by field group by our renderer and Django's
    if data is not None and options.get("prefix"):
        data = {f"{options['prefix']}-{name}": value for name, value in data.items()}
    ours = _groups(FormRenderer(), data, **options)
    djangos = _groups(DjangoTemplates(), data, **options)

    # then the markup is the same, byte for byte, and no user text is left unescaped (help
    # text is ours: trusted markup, as Django takes it)
    assert ours == djangos
    assert "<b>" not in "".join(ours)


# what differs between two responses whatever draws the forms: a masked CSRF token (new every
# time) and a moment in epoch seconds (the live page's clock)
PER_RESPONSE = re.compile(r"\b[A-Za-z0-9]{64}\b|\b1[0-9]{9}\b")


@pytest.mark.django_db
def test_the_lead_page_is_what_djangos_templates_write(
    client: Client, rep: Any, settings: Any
) -> None:
    # given a lead of the rep's with a play, a journey and an account (every form it offers)
    lead = make_owned_lead(rep, account=factories.AccountFactory(), title="VP Sales")
    with_play(lead, "Call within the hour", "Send the case study")
    client.force_login(rep)

    def page(renderer: str) -> str:
        settings.FORM_RENDERER = renderer
        response = client.get(f"/sales/leads/{lead.pk}/")
        assert response.status_code == 200
        return PER_RESPONSE.sub("", response.content.decode())

    # when the page is drawn with our renderer and with Django's
    ours = page("apps.core.renderers.FormRenderer")
    djangos = page("django.forms.renderers.DjangoTemplates")

    # then it is the same page
    assert ours.count('class="field"') >= 10
    assert ours == djangos
