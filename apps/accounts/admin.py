"""Accounts: tier, owner and lifecycle are edited here; scores are computed, so read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import Account
from apps.accounts.services import is_personal_domain
from apps.core.admin import CheckedAutocompleteMixin, NoDeleteMixin, clean_country_code

COMPUTED_FIELDS = (
    "engagement_score",
    "buying_roles_engaged",
    "is_conversation_ready",
    "ready_since",
    "became_customer_at",
    "archived_at",
    "created_at",
    "updated_at",
)


class AccountForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_domain(self) -> str:
        domain: str = self.cleaned_data.get("domain", "").strip().lower().strip(".")
        if not domain or "." not in domain or "@" in domain:
            raise forms.ValidationError("Enter the company's email domain, e.g. acme.com.")
        if is_personal_domain(domain):
            raise forms.ValidationError(
                f"{domain} is a free-mail or disposable domain, not a company's."
            )
        if Account.objects.filter(domain=domain).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"Another account already has the domain {domain}.")
        return domain

    def clean_country(self) -> str:
        return clean_country_code(self.cleaned_data.get("country", ""))


@admin.register(Account)
class AccountAdmin(CheckedAutocompleteMixin, NoDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Accounts hold leads, deals and renewals: they are archived, never deleted."""

    form = AccountForm
    list_display = (
        "name",
        "domain",
        "tier",
        "owner",
        "lifecycle",
        "health",
        "engagement_score",
        "is_conversation_ready",
        "is_archived",
    )
    list_filter = (
        "tier",
        "lifecycle",
        "health",
        "is_conversation_ready",
        "is_archived",
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("owner",)
    search_fields = ("name", "domain", "industry")
    autocomplete_fields = ("owner",)
    readonly_fields = COMPUTED_FIELDS
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("name", "domain", "industry", "employees", "country")}),
        ("Ownership", {"fields": ("tier", "owner", "lifecycle", "health")}),
        ("Archive", {"fields": ("is_archived",)}),
        ("Engagement (computed)", {"fields": COMPUTED_FIELDS}),
    )

    def save_model(
        self,
        request: HttpRequest,
        obj: Account,
        form: forms.ModelForm,  # type: ignore[type-arg]
        change: bool,
    ) -> None:
        if obj.is_archived and obj.archived_at is None:
            obj.archived_at = timezone.now()
        elif not obj.is_archived:
            obj.archived_at = None
        super().save_model(request, obj, form, change)
