"""Every JSON endpoint refuses non-finite numbers and deep nesting with a 400, never a 500."""

from __future__ import annotations

import pytest

from apps.core.parsers import JsonRefused, loads_strict

pytestmark = pytest.mark.django_db


def test_loads_strict_names_the_field_of_a_non_finite_number() -> None:
    with pytest.raises(JsonRefused) as refused:
        loads_strict('{"a": {"b": [0, NaN]}}')
    assert refused.value.field == "a.b[1]"


def test_loads_strict_names_the_top_level_field_nested_too_deep() -> None:
    with pytest.raises(JsonRefused) as refused:
        loads_strict('{"ok": [[1]], "note": "[[[[", "x": ' + "[" * 40 + "]" * 40 + "}", max_depth=8)
    assert refused.value.field == "x"


def test_loads_strict_reads_brackets_inside_strings_as_text() -> None:
    assert loads_strict('{"a": "[[[[{{{{\\"]]]"}', max_depth=2) == {"a": '[[[[{{{{"]]]'}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"channel": "call", "outcome": "no_answer", "note": NaN}', "note"),
        ('{"channel": "call", "outcome": "no_answer", "x": ' + "[" * 5000 + "]" * 5000 + "}", "x"),
    ],
)
def test_api_endpoints_answer_400_naming_the_field(rep_api, api_world, raw, field):  # type: ignore[no-untyped-def]
    response = rep_api.post(
        f"/api/v1/leads/{api_world.own.pk}/attempts/", data=raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
