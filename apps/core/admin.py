"""Shared admin building blocks: record kinds the admin may only read, or never delete.

The other apps' admin modules import these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.admin.options import BaseModelAdmin
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
