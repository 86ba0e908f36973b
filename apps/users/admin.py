"""Users and their rep settings (capacity, weight, availability, working hours)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.queue import enqueue_on_commit
from apps.users.models import User

RELEASE_HELD_TASK = "routing.release_held"

REP_SETTINGS = (
    "capacity",
    "routing_weight",
    "is_available",
    "time_zone",
    ("work_start", "work_end"),
    "work_days",
)
# Only a superuser may hand out superuser status or single permissions: RevOps edits reps'
# settings and groups, it must not be able to raise its own privileges.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


def _check_work_hours(form: forms.ModelForm) -> None:  # type: ignore[type-arg]
    start, end = form.cleaned_data.get("work_start"), form.cleaned_data.get("work_end")
    if start is not None and end is not None and end <= start:
        form.add_error("work_end", "The working day must end after it starts.")


class RepChangeForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        _check_work_hours(self)
        return cleaned


class RepCreationForm(AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta(AdminUserCreationForm.Meta):
        model = User

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        _check_work_hours(self)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    form = RepChangeForm
    add_form = RepCreationForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Rep settings",
            {
                "fields": REP_SETTINGS,
                "description": "Routing skips a rep who is unavailable or holds `capacity` "
                "open leads; the weight sets their share of round-robin.",
            },
        ),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        ("Roles", {"fields": ("first_name", "last_name", "email", "is_staff", "groups")}),
        ("Rep settings", {"fields": REP_SETTINGS}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "group_names",
        "is_available",
        "capacity",
        "routing_weight",
        "working_hours",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "groups",
        "is_available",
        "time_zone",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    search_fields = ("username", "first_name", "last_name", "email")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if {"capacity", "is_available"} & set(form.changed_data):
            # more room for routing's held queue (a layer above: asked for by task name)
            enqueue_on_commit(RELEASE_HELD_TASK)

    @admin.display(description="Roles")
    def group_names(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all())) or "—"

    @admin.display(description="Working hours")
    def working_hours(self, obj: User) -> str:
        return f"{obj.work_start:%H:%M}–{obj.work_end:%H:%M} {obj.time_zone} (days {obj.work_days})"

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += SUPERUSER_ONLY_FIELDS
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # A superuser's account (password, groups) is changed only by a superuser.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)
