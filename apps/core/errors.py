"""Domain errors raised by services, and the one API handler that maps them to 4xx."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the request. `field` names the input at fault, if any."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        if self.field:
            return {self.field: [self.message], "code": self.code}
        return {"detail": self.message, "code": self.code}


class Conflict(DomainError):
    """Someone else changed the record first (a claim lost, a lead already routed)."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class NotAllowed(DomainError):
    """The user's role or ownership does not allow this action on this record."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class InvalidTransition(DomainError):
    """The record's current state does not allow the action."""

    code = "invalid_state"


class AttemptsRequired(DomainError):
    """A disqualification reason needs more contact attempts first."""

    code = "attempts_required"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)
