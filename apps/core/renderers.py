"""The form renderer (settings.FORM_RENDERER): Django's, with every <select> written in Python.

Django draws a Select widget through three templates, one include per option and another per
option's attributes: the lead page's forms (the attempt, disqualify, recycle and play forms,
about 60 options in all) spent some 7 ms of the page's 45 there on a 2-core server. Here the
same widget context (its name, attrs and optgroups, which Django still computes) becomes the
same markup, byte for byte (tests/core/test_renderers.py compares the two), with format_html
escaping as the templates' autoescape did. A widget whose options use a template of their own
is left to the templates."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html writes them: False left out, True bare."""
    return mark_safe(  # noqa: S308 - each attribute escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


def _option(option: dict[str, Any]) -> SafeString:
    return format_html(
        '\n  <option value="{}"{}>{}</option>\n',
        option["value"],
        _attrs(option["attrs"]),
        option["label"],
    )


def _select(widget: dict[str, Any]) -> str | None:
    """select.html's markup for the widget's context, or None to leave it to the templates."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, group_choices, _ in widget["optgroups"]:
        if any(option["template_name"] != OPTION for option in group_choices):
            return None
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts.extend(_option(option) for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips what the template ends with
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT:
            drawn = _select(context["widget"])
            if drawn is not None:
                return drawn
        return super().render(template_name, context, request)
