"""Template context every page's navigation reads: the links the user's roles open."""

from typing import Any

from django.http import HttpRequest

from apps.users.models import Role
from apps.users.roles import roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation links the user's roles open (URL names; each workspace owns its pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    links: list[tuple[str, str]] = []
    if roles & {Role.SALES, Role.SALES_MANAGER}:
        links.append(("sales:today", "Today"))
        links.append(("sales:queue", "My queue"))
        links.append(("sales:pipeline", "Pipeline"))
    if roles & {Role.SALES_MANAGER, Role.REVOPS}:
        links.append(("sales:team", "Team"))
    if roles & {Role.MARKETING, Role.REVOPS}:
        links.append(("marketing:home", "Marketing"))
    if roles & {Role.MARKETING, Role.SALES_MANAGER, Role.REVOPS, Role.SALES}:
        links.append(("plays:list", "Plays"))
    if roles & {Role.SERVICE, Role.REVOPS, Role.SALES, Role.SALES_MANAGER}:
        links.append(("service:home", "Service"))
    if Role.MARKETING in roles:
        links.append(("service:voice", "Voice of customer"))
        links.append(("service:churn", "Churn reasons"))
    if roles & {Role.MARKETING, Role.SALES_MANAGER, Role.REVOPS}:
        links.append(("imports:list", "Imports"))
    links.append(("accounts:list", "Accounts"))
    links.append(("goals:home", "Goals"))
    links.append(("agreement:home", "Agreement"))
    return {
        "nav_links": links,
        "user_roles": sorted(roles),
        "is_revops": Role.REVOPS in roles,
        "user_time_zone": user.time_zone,
    }
