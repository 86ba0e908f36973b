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
    )

    # then the key and secret are on this answer only: never in a message, never cached
    assert response.status_code == 200
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert messages_of(response) == []
    page = response.content.decode()
    key, secret = re.findall(r"<code>([^<]+)</code>", page)
    source = IntakeSource.objects.get(slug="website")
    assert secret == source.webhook_secret
    assert "messages" not in response.cookies
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
    )

    # then the new secret is shown on this page once, not carried in a message or cookie
    source.refresh_from_db()
    assert source.previous_webhook_secret == "old-secret"
    assert source.webhook_secret not in ("", "old-secret")
    assert response.status_code == 200
    assert f"<code>{source.webhook_secret}</code>" in response.content.decode()
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert messages_of(response) == []
    assert "messages" not in response.cookies
