"""core.paths.pk_path: the same path reverse() gives, under any script prefix."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix

from apps.core.paths import pk_path


@pytest.mark.parametrize("name", ["sales:lead", "accounts:detail", "sales:change-stage"])
@pytest.mark.parametrize("pk", [1, 7, 98765, 2**31 - 1])
def test_a_pk_path_is_what_reverse_gives(name: str, pk: int) -> None:
    assert pk_path(name, pk) == reverse(name, args=[pk])


def test_a_script_prefix_is_kept_and_changing_it_is_seen() -> None:
    try:
        set_script_prefix("/crm/")
        assert (
            pk_path("sales:lead", 42) == "/crm/sales/leads/42/" == reverse("sales:lead", args=[42])
        )
        set_script_prefix("/")
        assert pk_path("sales:lead", 42) == "/sales/leads/42/"
    finally:
        set_script_prefix("/")
