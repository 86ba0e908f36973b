"""Role helpers: the SPEC's groups, read once per request and cached on the user object."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from apps.users.models import Role, User

_CACHE_ATTR = "_revenue_roles"


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The role names the user holds; RevOps is implied for superusers."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {Role.REVOPS}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def in_any_group(user: User, groups: Iterable[str]) -> bool:
    """Membership read from the database (no superuser shortcut): who may be picked as a signer
    or pool member in the admin."""
    return user.groups.filter(name__in=list(groups)).exists()


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: 403 unless the signed-in user holds one of `roles`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def landing_url_name(roles: Iterable[str]) -> str:
    """Where a user lands after sign-in: the workspace of their main role."""
    roles = set(roles)
    if roles & {Role.SALES, Role.SALES_MANAGER}:
        return "sales:queue"
    if Role.MARKETING in roles:
        return "marketing:home"
    if Role.SERVICE in roles:
        return "service:home"
    return "goals:home"
