"""A user's own settings that are records: saved views of list pages, and a rep's working
hours (the booking page offers slots inside them)."""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.errors import Conflict, InvalidTransition
from apps.users.models import SavedView, User, validate_time_zone

MAX_VIEWS_PER_PAGE = 30


@transaction.atomic
def save_view(*, user: User, page: str, name: str, query: str) -> SavedView:
    """Save (or overwrite, under the same name) this user's filters on `page`."""
    name = " ".join(name.split())
    if not name:
        raise InvalidTransition("Name the view.", field="name")
    if page not in SavedView.Page.values:
        raise InvalidTransition("Views are saved only on the lead list.", field="page")
    existing = SavedView.objects.select_for_update().filter(user=user, page=page, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query", "updated_at"])
        return existing
    if SavedView.objects.filter(user=user, page=page).count() >= MAX_VIEWS_PER_PAGE:
        raise InvalidTransition(
            f"You have {MAX_VIEWS_PER_PAGE} saved views here: delete one first.", field="name"
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=user, page=page, name=name, query=query)
    except IntegrityError as error:  # the same name saved a moment ago in another tab
        raise Conflict("A view with this name was just saved.", field="name") from error


@transaction.atomic
def delete_view(*, user: User, view_id: int) -> bool:
    """Delete one of this user's saved views; False when there is none (another user's view is
    never touched)."""
    deleted, _ = SavedView.objects.filter(user=user, pk=view_id).delete()
    return deleted > 0


@transaction.atomic
def set_working_hours(
    *, user: User, time_zone: str, work_start: time, work_end: time, work_days: list[int]
) -> User:
    """A rep's working week in their own zone: the hours buyers can book them in."""
    try:
        validate_time_zone(time_zone)
    except ValidationError as error:
        raise InvalidTransition("Choose a time zone from the list.", field="time_zone") from error
    if work_end <= work_start:
        raise InvalidTransition("The working day must end after it starts.", field="work_end")
    days = sorted({day for day in work_days if 0 <= day <= 6})
    if not days:
        raise InvalidTransition("Tick at least one working day.", field="work_days")
    user.time_zone = time_zone
    user.work_start, user.work_end = work_start, work_end
    user.work_days = ",".join(str(day) for day in days)
    user.save(update_fields=["time_zone", "work_start", "work_end", "work_days"])
    return user
