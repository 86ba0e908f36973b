"""The admin of intake sources: the key shown once, the webhook secret rotated."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from apps.intake.models import IntakeSource
from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_intake_source_add_shows_the_key_once_and_stores_its_hash(revops_client: Client) -> None:
    # when
    response = revops_client.post(
        url("intake.intakesource", "add"),
        {"name": "Website", "slug": "website", "default_source": "api", "is_active": "on"},
        follow=True,
    )

    # then
    shown = [m for m in messages_of(response) if "API key for Website" in m]
    assert len(shown) == 1
    key = re.search(r"API key for Website: <code>([^<]+)</code>", shown[0]).group(1)  # type: ignore[union-attr]
    source = IntakeSource.objects.get(slug="website")
    assert source.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert source.key_prefix == key[:8]
    assert len(key) >= 40
    assert key not in {source.key_hash, source.key_prefix, source.webhook_secret}
    assert source.webhook_secret
    later = revops_client.get(url("intake.intakesource", "change", source.pk))
    assert key not in later.content.decode()
    assert source.key_hash in later.content.decode()


def test_rotate_webhook_secret_keeps_the_previous_one(revops_client: Client) -> None:
    # given
    source = factories.IntakeSourceFactory(webhook_secret="old-secret")

    # when
    response = revops_client.post(
        url("intake.intakesource", "changelist"),
        {"action": "rotate_webhook_secret", "_selected_action": [source.pk]},
        follow=True,
    )

    # then
    source.refresh_from_db()
    assert source.previous_webhook_secret == "old-secret"
    assert source.webhook_secret not in ("", "old-secret")
    assert source.webhook_secret in messages_of(response)[0]
