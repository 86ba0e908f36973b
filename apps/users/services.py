"""A user's own settings that are records: saved views of list pages."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.core.errors import Conflict, InvalidTransition
from apps.users.models import SavedView, User

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
