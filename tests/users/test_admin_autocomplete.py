"""A related record picked in the admin by search (autocomplete) and typed by hand: a value
that is not an id is the field's error on the re-rendered form, never a server error, and
nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from apps.core.admin import CheckedAutocompleteMixin
from tests.leads.test_admin import populate

pytestmark = pytest.mark.django_db

AUTOCOMPLETED = sorted(
    (model._meta.label_lower, field)
    for model, model_admin in admin.site._registry.items()
    for field in model_admin.autocomplete_fields
)


def _form_url(model: type[Model], client: Client) -> tuple[str, Any]:
    """The add form, or the change form of an existing record where adding is not allowed."""
    meta = model._meta
    add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    if client.get(add).status_code == 200:
        return add, None
    record = model._default_manager.order_by("pk").first()
    assert record is not None, f"no {meta.label} to change"
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk]), record


def test_every_autocomplete_field_is_listed() -> None:
    # the parametrised test below covers each admin's autocomplete fields
    assert ("leads.lead", "account") in AUTOCOMPLETED
    assert len(AUTOCOMPLETED) >= 12


def test_every_admin_and_inline_with_autocomplete_fields_draws_the_checked_widget() -> None:
    # an admin (or an inline, which the test below does not post) that forgets the mixin
    # brings the server error back
    unchecked = [
        type(admin_obj).__name__ if not isinstance(admin_obj, type) else admin_obj.__name__
        for model_admin in admin.site._registry.values()
        for admin_obj in (model_admin, *model_admin.inlines)
        if getattr(admin_obj, "autocomplete_fields", ())
        and not (
            isinstance(admin_obj, CheckedAutocompleteMixin)
            or (isinstance(admin_obj, type) and issubclass(admin_obj, CheckedAutocompleteMixin))
        )
    ]
    assert unchecked == []


@pytest.mark.parametrize(("model_label", "field"), AUTOCOMPLETED)
@pytest.mark.parametrize("typed", ["abc", "1e3", "99999999999999999999999", "9" * 5000])
def test_a_typed_value_that_is_no_id_is_a_form_error(
    admin_client: Client, rep, marketer, model_label: str, field: str, typed: str
) -> None:  # type: ignore[no-untyped-def]
    # given one record of every kind, and the form that picks this field by search
    populate(rep=rep, marketer=marketer)
    model = next(m for m in admin.site._registry if m._meta.label_lower == model_label)
    url, record = _form_url(model, admin_client)
    before = model._default_manager.count()

    # when the field is posted with a value that is not an id
    response = admin_client.post(url, {field: typed})

    # then the form comes back with the field's error, and nothing is written
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert model._default_manager.count() == before
    if record is not None:
        saved = model._default_manager.get(pk=record.pk)
        assert getattr(saved, f"{field}_id") == getattr(record, f"{field}_id")
