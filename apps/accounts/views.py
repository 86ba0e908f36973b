"""Accounts every role reads: the searchable list and one account with its people."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts import selectors
from apps.core.pagination import keyset_page
from apps.core.views import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

PAGE_SIZE = 50


@require_GET
@role_required(*Role.values)
def account_list(request: HtmxHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100]
    accounts = selectors.account_list(search=search)
    page = keyset_page(accounts, request, keys=("name", "pk"), page_size=PAGE_SIZE)
    return render(request, "accounts/list.html", {"page": page, "q": search.strip()})


@require_GET
@role_required(*Role.values)
def account_detail(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    page = selectors.account_page(user=request.user, account_id=account_id)
    return render(request, "accounts/detail.html", {"account": page.account, "people": page.people})
