"""Per-source API keys for intake: `X-Api-Key: <key>`; only the key's SHA-256 is stored."""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.core.memo import Memo
from apps.intake.keys import API_KEY_PREFIX_LENGTH, hash_api_key
from apps.intake.models import IntakeSource


def _load_active_sources() -> dict[str, IntakeSource]:
    return {
        source.key_prefix: source
        for source in IntakeSource.objects.filter(is_active=True).select_related("default_campaign")
    }


# every intake request checks its key: the active sources by key prefix, read once per process
# while none is added, changed, deactivated or deleted
_active_sources = Memo("intake:sources", _load_active_sources, models=(IntakeSource,))


class IntakeKeyAuthentication(authentication.BaseAuthentication):
    header = "HTTP_X_API_KEY"

    def authenticate(self, request: Request) -> tuple[Any, IntakeSource] | None:
        key = request.META.get(self.header, "").strip()
        if not key:
            return None
        source = _active_sources.get().get(key[:API_KEY_PREFIX_LENGTH])
        if source is None or not hmac.compare_digest(source.key_hash, hash_api_key(key)):
            raise exceptions.AuthenticationFailed("Unknown or inactive API key.")
        return AnonymousUser(), source

    def authenticate_header(self, request: Request) -> str:
        return "X-Api-Key"


class IntakeKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """Describes the per-source API key in the OpenAPI schema."""

    target_class = "apps.intake.authentication.IntakeKeyAuthentication"
    name = "IntakeApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
