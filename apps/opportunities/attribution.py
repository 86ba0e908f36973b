"""Crediting a won deal to the campaigns that led to it, once, when it is won.

The touches that count for a deal are the campaign touchpoints of every lead of its account
(and of its primary lead), strictly before the opportunity was created, oldest first (ties by
id). Under each model the shares add up to the deal's amount to the cent (split_cents):

- last touch: all to the last touch before the opportunity was created;
- linear: 1/n to each touch;
- W-shaped: 30% to the first touch, 30% to the lead-creation touch (the primary lead's first
  touch; the first touch when it has none among them), 30% to the opportunity-creation touch
  (the last), and 10% spread over the touches holding none of those roles (over the role
  holders when there are no others); roles landing on one touch add up;
- influenced: every campaign with a touch gets the whole amount (a campaign's reach, not a
  share: these do not add up to the deal).

First touch is not stored: it is the primary lead's source campaign (LeadFacts), so it always
agrees with the "by campaign" table. The credits are written by change_stage when a deal is
won, rewritten by intake when an older touch arrives later, and rebuilt by `rebuild_facts`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Q

from apps.leads.models import Lead, Touchpoint
from apps.opportunities.models import CampaignCredit, Opportunity

CENT = Decimal("0.01")
W_ROLE = Fraction(3, 10)  # each of first touch, lead creation, opportunity creation
W_REST = Fraction(1, 10)  # spread evenly over the other touches
SHARED_MODELS = (
    CampaignCredit.Attribution.LAST_TOUCH,
    CampaignCredit.Attribution.LINEAR,
    CampaignCredit.Attribution.W_SHAPED,
)


@dataclass(frozen=True)
class Touch:
    pk: int
    lead_id: int
    campaign_id: int
    occurred_at: datetime


def touch_weights(
    touches: list[Touch], model: str, primary_lead_id: int | None
) -> dict[int, Fraction]:
    """Each touch's share (by position in `touches`, oldest first) under the model; shares sum
    to 1 (see the module doc). "first_touch" gives all to the first touch."""
    n = len(touches)
    if n == 0:
        return {}
    if model == "first_touch":
        return {0: Fraction(1)}
    if model == CampaignCredit.Attribution.LAST_TOUCH:
        return {n - 1: Fraction(1)}
    if model == CampaignCredit.Attribution.LINEAR:
        return dict.fromkeys(range(n), Fraction(1, n))
    if model != CampaignCredit.Attribution.W_SHAPED:
        raise ValueError(f"Unknown attribution model {model!r}.")
    weights: dict[int, Fraction] = defaultdict(Fraction)
    for index in _w_roles(touches, primary_lead_id):
        weights[index] += W_ROLE
    rest = [i for i in range(n) if i not in weights] or sorted(weights)
    for index in rest:
        weights[index] += W_REST / len(rest)
    return dict(weights)


def split_cents(amount: Decimal, weights: list[tuple[Any, Fraction]]) -> dict[Any, Decimal]:
    """Split `amount` by `weights` (summing to 1) into cents that add up exactly: each key gets
    the floor of its exact share, and the cents left over go one each to the largest remainders
    (ties to the earlier key in `weights`)."""
    cents = int((amount / CENT).to_integral_value())
    exact = [(key, cents * weight) for key, weight in weights]
    floors = {key: int(share) for key, share in exact}
    left = cents - sum(floors.values())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in order[:left]:
        floors[exact[i][0]] += 1
    return {key: Decimal(value) * CENT for key, value in floors.items()}


def deal_touches(opportunities: list[Opportunity]) -> dict[int, list[Touch]]:
    """The campaign touches that count for each deal, oldest first, keyed by deal id: one
    query for the whole list (the leads of the deals' accounts and primary leads, through
    their indexes), split per deal here."""
    if not opportunities:
        return {}
    accounts = {o.account_id for o in opportunities if o.account_id is not None}
    primaries = {o.primary_lead_id for o in opportunities if o.primary_lead_id is not None}
    leads = Lead.objects.filter(Q(account_id__in=accounts) | Q(pk__in=primaries)).values("pk")
    rows = (
        Touchpoint.objects.filter(
            lead_id__in=leads,
            campaign__isnull=False,
            occurred_at__lt=max(o.created_at for o in opportunities),
        )
        .order_by("occurred_at", "pk")
        .values_list("pk", "lead_id", "campaign_id", "occurred_at", "lead__account_id")
    )
    by_account: dict[int | None, list[Touch]] = defaultdict(list)
    by_lead: dict[int | None, list[Touch]] = defaultdict(list)
    account_of: dict[int, int | None] = {}
    for pk, lead_id, campaign_id, occurred_at, account_id in rows:
        touch = Touch(pk, lead_id, campaign_id, occurred_at)
        by_lead[lead_id].append(touch)
        by_account[account_id].append(touch)
        account_of[lead_id] = account_id
    times = {key: [t.occurred_at for t in touches] for key, touches in by_account.items()}
    result = {}
    for o in opportunities:
        mine: list[Touch] = []
        if o.account_id is not None:
            cut = bisect_left(times.get(o.account_id, []), o.created_at)
            mine = by_account[o.account_id][:cut]
        joins = o.account_id is None or account_of.get(o.primary_lead_id or 0) != o.account_id
        if o.primary_lead_id is not None and joins:
            # a primary lead of another (or no) account: its touches join the account's
            extra = [t for t in by_lead[o.primary_lead_id] if t.occurred_at < o.created_at]
            mine = sorted(mine + extra, key=lambda t: (t.occurred_at, t.pk))
        result[o.pk] = mine
    return result


def campaign_shares(
    touches: list[Touch], model: str, primary_lead_id: int | None
) -> list[tuple[int, Fraction]]:
    """The model's weights (touch_weights) summed per campaign, in order of each campaign's
    first weighted touch. Counted per campaign rather than per touch: a deal on a busy account
    has thousands of touches, and exact fractions per touch would cost seconds per deal."""
    n = len(touches)
    if n == 0:
        return []
    if model in ("first_touch", CampaignCredit.Attribution.LAST_TOUCH):
        return [(touches[0 if model == "first_touch" else n - 1].campaign_id, Fraction(1))]
    counts = Counter(touch.campaign_id for touch in touches)
    if model == CampaignCredit.Attribution.LINEAR:
        return [(campaign_id, Fraction(count, n)) for campaign_id, count in counts.items()]
    if model != CampaignCredit.Attribution.W_SHAPED:
        raise ValueError(f"Unknown attribution model {model!r}.")
    roles = _w_roles(touches, primary_lead_id)
    role_weight: Counter[int] = Counter(touches[index].campaign_id for index in roles)
    holders = set(roles)
    rest = n - len(holders)
    if rest:
        # every touch not holding a role shares W_REST: per campaign, its touches minus its
        # role holders
        spread = Counter(counts)
        spread.subtract(touches[index].campaign_id for index in holders)
        divisor = rest
    else:
        spread = Counter(touches[index].campaign_id for index in holders)
        divisor = len(holders)
    return [
        (
            campaign_id,
            W_ROLE * role_weight[campaign_id] + W_REST * Fraction(spread[campaign_id], divisor),
        )
        for campaign_id in counts
    ]


def _w_roles(touches: list[Touch], primary_lead_id: int | None) -> list[int]:
    """The W-shaped role holders' positions: first touch, lead creation (the primary lead's
    first touch, else the first), opportunity creation (the last); a position may repeat."""
    lead_creation = next(
        (i for i, touch in enumerate(touches) if touch.lead_id == primary_lead_id), 0
    )
    return [0, lead_creation, len(touches) - 1]


def credit_deals(opportunities: list[Opportunity]) -> int:
    """(Re)write won deals' credits under every stored model; returns the rows written. Three
    queries for the whole list: delete the old credits, read the touches, insert the new."""
    CampaignCredit.objects.filter(opportunity__in=[o.pk for o in opportunities]).delete()
    won = [o for o in opportunities if o.stage == Opportunity.Stage.WON and o.closed_at]
    touches_of = deal_touches(won)
    credits = []
    for opportunity in won:
        touches = touches_of[opportunity.pk]
        rows = []
        for model in SHARED_MODELS:
            shares = campaign_shares(touches, model, opportunity.primary_lead_id)
            for campaign_id, amount in split_cents(opportunity.amount, shares).items():
                rows.append((model, campaign_id, amount))
        for campaign_id in dict.fromkeys(touch.campaign_id for touch in touches):
            rows.append((CampaignCredit.Attribution.INFLUENCED, campaign_id, opportunity.amount))
        credits += [
            CampaignCredit(
                opportunity=opportunity,
                model=model,
                campaign_id=campaign_id,
                amount=amount,
                closed_at=opportunity.closed_at,
                owner_id=opportunity.owner_id,
            )
            for model, campaign_id, amount in rows
        ]
    CampaignCredit.objects.bulk_create(credits, batch_size=2000)
    return len(credits)


def credit_deal(opportunity: Opportunity) -> int:
    """(Re)write one deal's credits (none unless it is won); returns the rows written."""
    return credit_deals([opportunity])


def touch_arrived(*, account_id: int | None, lead_id: int, occurred_at: datetime) -> int:
    """A campaign touch dated `occurred_at` was written: re-credit the won deals it now counts
    for (created after it, on its account or with its lead as primary). Returns how many."""
    where = Q(primary_lead_id=lead_id)
    if account_id is not None:
        where |= Q(account_id=account_id)
    won = Opportunity.objects.filter(
        where, stage=Opportunity.Stage.WON, created_at__gt=occurred_at
    ).order_by("pk")
    deals = list(won)
    credit_deals(deals)
    return len(deals)
