"""Fit and engagement scores, their bands, buying-role inference, and the account roll-up."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.bulk import update_rows
from apps.core.queue import enqueue_on_commit
from apps.core.statements import InsertInto
from apps.leads.models import SCORE_CEILING, BuyingRole, Lead, Touchpoint
from apps.scoring.models import BuyingRoleRule, OwedRollUp, QualificationAgreement, ScoringRule
from apps.scoring.rulebook import rulebook

# Engagement points for a touchpoint without an asset (the asset's weight wins when there is one).
KIND_WEIGHTS = {
    "page_view": 1,
    "ad_click": 1,
    "email_click": 2,
    "download": 5,
    "form_submit": 5,
    "webinar": 8,
    "event": 8,
    "meeting": 15,
    "import": 0,  # an imported row is no engagement unless the CSV maps what the buyer did
}
# An import touch without an asset records that the buyer exists, not that they engaged: it
# adds no engagement and no buying role to the account's roll-up.
NOT_ENGAGEMENT = Q(kind="import", asset__isnull=True)
DEFAULT_HALF_LIFE_DAYS = 30
DEFAULT_ACCOUNT_WINDOW_DAYS = 30
FIT_CEILING = 100
ROLL_UP_BATCH = 1000
# the roles that count towards the account rule (an unknown role is nobody's role)
ENGAGING_ROLES = tuple(role for role in BuyingRole.values if role != BuyingRole.UNKNOWN)


# The score bands reported in lead events and offered as filters: cold, warm from 30, hot from 60.
WARM_FROM = 30
HOT_FROM = 60
SCORE_BAND_CHOICES = [
    ("hot", f"Hot ({HOT_FROM}+)"),
    ("warm", f"Warm ({WARM_FROM}–{HOT_FROM - 1})"),
    ("cold", f"Cold (under {WARM_FROM})"),
]


def score_band(score: int) -> str:
    """Cold below WARM_FROM, warm below HOT_FROM, hot from HOT_FROM."""
    if score >= HOT_FROM:
        return "hot"
    if score >= WARM_FROM:
        return "warm"
    return "cold"


def score_band_q(band: str, *, prefix: str = "") -> Q:
    """The leads (reached through `prefix`) whose score is in `band`: score_band() as a filter."""
    field = f"{prefix}score"
    if band == "hot":
        return Q(**{f"{field}__gte": HOT_FROM})
    if band == "warm":
        return Q(**{f"{field}__gte": WARM_FROM, f"{field}__lt": HOT_FROM})
    if band == "cold":
        return Q(**{f"{field}__lt": WARM_FROM})
    raise ValueError(f"unknown score band {band!r}")


def infer_buying_role(title: str, rules: Sequence[BuyingRoleRule] | None = None) -> str:
    """The role of the first (lowest order) rule whose keyword appears in the title."""
    lowered = f" {title.lower()} "
    for rule in rules if rules is not None else rulebook().role_rules:
        keyword = rule.keyword.lower()
        if keyword and (f" {keyword} " in lowered or (len(keyword) > 3 and keyword in lowered)):
            return rule.role
    return BuyingRole.UNKNOWN


def fit_score(
    *, lead: Lead, account: Account | None, rules: Sequence[ScoringRule] | None = None
) -> int:
    """Sum of the points of every active rule the lead matches, clamped to 0..FIT_CEILING."""
    total = 0
    title = f" {lead.title.lower()} "
    for rule in rules if rules is not None else rulebook().scoring_rules:
        value = rule.value.strip()
        match rule.attribute:
            case ScoringRule.Attribute.TITLE_KEYWORD:
                hit = f" {value.lower()} " in title
            case ScoringRule.Attribute.BUYING_ROLE:
                hit = lead.buying_role == value
            case ScoringRule.Attribute.EMPLOYEES_AT_LEAST:
                hit = bool(
                    account
                    and account.employees is not None
                    and value.isdigit()
                    and account.employees >= int(value)
                )
            case ScoringRule.Attribute.EMPLOYEES_BELOW:
                hit = bool(
                    account
                    and account.employees is not None
                    and value.isdigit()
                    and account.employees < int(value)
                )
            case ScoringRule.Attribute.INDUSTRY:
                hit = bool(account and account.industry.lower() == value.lower())
            case ScoringRule.Attribute.COUNTRY:
                country = lead.country or (account.country if account else "")
                hit = country.upper() == value.upper()
            case ScoringRule.Attribute.SOURCE:
                hit = lead.source == value
            case _:
                hit = False
        if hit:
            total += rule.points
    return max(0, min(FIT_CEILING, total))


def decayed(points: float, occurred_at: datetime, now: datetime, half_life_days: int) -> float:
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86400)
    return points * math.pow(0.5, age_days / max(1, half_life_days))


def touch_weight(kind: str, asset_weight: int | None) -> int:
    """A touchpoint's engagement points: its asset's weight, else its kind's."""
    return asset_weight if asset_weight is not None else KIND_WEIGHTS.get(kind, 1)


def engagement_score(*, lead_id: int, now: datetime, half_life_days: int) -> float:
    """Touchpoint weights with half-life decay (one query over the lead's touchpoints)."""
    return engagement_scores(lead_ids=[lead_id], now=now, half_life_days=half_life_days)[lead_id]


def engagement_scores(
    *, lead_ids: Iterable[int], now: datetime, half_life_days: int
) -> dict[int, float]:
    """engagement_score for many leads in one query (lead id → score; 0.0 with no touches)."""
    totals: dict[int, float] = dict.fromkeys(lead_ids, 0.0)
    rows = Touchpoint.objects.filter(lead_id__in=list(totals)).values_list(
        "lead_id", "kind", "occurred_at", "asset__engagement_weight"
    )
    for lead_id, kind, occurred_at, asset_weight in rows:
        totals[lead_id] += decayed(
            touch_weight(kind, asset_weight), occurred_at, now, half_life_days
        )
    return {lead_id: round(total, 2) for lead_id, total in totals.items()}


def total_score(*, fit: int, engagement: float) -> int:
    """The lead's score: fit plus rounded engagement, capped at the column's ceiling."""
    return min(SCORE_CEILING, fit + round(engagement))


@dataclass
class ScoreChange:
    old_score: int
    new_score: int

    @property
    def band_changed(self) -> bool:
        return score_band(self.old_score) != score_band(self.new_score)


def rescore_lead(
    *, lead: Lead, agreement: QualificationAgreement | None, now: datetime | None = None
) -> ScoreChange:
    """Recompute the lead's fit and engagement in memory and save them. Caller holds the lead lock."""
    now = now or timezone.now()
    half_life = _half_life(agreement)
    old = lead.score
    lead.fit_score = fit_score(lead=lead, account=lead.account)
    lead.engagement_score = engagement_score(lead_id=lead.pk, now=now, half_life_days=half_life)
    lead.score = total_score(fit=lead.fit_score, engagement=lead.engagement_score)
    lead.save(update_fields=["fit_score", "engagement_score", "score", "updated_at"])
    return ScoreChange(old_score=old, new_score=lead.score)


def score_first_touch(
    *,
    lead: Lead,
    kind: str,
    asset_weight: int | None,
    occurred_at: datetime,
    agreement: QualificationAgreement | None,
    now: datetime,
    rules: Sequence[ScoringRule] | None = None,
) -> None:
    """Score a lead not saved yet whose only touch will be this one, in memory: what
    rescore_lead computes once the lead and its touch are written (no read of its touches)."""
    lead.fit_score = fit_score(lead=lead, account=lead.account, rules=rules)
    points = decayed(touch_weight(kind, asset_weight), occurred_at, now, _half_life(agreement))
    lead.engagement_score = round(points, 2)
    lead.score = total_score(fit=lead.fit_score, engagement=lead.engagement_score)


def _half_life(agreement: QualificationAgreement | None) -> int:
    return agreement.engagement_half_life_days if agreement else DEFAULT_HALF_LIFE_DAYS


def account_meets_rule(*, account: Account, agreement: QualificationAgreement) -> bool:
    """At least K distinct buying roles engaged within D days, and the account score at least T."""
    return (
        len(account.buying_roles_engaged or []) >= agreement.account_min_roles
        and account.engagement_score >= agreement.account_score_threshold
    )


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    """`ids` in consecutive slices of `size` (Python 3.12's itertools.batched)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def roll_up_accounts(
    *,
    account_ids: Iterable[int],
    agreement: QualificationAgreement | None,
    now: datetime | None = None,
) -> dict[int, Account]:
    """Each account's engagement is the sum of its live leads'; the buying roles engaged are
    counted inside the agreement's window (D days back from `now`); a ready account that no
    longer meets the account rule ends its readiness episode. Written and returned (account
    id → account), with one GROUP BY for the sums (index-only), one read of the accounts with
    their roles engaged, and one UPDATE per 1,000 accounts."""
    now = now or timezone.now()
    window = agreement.account_window_days if agreement else DEFAULT_ACCOUNT_WINDOW_DAYS
    since = now - timedelta(days=window)
    ids = sorted(set(account_ids))
    done: dict[int, Account] = {}
    for part in _batches(ids, ROLL_UP_BATCH):
        totals = dict(
            Lead.objects.filter(account_id__in=part, is_archived=False)
            .order_by()
            .values("account_id")
            .annotate(s=Sum("engagement_score"))
            .values_list("account_id", "s")
        )
        # per account and buying role, whether one of its live people of that role engaged
        # inside the window: an EXISTS over the account's range of lead_account_role_idx,
        # probing each person's touches until one did (the largest account stops at its first
        # engaged person of each role instead of probing all of its people)
        touched = Touchpoint.objects.filter(
            lead_id=OuterRef("pk"), account_id=OuterRef("account_id"), occurred_at__gte=since
        ).exclude(NOT_ENGAGEMENT)
        annotated = Account.objects.filter(pk__in=part).annotate(
            **{
                f"engaged_{role}": Exists(
                    Lead.objects.filter(
                        account_id=OuterRef("pk"), is_archived=False, buying_role=role
                    ).filter(Exists(touched))
                )
                for role in ENGAGING_ROLES
            }
        )
        accounts = {account.pk: account for account in annotated}
        kept: list[Account] = []
        ended: list[Account] = []
        for account_id in part:
            account = accounts.get(account_id)
            if account is None:
                raise Account.DoesNotExist(f"Account matching id {account_id} does not exist.")
            account.engagement_score = round(totals.get(account_id) or 0.0, 2)
            account.buying_roles_engaged = sorted(
                role for role in ENGAGING_ROLES if getattr(account, f"engaged_{role}")
            )
            if (
                account.is_conversation_ready
                and agreement
                and not account_meets_rule(account=account, agreement=agreement)
            ):
                # The readiness episode is over; a later surge of engagement may fire again.
                account.is_conversation_ready, account.ready_since = False, None
                ended.append(account)
            else:
                kept.append(account)
            done[account_id] = account
        update_rows(Account, kept, ["engagement_score", "buying_roles_engaged"])
        update_rows(
            Account,
            ended,
            ["engagement_score", "buying_roles_engaged", "is_conversation_ready", "ready_since"],
        )
    return done


# The account roll-up after a touch at intake is owed in the touch's transaction and settled
# by the worker under beat every ROLL_UP_EVERY: the request does none and publishes nothing
# for it (a broker that is down or frozen cannot hold it up), and the touches at one account
# between two settles cost one roll-up.
ROLL_UP_EVERY = timedelta(seconds=5)
_UPSERT_OWED = InsertInto(OwedRollUp, unique=["account"])


def owe_roll_up(*, account_id: int, handed_off: bool, at: datetime) -> None:
    """Note, in the caller's transaction, that the account's roll-up is owed as of `at`
    (`handed_off`: the touch made its own lead ready)."""
    _UPSERT_OWED.save(
        [OwedRollUp(account_id=account_id, handed_off=handed_off, at=at)],
        # a hand-off owed earlier stays owed: only a True overwrites
        update=["at", "handed_off"] if handed_off else ["at"],
    )


def settle_roll_ups(*, limit: int = ROLL_UP_BATCH) -> int:
    """The worker's side: roll up every account owed, `limit` at a time, each batch in its own
    transaction; an account that now meets the account rule and is not ready is qualified after
    the commit (unless a touch owed here handed its own lead off). How many were settled."""
    settled = 0
    while True:
        done = _settle_batch(limit=limit)
        settled += done
        if done < limit:
            return settled


@transaction.atomic(durable=True)
def _settle_batch(*, limit: int) -> int:
    # locked and deleted here: a touch committing meanwhile waits, then owes its own row
    owed = list(OwedRollUp.objects.select_for_update(skip_locked=True).order_by("account")[:limit])
    if not owed:
        return 0
    OwedRollUp.objects.filter(account__in=[row.account_id for row in owed]).delete()
    now = max(row.at for row in owed)
    agreement = QualificationAgreement.objects.in_force(now)
    handed_off = {row.account_id for row in owed if row.handed_off}
    rolled_up = roll_up_accounts(
        account_ids=[row.account_id for row in owed], agreement=agreement, now=now
    )
    qualify_after_commit(
        {pk: account for pk, account in rolled_up.items() if pk not in handed_off}, agreement
    )
    return len(owed)


def qualify_after_commit(
    rolled_up: dict[int, Account], agreement: QualificationAgreement | None
) -> None:
    """Queue qualify_account for each just rolled-up account that now meets the account rule
    and is not ready yet; it decides in its own transaction (lock order lead → account)."""
    for account_id, account in sorted(rolled_up.items()):
        if (
            agreement
            and not account.is_conversation_ready
            and account_meets_rule(account=account, agreement=agreement)
        ):
            enqueue_on_commit("scoring.qualify_account", account_id)
