"""Quarters, the joint goal sheet, and the daily goal snapshots (read-only)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.core.admin import CheckedAutocompleteMixin, ReadOnlyMixin, clean_country_code
from apps.core.models import Quarter
from apps.goals.models import (
    LOWER_IS_BETTER,
    TEAM_ONLY_METRICS,
    GoalSnapshot,
    JointGoal,
    ScoreboardTarget,
)
from apps.users.models import Role, User

# What makes two goals of one quarter the same line of the scoreboard.
GOAL_TWIN_FIELDS = (
    "metric",
    "segment_campaign_id",
    "segment_source",
    "segment_country",
    "segment_tier",
)
GOAL_COPIED_FIELDS = (
    "metric",
    "name",
    "target",
    "lower_is_better",
    "team_marketing",
    "team_sales",
    "team_service",
    "segment_campaign_id",
    "segment_source",
    "segment_country",
    "segment_tier",
)


def next_quarter(quarter: Quarter) -> Quarter | None:
    """The quarter that starts right after this one ends."""
    return Quarter.objects.filter(starts_on__gt=quarter.ends_on).order_by("starts_on").first()


def previous_quarter(quarter: Quarter) -> Quarter | None:
    """The quarter that ends right before this one starts."""
    return Quarter.objects.filter(ends_on__lt=quarter.starts_on).order_by("-ends_on").first()


def _twin_key(goal: JointGoal) -> tuple[Any, ...]:
    return tuple(getattr(goal, f) for f in GOAL_TWIN_FIELDS)


def copy_goals(*, goals: Iterable[JointGoal], to_quarter: Quarter) -> tuple[int, int]:
    """Copy goals into `to_quarter`, skipping any whose twin is there. Returns (copied, skipped).

    Safe to call twice: the second call finds every twin and copies nothing. Caller must
    hold a transaction; the target quarter's row is locked so two admins copying into it at
    once queue instead of both copying.
    """
    list(Quarter.objects.select_for_update().filter(pk=to_quarter.pk))  # take the lock
    existing = {_twin_key(g) for g in JointGoal.objects.filter(quarter=to_quarter)}
    copies: list[JointGoal] = []
    skipped = 0
    for goal in goals:
        key = _twin_key(goal)
        if key in existing:
            skipped += 1
            continue
        existing.add(key)
        copies.append(
            JointGoal(quarter=to_quarter, **{f: getattr(goal, f) for f in GOAL_COPIED_FIELDS})
        )
    JointGoal.objects.bulk_create(copies)
    return len(copies), skipped


class QuarterForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Quarter
        fields = ("name", "starts_on", "ends_on")
        help_texts = {"name": "Like 2026-Q4. Dates are inclusive; quarters may not overlap."}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on is None or ends_on is None:
            return cleaned
        if ends_on <= starts_on:
            self.add_error("ends_on", "The quarter must end after it starts.")
            return cleaned
        overlapping = (
            Quarter.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
            .exclude(pk=self.instance.pk)
            .order_by("starts_on")
        )
        for other in overlapping:
            self.add_error(
                None,
                f"These dates overlap quarter {other.name} "
                f"({other.starts_on:%Y-%m-%d} to {other.ends_on:%Y-%m-%d}).",
            )
        return cleaned


@admin.register(Quarter)
class QuarterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = QuarterForm
    list_display = ("name", "starts_on", "ends_on", "goal_count")
    search_fields = ("name",)
    date_hierarchy = "starts_on"
    actions = ("copy_last_quarters_goals",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quarter]:
        queryset: QuerySet[Quarter] = (
            super().get_queryset(request).annotate(goal_count=Count("goals"))
        )
        return queryset

    @admin.display(description="Goals", ordering="goal_count")
    def goal_count(self, obj: Quarter) -> int:
        return obj.goal_count  # type: ignore[attr-defined, no-any-return]

    @admin.action(
        description="Copy last quarter's goals into this quarter", permissions=["add_goals"]
    )
    def copy_last_quarters_goals(self, request: HttpRequest, queryset: QuerySet[Quarter]) -> None:
        for quarter in queryset.order_by("starts_on"):
            source = previous_quarter(quarter)
            if source is None:
                self.message_user(
                    request, f"{quarter.name}: no earlier quarter to copy from.", messages.WARNING
                )
                continue
            with transaction.atomic():
                copied, skipped = copy_goals(goals=source.goals.all(), to_quarter=quarter)
            self.message_user(
                request,
                f"{quarter.name}: copied {copied} goal(s) from {source.name}; "
                f"skipped {skipped} already there.",
                messages.SUCCESS,
            )

    def has_add_goals_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("goals.add_jointgoal")


class DirectionPresetForm(forms.ModelForm):  # type: ignore[type-arg]
    """A target form whose "lower is better" follows the metric unless RevOps says otherwise.

    Without JavaScript the box cannot follow the metric picker, so the metric decides on
    save whenever the box was left as it was shown (on add, or when the metric changes); a box
    RevOps ticked or cleared on purpose is kept. `?metric=...` on the add page presets the box
    too, as the admin fills any field from the query string."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The box as it was shown comes back with the POST, so a box left alone is told from
        # one RevOps cleared on purpose even on the add page (which posts no initial values).
        self.fields["lower_is_better"].show_hidden_initial = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        metric = cleaned.get("metric")
        box_untouched = "lower_is_better" not in self.changed_data
        metric_is_new = self.instance.pk is None or "metric" in self.changed_data
        if metric and box_untouched and metric_is_new:
            cleaned["lower_is_better"] = metric in LOWER_IS_BETTER
        return cleaned


def direction_initial(request: HttpRequest) -> dict[str, Any]:
    """The add page's preset: "lower is better" from a metric passed in the query string."""
    metric = request.GET.get("metric")
    return {"lower_is_better": metric in LOWER_IS_BETTER} if metric else {}


DIRECTION_HELP = (
    "Preset from the metric when left as shown: on for cost, speed to lead, sales cycle, "
    "disqualification rate, junk share, leads held too long and minutes from form to meeting."
)


class JointGoalForm(DirectionPresetForm):
    class Meta:
        model = JointGoal
        fields = (
            "quarter",
            "metric",
            "name",
            "target",
            "lower_is_better",
            "team_marketing",
            "team_sales",
            "team_service",
            "segment_campaign",
            "segment_source",
            "segment_country",
            "segment_tier",
        )
        help_texts = {"lower_is_better": DIRECTION_HELP}

    def clean_target(self) -> Any:
        target = self.cleaned_data.get("target")
        if target is not None and target <= 0:
            raise forms.ValidationError("The target must be greater than zero.")
        return target

    def clean_segment_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("segment_country", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not any(cleaned.get(f) for f in ("team_marketing", "team_sales", "team_service")):
            # On the first team field, which shares its row with the others.
            self.add_error(
                "team_marketing", "Pick at least one owning team: Marketing, Sales or Service."
            )
        return cleaned


@admin.register(JointGoal)
class JointGoalAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = JointGoalForm
    list_display = (
        "__str__",
        "quarter",
        "metric",
        "target",
        "lower_is_better",
        "owning_teams",
        "segment",
    )
    list_filter = ("quarter", "metric", "team_marketing", "team_sales", "team_service")
    list_select_related = ("quarter", "segment_campaign")
    search_fields = ("name", "metric", "quarter__name")
    autocomplete_fields = ("segment_campaign",)
    fieldsets = (
        (None, {"fields": ("quarter", "metric", "name", ("target", "lower_is_better"))}),
        (
            "Owning teams",
            {
                "fields": (("team_marketing", "team_sales", "team_service"),),
                "description": "At least one team owns every goal.",
            },
        ),
        (
            "Segment (optional)",
            {
                "fields": (
                    "segment_campaign",
                    "segment_source",
                    "segment_country",
                    "segment_tier",
                ),
            },
        ),
    )
    actions = ("copy_to_next_quarter",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return super().get_changeform_initial_data(request) | direction_initial(request)

    @admin.display(description="Teams")
    def owning_teams(self, obj: JointGoal) -> str:
        return ", ".join(obj.teams)

    @admin.display(description="Segment")
    def segment(self, obj: JointGoal) -> str:
        parts = [
            str(obj.segment_campaign) if obj.segment_campaign_id else "",
            obj.segment_source,
            obj.segment_country,
            obj.get_segment_tier_display() if obj.segment_tier else "",
        ]
        return " / ".join(p for p in parts if p) or "all"

    @admin.action(description="Copy these goals to the next quarter", permissions=["add"])
    def copy_to_next_quarter(self, request: HttpRequest, queryset: QuerySet[JointGoal]) -> None:
        by_quarter: dict[Quarter, list[JointGoal]] = {}
        for goal in queryset.select_related("quarter").order_by("quarter__starts_on", "pk"):
            by_quarter.setdefault(goal.quarter, []).append(goal)
        for quarter, goals in by_quarter.items():
            target = next_quarter(quarter)
            if target is None:
                self.message_user(
                    request,
                    f"No quarter starts after {quarter.name}: add it first, then copy.",
                    messages.WARNING,
                )
                continue
            with transaction.atomic():
                copied, skipped = copy_goals(goals=goals, to_quarter=target)
            self.message_user(
                request,
                f"Copied {copied} goal(s) from {quarter.name} to {target.name}; "
                f"skipped {skipped} already there.",
                messages.SUCCESS,
            )


@admin.register(GoalSnapshot)
class GoalSnapshotAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("goal", "on", "actual", "taken_at")
    list_filter = ("goal__quarter", "goal__metric")
    list_select_related = ("goal", "goal__quarter")
    date_hierarchy = "on"
    search_fields = ("goal__name", "goal__metric")


class ScoreboardTargetForm(DirectionPresetForm):
    class Meta:
        model = ScoreboardTarget
        fields = ("quarter", "metric", "rep", "target", "lower_is_better")
        help_texts = {"lower_is_better": DIRECTION_HELP}

    def clean_target(self) -> Any:
        target = self.cleaned_data.get("target")
        if target is not None and target < 0:
            raise forms.ValidationError("The target cannot be negative.")
        return target

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("rep") is not None and cleaned.get("metric") in TEAM_ONLY_METRICS:
            self.add_error(
                "rep",
                "This figure is marketing's and exists for the team only: leave the rep empty.",
            )
        return cleaned


@admin.register(ScoreboardTarget)
class ScoreboardTargetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The targets beside the SLA scoreboard's figures: the team's (no rep) or one rep's.
    RevOps sets them (the admin site and the goals app's permissions are RevOps's)."""

    form = ScoreboardTargetForm
    list_display = ("quarter", "metric", "whose", "target", "lower_is_better")
    list_filter = ("quarter", "metric")
    list_select_related = ("quarter", "rep")
    search_fields = ("metric", "quarter__name", "rep__username", "rep__last_name")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return super().get_changeform_initial_data(request) | direction_initial(request)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:  # type: ignore[type-arg]
        if db_field.name == "rep":  # a target is a sales rep's (or the team's)
            kwargs["queryset"] = User.objects.filter(groups__name=Role.SALES).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="For", ordering="rep__username")
    def whose(self, obj: ScoreboardTarget) -> str:
        return "Team" if obj.rep is None else obj.rep.display_name
