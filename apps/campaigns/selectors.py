"""Reads of campaigns, their spend and their assets."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.models import Quarter

LIST_LIMIT = 50


# --- Spend ---------------------------------------------------------------------------------


def spend_share_cents(*, amount_cents: int, days: int, first_day: int, last_day: int) -> int:
    """The cents of an entry of `amount_cents` over `days` days that fall on its days
    first_day..last_day (1-based, inclusive).

    Day k of the entry closes with the cumulative amount C(k) = round_half_up(A·k/N) in cents
    (C(0) = 0, C(N) = A), and days a..b get C(b) − C(a−1). Integer arithmetic, so exact:
    round_half_up(x/N) for x >= 0 is (2x + N) // 2N.
    """

    def cumulative(k: int) -> int:
        return (2 * amount_cents * k + days) // (2 * days)

    return cumulative(last_day) - cumulative(first_day - 1)


def spend_between(
    *, start: date, end: date, campaign_ids: Collection[int] | None = None
) -> dict[int, Decimal]:
    """The spend falling inside the inclusive window [start, end], per campaign (all
    campaigns, or only `campaign_ids`). One query.

    A campaign with no entry overlapping the window is absent (no spend recorded: callers
    show "—"); one whose overlapping entries come to nothing maps to 0.00. Entries replaced
    by a correction do not count.

    The rule, pro rata by day: an entry of amount A over N days (starts_on..ends_on) has
    spent C(k) = A·k/N, rounded half up to the cent, by the end of its k-th day, so a window
    covering its days a..b gets C(b) − C(a−1). The shares of adjacent windows (two quarters,
    the months of a year) therefore add up to exactly A, to the cent. A window that starts
    on the entry's first day gets exactly the naive round(A·days/N); any other window is at
    most one cent away from it (the cent the rounding of the earlier days used up).

    Worked by hand: 9,200.00 over 1 Sep – 1 Dec 2026 is 92 days (30 + 31 + 30 + 1). Q3
    (1 Jul – 30 Sep) covers days 1..30: C(30) = 9,200 × 30 / 92 = 3,000.00. Q4 (1 Oct –
    31 Dec) covers days 31..92: C(92) − C(30) = 9,200.00 − 3,000.00 = 6,200.00 (62 days'
    worth). And 100.00 over three days gives 33.33, 33.34, 33.33: C(1) = 33.33,
    C(2) = round(66.666…) = 66.67, C(3) = 100.00.
    """
    rows = (
        spend_overlapping(start=start, end=end, campaign_ids=campaign_ids)
        .order_by()
        .values_list("campaign_id", "starts_on", "ends_on", "amount")
    )
    cents: dict[int, int] = {}
    for campaign_id, starts_on, ends_on, amount in rows:
        share = _share_cents(starts_on, ends_on, amount, start, end)
        cents[campaign_id] = cents.get(campaign_id, 0) + share
    return {campaign_id: _money(total) for campaign_id, total in cents.items()}


def spend_overlapping(
    *, start: date, end: date, campaign_ids: Collection[int] | None = None
) -> QuerySet[CampaignSpend]:
    """The entries spend_between counts: not replaced, sharing a day with [start, end], of
    all campaigns or only `campaign_ids`."""
    entries = CampaignSpend.objects.counting().overlapping(start, end)
    if campaign_ids is not None:
        entries = entries.filter(campaign_id__in=list(campaign_ids))
    return entries


class SpendPeriod(Protocol):
    """A spend entry, recorded (CampaignSpend) or planned (the demo's plans)."""

    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...
    @property
    def amount(self) -> Decimal: ...


def entry_share(entry: SpendPeriod, start: date, end: date) -> Decimal:
    """The part of one entry inside the inclusive window [start, end] by spend_between's pro
    rata rule (0.00 when they share no day): the share a drill-down prints beside an entry."""
    return _money(_share_cents(entry.starts_on, entry.ends_on, entry.amount, start, end))


def _share_cents(starts_on: date, ends_on: date, amount: Decimal, start: date, end: date) -> int:
    first, last = max(starts_on, start), min(ends_on, end)
    if first > last:
        return 0
    return spend_share_cents(
        amount_cents=int(amount.scaleb(2)),
        days=(ends_on - starts_on).days + 1,
        first_day=(first - starts_on).days + 1,
        last_day=(last - starts_on).days + 1,
    )


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # 300000 -> Decimal("3000.00")


def with_spend_total(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The campaigns annotated with spend_total: the sum of all their spend entries that count
    (not replaced), None when they have none (shown "—"). A subquery, so it never multiplies
    with other joins."""
    total = (
        CampaignSpend.objects.counting()
        .filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return campaigns.annotate(spend_total=Subquery(total))


def campaign_spend(*, campaign_id: int) -> QuerySet[CampaignSpend]:
    """A campaign's spend entries, replaced ones included (the API orders them), with who
    recorded them and which entry corrected each."""
    return CampaignSpend.objects.filter(campaign_id=campaign_id).select_related(
        "created_by", "replaced_by"
    )


# --- Campaigns -----------------------------------------------------------------------------


def quarter_campaigns(*, quarter: Quarter, limit: int = LIST_LIMIT) -> list[Campaign]:
    """The quarter's campaigns with lead and sales-ready counts, their total spend
    (spend_total) and the part of it inside the quarter (quarter_spend; None without any), in
    two queries."""
    campaigns: list[Campaign] = list(
        with_spend_total(Campaign.objects.filter(quarter=quarter))
        .annotate(
            lead_count=Count("leads", filter=Q(leads__is_archived=False)),
            ready_count=Count(
                "leads", filter=Q(leads__is_archived=False, leads__ready_at__isnull=False)
            ),
        )
        .order_by("name", "pk")[:limit]
    )
    shares = spend_between(
        start=quarter.starts_on, end=quarter.ends_on, campaign_ids=[c.pk for c in campaigns]
    )
    for campaign in campaigns:
        campaign.quarter_spend = shares.get(campaign.pk)  # type: ignore[attr-defined]
    return campaigns


def _spend_entries() -> Prefetch[str, QuerySet[CampaignSpend], str]:
    return Prefetch(
        "spend",
        queryset=CampaignSpend.objects.select_related("created_by", "replaced_by").order_by(
            "starts_on", "pk"
        ),
    )


def campaigns_with_assets(*, limit: int = 200) -> QuerySet[Campaign]:
    """Every campaign (active first, newest start first) with its assets, its spend entries and
    their total, in three queries."""
    return (
        with_spend_total(Campaign.objects.select_related("quarter"))
        .prefetch_related(
            Prefetch("assets", queryset=Asset.objects.order_by("name", "pk")), _spend_entries()
        )
        .order_by("-is_active", "-starts_on", "name", "pk")[:limit]
    )


def standalone_assets(*, limit: int = 200) -> QuerySet[Asset]:
    """Assets that belong to no campaign (site pages, evergreen forms)."""
    return Asset.objects.filter(campaign__isnull=True).order_by("name", "pk")[:limit]


def campaign_for(*, campaign_id: int) -> Campaign:
    """One campaign, or 404."""
    return get_object_or_404(Campaign.objects.select_related("quarter"), pk=campaign_id)


def campaign_with_spend(*, campaign_id: int) -> Campaign:
    """One campaign with its spend entries and their total (the spend region), or 404."""
    campaigns = with_spend_total(Campaign.objects.select_related("quarter")).prefetch_related(
        _spend_entries()
    )
    return get_object_or_404(campaigns, pk=campaign_id)


def asset_for(*, asset_id: int) -> Asset:
    """One asset with its campaign, or 404."""
    return get_object_or_404(Asset.objects.select_related("campaign"), pk=asset_id)
