"""The SLA policy with its holidays, and routing rules with their pools of reps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.core.admin import CheckedAutocompleteMixin, clean_choice_list, clean_country_codes
from apps.leads.models import Lead
from apps.routing.models import Holiday, PoolMember, RoutingRule, SlaPolicy
from apps.users.models import Role
from apps.users.roles import in_any_group

POOL_GROUPS = (Role.SALES, Role.SALES_MANAGER)


class SlaPolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "is_active",
            "first_response_minutes",
            "business_hours_only",
            "time_zone",
            "work_days",
            "day_start",
            "day_end",
            "escalate_after_minutes",
            "reassign_after_minutes",
        )
        help_texts = {"time_zone": "IANA name, e.g. Europe/Berlin or America/New_York."}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("is_active"):
            others = SlaPolicy.objects.filter(is_active=True).exclude(pk=self.instance.pk)
            other = others.order_by("pk").first()
            if other is not None:
                self.add_error(
                    "is_active",
                    f"“{other.name}” is the active SLA policy: deactivate it first "
                    "(only one policy is active at a time).",
                )
        escalate, reassign = (
            cleaned.get("escalate_after_minutes"),
            cleaned.get("reassign_after_minutes"),
        )
        if escalate is not None and reassign is not None and escalate > reassign:
            self.add_error(
                "escalate_after_minutes",
                "Escalate to the manager no later than the lead is reassigned "
                f"({reassign} minutes).",
            )
        start, end = cleaned.get("day_start"), cleaned.get("day_end")
        if start is not None and end is not None and end <= start:
            self.add_error("day_end", "The business day must end after it starts.")
        return cleaned


class HolidayInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Holiday
    extra = 1
    fields = ("date", "name")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SlaPolicyForm
    inlines = (HolidayInline,)
    list_display = (
        "name",
        "is_active",
        "first_response_minutes",
        "escalate_after_minutes",
        "reassign_after_minutes",
        "business_hours_only",
        "time_zone",
    )
    list_filter = ("is_active", "business_hours_only")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "is_active", "first_response_minutes")}),
        (
            "Business hours",
            {
                "fields": (
                    "business_hours_only",
                    "time_zone",
                    "work_days",
                    ("day_start", "day_end"),
                ),
                "description": "With business hours on, only working time counts toward "
                "the SLA; holidays below are days off.",
            },
        ),
        (
            "After a breach",
            {"fields": ("escalate_after_minutes", "reassign_after_minutes")},
        ),
    )


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("date", "name", "policy")
    list_filter = ("policy",)
    list_select_related = ("policy",)
    date_hierarchy = "date"
    search_fields = ("name",)


class PoolMemberForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PoolMember
        fields = ("rule", "rep")

    def clean_rep(self) -> Any:
        rep = self.cleaned_data.get("rep")
        if rep is not None and not in_any_group(rep, POOL_GROUPS):
            raise forms.ValidationError(
                f"{rep} is not in the Sales or Sales manager group, so cannot take leads."
            )
        return rep


class PoolMemberInline(CheckedAutocompleteMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = PoolMember
    form = PoolMemberForm
    extra = 1
    fields = ("rep", "assigned")
    readonly_fields = ("assigned",)
    autocomplete_fields = ("rep",)


class RoutingRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_countries(self) -> str:
        return clean_country_codes(self.cleaned_data.get("countries", ""))

    def clean_industries(self) -> str:
        value: str = self.cleaned_data.get("industries", "")
        return ",".join(i.strip() for i in value.split(",") if i.strip())

    def clean_sources(self) -> str:
        return clean_choice_list(
            self.cleaned_data.get("sources", ""), Lead.Source.choices, "lead source"
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        low, high = cleaned.get("min_employees"), cleaned.get("max_employees")
        if low is not None and high is not None and low > high:
            self.add_error("max_employees", "The maximum must be at least the minimum.")
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = RoutingRuleForm
    inlines = (PoolMemberInline,)
    list_display = (
        "name",
        "order",
        "is_active",
        "countries",
        "industries",
        "employee_range",
        "tier",
        "sources",
        "pool_size",
    )
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "tier")
    search_fields = ("name", "countries", "industries", "sources")
    fieldsets = (
        (None, {"fields": ("name", "order", "is_active")}),
        (
            "Match (empty criteria match any lead)",
            {
                "fields": (
                    "countries",
                    "industries",
                    ("min_employees", "max_employees"),
                    "tier",
                    "sources",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingRule]:
        queryset: QuerySet[RoutingRule] = (
            super().get_queryset(request).annotate(pool_size=Count("members"))
        )
        return queryset

    @admin.display(description="Reps", ordering="pool_size")
    def pool_size(self, obj: RoutingRule) -> int:
        return obj.pool_size  # type: ignore[attr-defined, no-any-return]

    @admin.display(description="Employees")
    def employee_range(self, obj: RoutingRule) -> str:
        if obj.min_employees is None and obj.max_employees is None:
            return "any"
        low = obj.min_employees if obj.min_employees is not None else 0
        high = obj.max_employees if obj.max_employees is not None else "∞"
        return f"{low}–{high}"


@admin.register(PoolMember)
class PoolMemberAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = PoolMemberForm
    list_display = ("rep", "rule", "assigned")
    list_filter = ("rule",)
    list_select_related = ("rep", "rule")
    search_fields = ("rep__username", "rep__first_name", "rep__last_name", "rule__name")
    autocomplete_fields = ("rep",)
    readonly_fields = ("assigned",)
