"""{% select_field %} writes the <select> Django's widget writes (compared as HTML, so only
whitespace may differ): unbound, bound to a valid choice, bound to an invalid one, with
optgroups, widget attributes, a required field, a model choice field and a multiple select."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.template import Context, Template
from django.test.html import parse_html

from apps.campaigns.models import Campaign
from apps.leads.models import Lead
from apps.sales.filters import LeadQueueFilter
from tests import factories


def _tag(bound: forms.BoundField) -> str:
    return Template("{% load form_fields %}{% select_field field %}").render(
        Context({"field": bound})
    )


def _same(bound: forms.BoundField) -> None:
    ours, django = _tag(bound), str(bound)
    assert parse_html(ours) == parse_html(django), f"{ours}\n!=\n{django}"


class Picker(forms.Form):
    tone = forms.ChoiceField(
        choices=[
            ("", "Any tone"),
            ("Warm", [("sun", "Sunny <b>"), ("fire", "Fire")]),
            ("ice", "Ice"),
        ],
        required=False,
        widget=forms.Select(attrs={"class": "picker", "data-x": "1"}),
    )
    size = forms.ChoiceField(choices=[("s", "Small"), ("l", "Large")])
    tags = forms.MultipleChoiceField(choices=[("a", "A & B"), ("c", "C")], required=False)


@pytest.mark.parametrize(
    "data",
    [None, {"tone": "fire", "size": "l", "tags": ["a", "c"]}, {"tone": "nope", "size": ""}],
    ids=["unbound", "valid", "invalid"],
)
def test_plain_choice_fields_render_as_the_widget_does(data: Any) -> None:
    form = Picker(data)
    form.is_valid()
    for name in ("tone", "size", "tags"):
        _same(form[name])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        None,
        {"status": "ready", "campaign": "CAMPAIGN", "tier": "target"},
        {"status": "bogus", "campaign": "999999"},
    ],
    ids=["unbound", "valid", "invalid"],
)
def test_the_queue_filters_render_as_the_widgets_do(query: Any) -> None:
    # given two campaigns, one named with markup
    webinar = factories.CampaignFactory(name="Webinar <script>")
    factories.CampaignFactory(name="Paid search")
    if query and query.get("campaign") == "CAMPAIGN":
        query = {**query, "campaign": str(webinar.pk)}
    filters = LeadQueueFilter(query, queryset=Lead.objects.all())
    filters.is_valid()
    # then every select of the filter bar is the widget's markup, escaped
    for field in filters.form:
        if field.name != "q":
            _same(field)
    assert "Webinar &lt;script&gt;" in _tag(filters.form["campaign"])


@pytest.mark.django_db
def test_a_model_choice_field_without_an_empty_label_lists_only_its_objects() -> None:
    factories.CampaignFactory(name="Only one")
    field = forms.ModelChoiceField(queryset=Campaign.objects.all(), empty_label=None)
    form = forms.Form()
    form.fields["campaign"] = field
    _same(form["campaign"])
    assert "Only one</option>" in _tag(form["campaign"])
    assert 'value=""' not in _tag(form["campaign"])


def test_a_field_that_is_not_a_select_is_named_to_the_template_author() -> None:
    # given a form with a text field
    class Search(forms.Form):
        q = forms.CharField()

    # when a template asks {% select_field %} for it, then the error names the field and widget
    with pytest.raises(TypeError, match="the field 'q' is drawn by TextInput"):
        _tag(Search()["q"])
