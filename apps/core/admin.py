"""Shared admin building blocks: record kinds the admin may only read, or never delete.

The other apps' admin modules import these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Model
from django.http import HttpRequest

COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
# Links typed without a scheme are web addresses: assume https (Django 6's default).
HTTPS_URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class NoDeleteMixin(BaseModelAdmin):  # type: ignore[type-arg]
    """History is never deleted from the admin: no delete button, URL or bulk action."""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyMixin(NoDeleteMixin):
    """Records the system writes (events, snapshots, replay records): the admin only shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class NoAddNoDeleteMixin(NoDeleteMixin):
    """Records services create with side effects (SLA clock, scores, lead status)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _is_value_of(field: models.Field[Any, Any], value: Any) -> bool:
    """Whether `value` could be stored in `field` (an id: a whole number in the column's
    range); empty values pass, as the widget skips them itself."""
    if value in field.empty_values:
        return True
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class CheckedAutocompleteSelect(AutocompleteSelect):
    """The admin's search-as-you-type select, re-rendering a form whose value was typed by
    hand: a value that is not an id of the related model (text, "1e3", a number beyond the
    column) is left out before the widget looks up the selected option, which Django's widget
    does with the value as it came and fails with a server error. The form field has already
    put its error on the field."""

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> Any:
        target = self.field.target_field
        return super().optgroups(name, [v for v in value if _is_value_of(target, v)], attrs)


class CheckedAutocompleteMixin(BaseModelAdmin):  # type: ignore[type-arg]
    """Autocomplete fields (`autocomplete_fields`) drawn by CheckedAutocompleteSelect: a typed
    value that is not an id is the field's form error, never a server error."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:  # type: ignore[type-arg]
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def clean_country_codes(value: str) -> str:
    """Normalise "de, fr" to "DE,FR"; refuse anything that is not two letters."""
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    bad = [c for c in codes if not COUNTRY_CODE.match(c)]
    if bad:
        raise forms.ValidationError(
            "Use two-letter ISO country codes separated by commas, e.g. DE,FR. Not valid: %(bad)s.",
            params={"bad": ", ".join(bad)},
        )
    return ",".join(codes)


def clean_country_code(value: str) -> str:
    """Normalise one optional country code to upper case; refuse anything not two letters."""
    code = value.strip().upper()
    if code and not COUNTRY_CODE.match(code):
        raise forms.ValidationError("Use a two-letter ISO country code, e.g. DE.")
    return code


def clean_choice_list(value: str, choices: Iterable[tuple[str, Any]], what: str) -> str:
    """Normalise a comma-separated list and refuse values that are not among `choices`."""
    allowed = {str(v) for v, _ in choices}
    items = [i.strip() for i in value.split(",") if i.strip()]
    bad = [i for i in items if i not in allowed]
    if bad:
        raise forms.ValidationError(
            "Unknown %(what)s: %(bad)s. Use: %(allowed)s.",
            params={"what": what, "bad": ", ".join(bad), "allowed": ", ".join(sorted(allowed))},
        )
    return ",".join(items)
