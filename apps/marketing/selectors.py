"""Reads the marketing screens compose: the disqualification reason analytics with last
quarter's figures beside them, the records behind each number, and the marketer's lead list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

from apps.core.models import Quarter
from apps.core.pagination import KeysetPage, keyset_page
from apps.feedback.models import Disqualification
from apps.goals import metrics
from apps.goals.metrics.funnel import BREAKDOWNS
from apps.leads.models import Lead
from apps.marketing.filters import MarketingLeadFilter
from apps.routing import held
from apps.routing.held import HeldPosition
from apps.users.models import SavedView, User

RECORDS_LIMIT = 200
BREAKDOWN_LABELS = {
    "reason": "Reason",
    "campaign": "Campaign",
    "asset": "First-touch asset",
    "source": "Source",
    "rep": "Rep",
}


@dataclass(frozen=True)
class TrendRow:
    """One group of a breakdown with the previous quarter's figures beside it."""

    key: Any
    key_param: str
    label: str
    count: int
    share: Decimal | None
    rate: Decimal | None
    previous_count: int | None
    previous_rate: Decimal | None
    trend: str  # "up", "down", "flat" or "new"


def _trend(now: Decimal | int | None, before: Decimal | int | None) -> str:
    if before is None or now is None:
        return "new"
    if now > before:
        return "up"
    if now < before:
        return "down"
    return "flat"


def key_param(key: Any) -> str:
    return "none" if key is None else str(key)


def breakdown_with_trend(*, quarter: Quarter, previous: Quarter | None, by: str) -> list[TrendRow]:
    """disqualification_breakdown for the quarter and the previous one, matched by group key;
    the trend compares rates (counts when a rate is missing). Groups seen only last quarter are
    listed after, with a count of 0. About six queries."""
    now_rows = metrics.disqualification_breakdown(quarter, by=by)  # type: ignore[arg-type]
    before_rows = (
        metrics.disqualification_breakdown(previous, by=by)  # type: ignore[arg-type]
        if previous
        else []
    )
    before = {row.key: row for row in before_rows}
    rows: list[TrendRow] = []
    for row in now_rows:
        old = before.get(row.key)
        if old is None:
            trend = "new" if previous else "flat"
        elif row.rate is not None and old.rate is not None:
            trend = _trend(row.rate, old.rate)
        else:
            trend = _trend(row.count, old.count)
        rows.append(
            TrendRow(
                key=row.key,
                key_param=key_param(row.key),
                label=row.label,
                count=row.count,
                share=row.share,
                rate=row.rate,
                previous_count=old.count if old else (0 if previous else None),
                previous_rate=old.rate if old else None,
                trend=trend,
            )
        )
    seen = {row.key for row in now_rows}
    for old in before_rows:
        if old.key not in seen:
            rows.append(
                TrendRow(
                    key=old.key,
                    key_param=key_param(old.key),
                    label=old.label,
                    count=0,
                    share=None,
                    rate=None,
                    previous_count=old.count,
                    previous_rate=old.rate,
                    trend="down",
                )
            )
    return rows


def breakdown_records(
    *, quarter: Quarter, by: str, key: Any, limit: int = RECORDS_LIMIT
) -> tuple[list[Disqualification], int]:
    """The disqualifications behind one breakdown number (newest first, bounded) and how many
    there are in all."""
    records = metrics.disqualification_records(quarter, by, key)
    total = records.count()
    rows = list(
        records.select_related(
            "lead", "lead__facts__source_campaign", "lead__account", "reason", "rep"
        ).order_by("-at", "-pk")[:limit]
    )
    return rows, total


def is_breakdown(by: str) -> bool:
    return by in BREAKDOWNS


# --- The marketer's lead list (/marketing/leads/) ---------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    lead: Lead
    held: HeldPosition | None  # a held lead's place in its pool's queue


@dataclass(frozen=True)
class LeadList:
    """One keyset page of the filtered leads, newest first, and how many match in all."""

    filter: MarketingLeadFilter
    page: KeysetPage
    rows: list[LeadRow]
    matching: int
    query: str  # the filters as a query string (no cursor): saved views and the export use it
    saved_views: list[SavedView]


LEAD_PAGE_SIZE = 50
LIST_FILTERS = tuple(MarketingLeadFilter.base_filters)  # the filters a saved view keeps


def filter_query(params: QueryDict) -> str:
    """The filter parameters among `params` (only those, blanks dropped) as a query string."""
    return urlencode(
        [(name, value) for name in LIST_FILTERS for value in params.getlist(name) if value]
    )


def _filtered(user: User, params: QueryDict) -> tuple[MarketingLeadFilter, QuerySet[Lead]]:
    base = Lead.objects.visible_to(user)
    lead_filter = MarketingLeadFilter(params, queryset=base)
    return lead_filter, lead_filter.qs if lead_filter.is_valid() else base.none()


def marketing_leads(user: User, params: QueryDict) -> QuerySet[Lead]:
    """Exactly the leads the list shows for these filters (all pages), of those the user may
    read; none when a filter is invalid (the form says which)."""
    return _filtered(user, params)[1]


def matching_lead_ids(user: User, query: str, *, limit: int) -> list[int]:
    """The ids of the leads matching the filters in `query` (a bulk action's "every matching
    lead"), at most `limit` + 1 so the action can refuse a selection that is too large."""
    leads = marketing_leads(user, QueryDict(query))
    return list(leads.order_by("pk").values_list("pk", flat=True)[: limit + 1])


def lead_list(*, user: User, request: HttpRequest, params: QueryDict | None = None) -> LeadList:
    """The page for the filters in `params` (else the request's query): filters, one page of
    rows (account, owner and source campaign joined), the held leads' positions (three
    queries, only if the page shows one), the count, the views."""
    params = request.GET if params is None else params
    lead_filter, leads = _filtered(user, params)
    leads = leads.select_related("account", "owner", "facts__source_campaign")
    page = keyset_page(
        leads, request, keys=("created_at", "pk"), page_size=LEAD_PAGE_SIZE, descending=True
    )
    positions = held.held_positions(page.items)
    return LeadList(
        filter=lead_filter,
        page=page,
        rows=[LeadRow(lead=lead, held=positions.get(lead.pk)) for lead in page.items],
        matching=leads.count(),
        query=filter_query(params),
        saved_views=list(SavedView.objects.filter(user=user, page=SavedView.Page.MARKETING_LEADS)),
    )
