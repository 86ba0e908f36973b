"""The one way an HTML view calls a service: a refusal (DomainError) is shown where the user
looks for it (on the field it names, else above the form, or as a message when there is no
form), and the answer's HTTP status comes from the error. Views contain no try/except."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from apps.core.errors import DomainError

T = TypeVar("T")

INVALID_STATUS = 422  # a form that failed its own validation


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call came to: done (with the service's result) or refused."""

    done: bool
    result: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.done

    @property
    def status(self) -> int:
        """The status to answer a refusal with (the error's, e.g. 403, 409, 422)."""
        return self.error.status_code if self.error else INVALID_STATUS


def add_refusal(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form; keep its status."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
    form.refused_status = error.status_code  # type: ignore[attr-defined]


def refused_status(form: forms.Form) -> int:
    """The status a refused or invalid form is answered with."""
    return int(getattr(form, "refused_status", INVALID_STATUS))


def call_service(form: forms.Form, service: Callable[..., T], /, **kwargs: Any) -> Outcome[T]:
    """Run one service call for a bound form; a refusal lands on the form (see add_refusal)."""
    try:
        result = service(**kwargs)
    except DomainError as error:
        add_refusal(form, error)
        return Outcome(done=False, error=error)
    return Outcome(done=True, result=result)


def call_service_or_message(
    request: HttpRequest, service: Callable[..., T], /, **kwargs: Any
) -> Outcome[T]:
    """Run one service call for a button without a form; a refusal becomes an error message."""
    try:
        result = service(**kwargs)
    except DomainError as error:
        messages.error(request, error.message)
        return Outcome(done=False, error=error)
    return Outcome(done=True, result=result)
