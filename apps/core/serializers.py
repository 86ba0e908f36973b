"""Serializers and schema pieces every API module shares: error bodies and the user summary."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from apps.core.throttling import CountingUserRateThrottle

MAX_ID = 2**63 - 1

# Every authenticated endpoint counts against the per-user quota (settings "user" rate).
USER_THROTTLES = [CountingUserRateThrottle]

_ERROR_DESCRIPTIONS = {
    400: "Invalid input: the body maps each field at fault to its messages.",
    401: "Not signed in: send `Authorization: Token <key>` or a session cookie.",
    403: "Your role or ownership does not allow this.",
    404: "No such record, or your role may not see it (the same answer for both).",
    409: "Someone else changed the record first; reload and retry.",
    413: "The body is too large.",
    415: "The body is not JSON: send Content-Type: application/json.",
    422: "A business rule refused the request; the field at fault is named.",
    429: "Too many requests; retry after the time in the Retry-After header.",
    503: "The database is unavailable; nothing changed. Retry after the Retry-After header.",
}


class BuiltFields:
    """A serializer mixin for flat serializers (scalar, choice, related and dict fields; no
    nested serializer): each instance builds its fields again from their declarations
    (`Field(*args, **kwargs)`, as DRF's Field.__deepcopy__ does) without deep-copying the
    arguments. DRF deep-copies every declared field on every instance, and with them each
    choice list and each related field's queryset: 0.15-0.25 ms of an intake request. The
    arguments are shared, which is safe: fields copy what they keep of their choices and error
    messages, and a related field clones its queryset (`.all()`) whenever it reads it."""

    _declared_fields: dict[str, serializers.Field]  # type: ignore[type-arg]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse, when the class is defined, a field that holds another field or serializer
        (a nested serializer, a list or dict field with a `child`): built again from the same
        arguments, every instance would share that inner object."""
        super().__init_subclass__(**kwargs)
        for name, field in getattr(cls, "_declared_fields", {}).items():
            inner = [*field._args, *field._kwargs.values()]  # type: ignore[attr-defined]
            if isinstance(field, serializers.BaseSerializer) or any(
                isinstance(value, serializers.Field) for value in inner
            ):
                raise TypeError(
                    f"{cls.__name__}.{name} holds a field or serializer: BuiltFields is for flat "
                    "serializers."
                )

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return {
            name: type(field)(*field._args, **field._kwargs)  # type: ignore[attr-defined]
            for name, field in self._declared_fields.items()
        }


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error status codes (401 and 429 are always included).

    Bodies are `{"detail": "..."}` for request-wide errors, or one key per field at fault with a
    list of messages; domain errors add a machine-readable `code`.
    """
    wanted = sorted({*codes, 401, 429, 503})
    return {
        code: OpenApiResponse(
            # A free-form object: field names vary by endpoint (`{"email": ["..."]}`).
            response=OpenApiTypes.OBJECT,
            description=_ERROR_DESCRIPTIONS[code],
            examples=[
                OpenApiExample(
                    f"error {code}",
                    value=_example(code),
                    response_only=True,
                    status_codes=[str(code)],
                )
            ],
        )
        for code in wanted
    }


def _example(code: int) -> dict[str, Any]:
    if code == 400:
        return {"email": ["Enter a valid email address."]}
    if code == 422:
        return {"reason": ["This reason needs at least 3 contact attempts."], "code": "invalid"}
    if code == 409:
        return {"lead": ["Someone else claimed this lead a moment ago."], "code": "conflict"}
    return {"detail": _ERROR_DESCRIPTIONS[code]}


class UserSummary(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        full = f"{user.first_name} {user.last_name}".strip()
        return full or str(user.username)


def path_id(name: str) -> OpenApiParameter:
    """A record id in the URL: a positive bigint (others get the API's JSON 404)."""
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH
    )
