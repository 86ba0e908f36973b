"""Accounts every role reads: the filtered list, one account with its buying group, and the
in-place tier change Marketing and RevOps make."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.abm import forms, selectors
from apps.accounts import services
from apps.core.pagination import keyset_page
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def account_list(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.AccountFilterForm(request.GET)
    filters = form.filters()
    accounts = selectors.account_list(
        search=filters.search, tier=filters.tier, lifecycle=filters.lifecycle, ready=filters.ready
    )
    page = keyset_page(
        accounts,
        request,
        keys=("name", "pk"),
        page_size=PAGE_SIZE,
    )
    context = {
        "page": page,
        "form": form,
        "q": filters.search,
        "filtered": filters.active,
    }
    template = "accounts/list.html#account-results" if request.htmx else "accounts/list.html"
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def account_detail(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    page = selectors.account_page(user=request.user, account_id=account_id)
    people = keyset_page(
        selectors.account_people(user=request.user, account=page.account, readable=page.readable),
        request,
        keys=selectors.PEOPLE_KEYS,
        page_size=selectors.PEOPLE_PAGE_SIZE,
        param="people_after",
    )
    context = {
        "page": page,
        "account": page.account,
        "people": people,
        "tier_form": forms.AccountTierForm(initial={"tier": page.account.tier}),
    }
    return render(request, "accounts/detail.html", context)


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)
def account_people(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    """More rows of the people table ("Show more" with htmx), or the whole list as a page."""
    account = selectors.account_for(account_id=account_id)
    people = keyset_page(
        selectors.account_people(user=request.user, account=account),
        request,
        keys=selectors.PEOPLE_KEYS,
        page_size=selectors.PEOPLE_PAGE_SIZE,
        param="people_after",
    )
    template = "accounts/people.html#people-rows" if request.htmx else "accounts/people.html"
    return render(request, template, {"account": account, "people": people})


@require_POST
@role_required(*services.TIER_EDITORS)
def account_tier(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    """Set the tier in place (htmx swaps the tier region) or post/redirect/get without JS."""
    account = selectors.account_for(account_id=account_id)
    form = forms.AccountTierForm(request.POST)
    if form.is_valid():
        account = services.set_account_tier(
            account_id=account.pk, actor=request.user, tier=form.cleaned_data["tier"]
        )
    if request.htmx:
        context = {"account": account, "tier_form": form, "can_edit_tier": True}
        status = 200 if form.is_valid() else 422
        return render(request, "accounts/detail.html#account-tier", context, status=status)
    if form.is_valid():
        messages.success(request, f"{account.name} is now {account.get_tier_display().lower()}.")
    else:
        messages.error(request, "Choose a tier: target account or standard.")
    return redirect("accounts:detail", account_id=account.pk)
