"""The RevOps group's admin permissions, granted after every migrate.

RevOps configures the system in /admin/ (SPEC "admin configuration: RevOps only"): it may
add, change and view every record of Revenue Desk's apps, view users' groups, and delete
only pure configuration rows whose loss destroys no history. Records that carry history
(leads, events, disqualifications, reasons, agreements, goals) are deactivated or
archived instead, so RevOps gets no delete permission on them.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS

from apps.users.models import Role

REVOPS_APP_LABELS = frozenset(
    {
        "core",
        "users",
        "accounts",
        "campaigns",
        "scoring",
        "routing",
        "plays",
        "leads",
        "feedback",
        "opportunities",
        "service",
        "goals",
        "notifications",
        "intake",
    }
)
REVOPS_ACTIONS = ("add", "change", "view")
# Pure configuration: deleting one of these loses no history (model names, lower-case).
REVOPS_DELETABLE_MODELS = frozenset(
    {
        ("scoring", "scoringrule"),
        ("scoring", "buyingrolerule"),
        ("routing", "holiday"),
        ("plays", "playstep"),
        ("routing", "poolmember"),
        ("notifications", "teamchannel"),
    }
)
# Outside our apps RevOps only looks: who is in which group.
REVOPS_VIEW_ONLY_MODELS = frozenset({("auth", "group")})


def revops_codenames(app_label: str, model_names: list[str]) -> set[str]:
    """The permission codenames RevOps should hold for these models of one app."""
    codenames: set[str] = set()
    for model_name in model_names:
        key = (app_label, model_name)
        if app_label in REVOPS_APP_LABELS:
            codenames.update(f"{action}_{model_name}" for action in REVOPS_ACTIONS)
            if key in REVOPS_DELETABLE_MODELS:
                codenames.add(f"delete_{model_name}")
        elif key in REVOPS_VIEW_ONLY_MODELS:
            codenames.add(f"view_{model_name}")
    return codenames


def grant_revops_permissions(
    *, app_label: str, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Give the RevOps group its permissions on one app's models. Safe to call twice.

    Returns how many permissions were newly granted. Permissions must exist already
    (django.contrib.auth's post_migrate receiver creates them just before ours runs).
    """
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
        app_models = global_apps.get_app_config(app_label).get_models()
    except LookupError:
        return 0  # auth or the app is not installed
    model_names = [m._meta.model_name for m in app_models if m._meta.model_name]
    codenames = revops_codenames(app_label, model_names)
    if not codenames:
        return 0
    group = group_model.objects.using(using).filter(name=Role.REVOPS.value).first()
    if group is None:
        return 0  # users.0002_roles creates it; a flushed test database has no groups at all
    wanted = set(
        permission_model.objects.using(using)
        .filter(content_type__app_label=app_label, codename__in=codenames)
        .values_list("pk", flat=True)
    )
    held = set(group.permissions.values_list("pk", flat=True))
    missing = wanted - held
    if missing:
        group.permissions.add(*missing)
    return len(missing)


def grant_revops_permissions_after_migrate(
    sender: AppConfig, *, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    """post_migrate receiver: runs once per app, right after that app's permissions exist.

    It also makes sure the role groups exist: users.0002_roles creates them, but a flushed
    database (transactional tests) has none until post_migrate runs again.
    """
    try:
        group_model = apps.get_model("auth", "Group")
    except LookupError:
        return
    for role in Role:
        group_model.objects.using(using).get_or_create(name=role.value)
    grant_revops_permissions(app_label=sender.label, apps=apps, using=using)
