"""The admin of plays: only one active default."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_second_active_default_play_is_refused(revops_client: Client) -> None:
    # given
    factories.PlayFactory(name="Default play", is_default=True)

    # when
    response = revops_client.post(
        url("plays.play", "add"),
        {
            "name": "Another default",
            "priority": "100",
            "is_active": "on",
            "is_default": "on",
            **inline_management("steps"),
        },
    )

    # then
    assert response.status_code == 200
    assert (
        "“Default play” is already the active default play"
        in (response.context["adminform"].form.errors["is_default"][0])
    )
