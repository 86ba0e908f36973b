"""The held queue as both teams read it (the throttle, issue 20): how many leads wait for room,
how long they have waited, and how many waited too long, per source campaign and per pool.

* held now        = leads in the held queue now (services.held_queue(): held, not archived),
  each in its pool, the first active routing rule it matches (None: "No pool"), and under its
  source campaign (LeadFacts.source_campaign, the one "by campaign" definition; None: "No
  campaign");
* wait so far     = now - held_at, in hours; a row's median is the middle wait (the mean of the
  two middle ones for an even count) and its p90 the nearest-rank 90th percentile: the wait at
  ceil(0.9 n) - 1 in ascending order; both rounded to one decimal (half up) after the
  arithmetic, so they read like the lead flow's figures;
* expiries        = "held too long" events (held -> nurture, reason services.HELD_TOO_LONG) in
  the window [now - `days`, now), counted under the lead's source campaign, and under the pool
  the lead was held in: the pool_id its latest hold event before the expiry recorded in its
  payload (the pool as it was, not as today's rules would match it; "No pool" if none was
  recorded). A lead sent back because the queue was full is not an expiry.

Reads only the records, in a constant number of queries whatever the queue's size (held leads
are bounded by each pool's ceiling): the held queue (rules, leads), the held leads' source
campaigns, the window's expiries with their campaign and pool, and the rules' names.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import CharField, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from apps.leads.models import Lead, LeadEvent, LeadFacts
from apps.routing import services
from apps.routing.models import RoutingRule

NO_CAMPAIGN = "No campaign"
NO_POOL = "No pool"
REMOVED_POOL = "Removed pool"
ONE_DECIMAL = Decimal("0.1")
MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


@dataclass(frozen=True)
class HeldRow:
    """One campaign's or one pool's share of the held queue; `key` None is "No campaign" or
    "No pool"."""

    key: int | None
    name: str
    held: int
    wait_median_hours: Decimal | None
    wait_p90_hours: Decimal | None
    expiries: int


@dataclass(frozen=True)
class HeldSummary:
    """The held queue now, and its expiries over the last `days` days (see the module doc)."""

    now: datetime
    days: int
    total: int
    oldest_held_at: datetime | None
    oldest_wait_hours: Decimal | None
    expiries: int
    by_campaign: tuple[HeldRow, ...]
    by_pool: tuple[HeldRow, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing held now and nothing expired in the window: the panel's empty state."""
        return self.total == 0 and self.expiries == 0


@dataclass(frozen=True)
class HeldPosition:
    """Where one held lead stands: `position` (1 = released next) of `of` in its pool's queue;
    `pool_name` is empty when the lead matches no active rule."""

    position: int
    of: int
    pool_name: str
    held_at: datetime | None


def _hours(wait: timedelta) -> Decimal:
    return Decimal(max(wait, timedelta(0)) // timedelta(microseconds=1)) / MICROSECONDS_PER_HOUR


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def wait_median(waits: list[Decimal]) -> Decimal | None:
    """The middle wait; the mean of the two middle ones for an even count (one decimal)."""
    if not waits:
        return None
    ordered = sorted(waits)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return _one_decimal(ordered[middle])
    return _one_decimal((ordered[middle - 1] + ordered[middle]) / 2)


def wait_p90(waits: list[Decimal]) -> Decimal | None:
    """Nearest-rank 90th percentile: the wait at ceil(0.9 n) - 1 in ascending order."""
    if not waits:
        return None
    ordered = sorted(waits)
    return _one_decimal(ordered[math.ceil(len(ordered) * 9 / 10) - 1])


def _rows(
    waits: dict[int | None, list[Decimal]],
    expiries: dict[int | None, int],
    names: dict[int | None, str],
) -> tuple[HeldRow, ...]:
    """One row per key held now or expired in the window: most held first, then most expired,
    then by name, the "No campaign"/"No pool" row last among equals."""
    rows = [
        HeldRow(
            key=key,
            name=names[key],
            held=len(waits.get(key, [])),
            wait_median_hours=wait_median(waits.get(key, [])),
            wait_p90_hours=wait_p90(waits.get(key, [])),
            expiries=expiries.get(key, 0),
        )
        for key in {*waits, *expiries}
    ]
    return tuple(
        sorted(rows, key=lambda row: (-row.held, -row.expiries, row.key is None, row.name))
    )


def _pool_names(pool_ids: Iterable[int | None]) -> dict[int | None, str]:
    ids = {pool_id for pool_id in pool_ids if pool_id is not None}
    found = dict(RoutingRule.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return {None: NO_POOL, **{pool_id: found.get(pool_id, REMOVED_POOL) for pool_id in ids}}


def _expiries_in(*, start: datetime, now: datetime) -> list[tuple[int | None, str, int | None]]:
    """(source campaign id, its name, pool id) of every "held too long" event in [start, now).
    The pool is the one the lead's latest hold event up to the expiry recorded (one correlated
    lookup per expiry on the (lead, at) index, inside the one query)."""
    held_in = (
        LeadEvent.objects.filter(
            lead=OuterRef("lead"),
            kind=LeadEvent.Kind.STATUS,
            new_value=Lead.Status.HELD,
            at__lte=OuterRef("at"),
        )
        .order_by("-at", "-pk")
        .annotate(pool=KT("payload__pool_id"))
        .values("pool")[:1]
    )
    rows = (
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STATUS,
            at__gte=start,
            at__lt=now,
            old_value=Lead.Status.HELD,
            new_value=Lead.Status.NURTURE,
            reason=services.HELD_TOO_LONG,
        )
        .annotate(pool=Subquery(held_in, output_field=CharField()))
        .values_list("facts__source_campaign_id", "facts__source_campaign__name", "pool")
    )
    return [
        (campaign_id, name or NO_CAMPAIGN, int(pool) if pool else None)
        for campaign_id, name, pool in rows
    ]


def held_summary(*, now: datetime | None = None, days: int = 14) -> HeldSummary:
    """The held queue now by source campaign and by pool, with the waits so far and the
    "held too long" expiries of the last `days` days (five queries, whatever the size)."""
    if days < 1:
        raise ValueError("days must be at least 1.")
    now = now or timezone.now()
    queue = services.held_queue()  # rules, leads: every held lead, in release order
    campaigns = {
        lead_id: (campaign_id, name or NO_CAMPAIGN)
        for lead_id, campaign_id, name in LeadFacts.objects.filter(
            lead_id__in=[lead.pk for _, lead in queue]
        ).values_list("lead_id", "source_campaign_id", "source_campaign__name")
    }
    campaign_names: dict[int | None, str] = {None: NO_CAMPAIGN}
    by_campaign: dict[int | None, list[Decimal]] = defaultdict(list)
    by_pool: dict[int | None, list[Decimal]] = defaultdict(list)
    oldest: datetime | None = None
    for pool_id, lead in queue:
        campaign_id, name = campaigns.get(lead.pk, (None, NO_CAMPAIGN))
        campaign_names[campaign_id] = name
        wait = _hours(now - lead.held_at) if lead.held_at else Decimal(0)
        by_campaign[campaign_id].append(wait)
        by_pool[pool_id].append(wait)
        if lead.held_at and (oldest is None or lead.held_at < oldest):
            oldest = lead.held_at

    expired = _expiries_in(start=now - timedelta(days=days), now=now)
    expiries_by_campaign: dict[int | None, int] = defaultdict(int)
    expiries_by_pool: dict[int | None, int] = defaultdict(int)
    for campaign_id, name, pool_id in expired:
        campaign_names[campaign_id] = name
        expiries_by_campaign[campaign_id] += 1
        expiries_by_pool[pool_id] += 1

    pool_names = _pool_names([*by_pool, *expiries_by_pool])
    return HeldSummary(
        now=now,
        days=days,
        total=len(queue),
        oldest_held_at=oldest,
        oldest_wait_hours=_one_decimal(_hours(now - oldest)) if oldest else None,
        expiries=len(expired),
        by_campaign=_rows(by_campaign, expiries_by_campaign, campaign_names),
        by_pool=_rows(by_pool, expiries_by_pool, pool_names),
    )


def held_positions(leads: Iterable[Lead]) -> dict[int, HeldPosition]:
    """Where each held lead among `leads` stands in its pool's queue (release order,
    services.held_queue()), by lead id; no query when none of them is held (three otherwise,
    however many there are)."""
    wanted = {lead.pk for lead in leads if lead.status == Lead.Status.HELD and not lead.is_archived}
    if not wanted:
        return {}
    queue = services.held_queue()
    pools: dict[int | None, list[Lead]] = defaultdict(list)
    for pool_id, held in queue:
        pools[pool_id].append(held)
    names = _pool_names([pool_id for pool_id in pools if pool_id is not None])
    positions = {}
    for pool_id, members in pools.items():
        for place, held in enumerate(members, start=1):
            if held.pk in wanted:  # one released or sent back since the page read it is absent
                positions[held.pk] = HeldPosition(
                    position=place,
                    of=len(members),
                    pool_name=names[pool_id] if pool_id is not None else "",
                    held_at=held.held_at,
                )
    return positions


def held_position(*, lead: Lead) -> HeldPosition | None:
    """Where one held lead stands in its pool's queue (held_positions); None, without a query,
    for a lead that is not held."""
    return held_positions([lead]).get(lead.pk)


@dataclass(frozen=True)
class SentBack:
    """A lead the held queue sent back to nurture because it waited too long: marketing's to
    nurture further (it is ready on score again only after a newer touch)."""

    lead: Lead
    at: datetime
    held_hours: Decimal | None
    campaign: str


SENT_BACK_SHOWN = 50


def sent_back_too_long(*, now: datetime | None = None, days: int = 30) -> list[SentBack]:
    """The latest "held too long" returns of the last `days` days, newest first (at most
    SENT_BACK_SHOWN): one query, the leads and their source campaigns joined."""
    now = now or timezone.now()
    events = (
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STATUS,
            old_value=Lead.Status.HELD,
            new_value=Lead.Status.NURTURE,
            reason=services.HELD_TOO_LONG,
            at__gte=now - timedelta(days=days),
            at__lt=now,
        )
        .select_related("lead__facts__source_campaign")
        .order_by("-at", "-pk")[:SENT_BACK_SHOWN]
    )
    returns = []
    for event in events:
        facts = getattr(event.lead, "facts", None)
        campaign = facts.source_campaign if facts else None
        hours = event.payload.get("held_hours")
        returns.append(
            SentBack(
                lead=event.lead,
                at=event.at,
                held_hours=_one_decimal(Decimal(str(hours))) if hours is not None else None,
                campaign=campaign.name if campaign else NO_CAMPAIGN,
            )
        )
    return returns
