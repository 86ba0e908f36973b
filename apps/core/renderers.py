"""The form renderer (settings.FORM_RENDERER): Django's, with the markup every form on our pages
draws written in Python: a <select>, an <input> or <textarea>, a field group, its label and
its error list.

Django draws a Select widget through three templates, one include per option and another per
option's attributes: the lead page's forms (the attempt, disqualify, recycle and play forms,
about 60 options in all) spent some 7 ms of the page's 45 there on a 2-core server. A field
group (`as_field_group`: label, help text, errors and widget) is four to five templates more,
about 0.3 ms a field, 4.5 of the lead page's 15 ms of rendering for its 14 fields. Here the
same contexts (which Django still computes) become the same markup, byte for byte
(tests/core/test_renderers.py compares the two over every kind of field and the lead page
itself), with format_html escaping as the templates' autoescape did and the result stripped
as Django's renderer strips it. A widget whose options use a template of their own, and a
field drawn in a <fieldset> (radio buttons, checkbox lists, split widgets), are left to the
templates."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
FIELD = "django/forms/field.html"
LABEL = "django/forms/label.html"
ERRORS = ("django/forms/errors/list/default.html", "django/forms/errors/list/ul.html")
# the widget templates that only include input.html
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)


def _shown(value: Any) -> SafeString:
    """What `{{ value }}` writes for a value that is not a date or a number: str() first (a
    bound field's str is its widget), then escaped unless it is safe."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict[str, Any] | None) -> SafeString:
    """As django/forms/widgets/attrs.html writes them: False left out, True bare."""
    return mark_safe(  # noqa: S308 - each attribute escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in (attrs or {}).items()
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


def _input(widget: dict[str, Any]) -> str:
    """input.html: the value when there is one (an empty string is one), then the attrs."""
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', value) if value is not None else "",
        _attrs(widget["attrs"]),
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return format_html(
        '<textarea name="{}"{}>\n{}</textarea>',
        widget["name"],
        _attrs(widget["attrs"]),
        _shown(value) if value else "",
    )


def _label(context: dict[str, Any]) -> str:
    """label.html: the label in its tag when the field has an id, else the bare label."""
    if not context["use_tag"]:
        return _shown(context["label"]).strip()
    tag = context["tag"]
    return format_html(
        "<{}{}>{}</{}>", tag, _attrs(context["attrs"]), _shown(context["label"]), tag
    )


def _errors(context: dict[str, Any]) -> str:
    """ul.html: nothing for no errors, else a list with the field's error id."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    return format_html(
        '<ul class="{}"{}>{}</ul>',
        context["error_class"],
        format_html(' id="{}_error"', field_id) if field_id else "",
        mark_safe(  # noqa: S308 - each error escaped by format_html
            "".join(format_html("<li>{}</li>", _shown(error)) for error in errors)
        ),
    )


def _field(context: dict[str, Any]) -> str | None:
    """field.html for a field not drawn in a <fieldset> (None leaves that to the template):
    its label, help text (trusted markup, as `|safe` takes it), errors and widget, on the
    template's lines."""
    field = context["field"]
    if field.use_fieldset:
        return None
    label = _shown(field.label_tag()) if field.label else ""
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div class="helptext"{}>{}</div>',
            format_html(' id="{}_helptext"', field.auto_id) if field.auto_id else "",
            mark_safe(field.help_text),  # noqa: S308 - the template's |safe
        )
    errors, widget = _shown(field.errors), _shown(field)
    return f"\n  {label}\n\n{help_text}\n{errors}\n{widget}\n".strip()


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        drawn: str | None = None
        if template_name in INPUTS:
            drawn = _input(context["widget"])
        elif template_name == SELECT:
            drawn = _select(context["widget"])
        elif template_name == TEXTAREA:
            drawn = _textarea(context["widget"])
        elif template_name == FIELD:
            drawn = _field(context)
        elif template_name == LABEL:
            drawn = _label(context)
        elif template_name in ERRORS:
            drawn = _errors(context)
        if drawn is not None:
            return drawn
        return super().render(template_name, context, request)
