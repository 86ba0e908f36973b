"""Intake sources' secrets: an API key is shown once and stored as its SHA-256 with a unique
prefix to find it by; webhook signing secrets rotate with the previous one still accepted."""

from __future__ import annotations

import hashlib
import secrets

from apps.intake.models import IntakeSource

API_KEY_PREFIX_LENGTH = 8


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A fresh API key with its unique prefix and hash: (key, prefix, sha256 hex)."""
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:API_KEY_PREFIX_LENGTH]
        if not IntakeSource.objects.filter(key_prefix=prefix).exists():
            return key, prefix, hash_api_key(key)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)
