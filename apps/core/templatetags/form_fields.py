"""A choice field's <select>, written in Python: `{% load form_fields %}` then `{% select_field
field %}` where a template would write `{{ field }}` for a filter bar's selects.

Django's Select widget renders through the form renderer's templates, one include per option:
the queue's filter bar (five selects, about 25 options) took 9 ms of the page's 65 on a 2-core
server; format_html takes well under one. (The project's form renderer, apps/core/renderers.py,
now writes every widget's <select> in Python too; this tag still saves the widget's context and
its options' dicts.) The markup is the widget's: its name, id and attrs
(required, aria-invalid, the widget's own), the bound value selected, optgroups; labels and
values are escaped by format_html. A model choice field's options are read with a plain query
instead of the widget's server-side cursor (DECLARE, FETCH and CLOSE on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _choices(field: forms.Field) -> Iterable[tuple[Any, Any]]:
    """The field's choices as its widget lists them; a model choice field's from one query."""
    if not isinstance(field, forms.ModelChoiceField):
        return field.choices
    listed = list(field.queryset)
    head = [("", field.empty_label)] if field.empty_label is not None else []
    extra = getattr(field, "null_label", None)  # django-filter's "no value" option
    if extra is not None:
        head.append((field.null_value, extra))
    return head + [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in listed]


def _options(choices: Iterable[tuple[Any, Any]], selected: set[str]) -> SafeString:
    parts = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', value, _options(label, selected))
            )
            continue
        text = "" if value is None else str(value)
        mark = mark_safe(" selected") if text in selected else ""  # noqa: S308 - a constant
        parts.append(format_html('<option value="{}"{}>{}</option>', text, mark, label))
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped by format_html


@register.simple_tag
def select_field(bound: BoundField) -> SafeString:
    """The bound choice field's <select>, as `{{ field }}` would render it. Any other field is
    a template author's mistake, named at once instead of an AttributeError deep inside."""
    widget = bound.field.widget
    if not isinstance(widget, forms.Select):
        raise TypeError(
            f"{{% select_field %}} draws a <select>: the field {bound.name!r} is drawn by "
            f"{type(widget).__name__}; write {{{{ form.{bound.name} }}}} for it instead."
        )
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs["id"] = bound.auto_id
    attrs = widget.build_attrs(widget.attrs, attrs)
    if widget.allow_multiple_selected:
        attrs["multiple"] = True
    selected = set(widget.format_value(bound.value()))
    return format_html(
        '<select name="{}"{}>{}</select>',
        bound.html_name,
        flatatt(attrs),
        _options(_choices(bound.field), selected),
    )
