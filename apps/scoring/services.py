"""Fit and engagement scoring, the account roll-up, and the conversation-ready decision."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from apps.accounts.models import Account
from apps.leads.models import Lead, Touchpoint
from apps.scoring.models import BuyingRole, BuyingRoleRule, QualificationAgreement, ScoringRule

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
}
DEFAULT_HALF_LIFE_DAYS = 30


def score_band(score: int) -> str:
    """Cold below 30, warm below 60, hot from 60: the bands reported in lead events."""
    if score >= 60:
        return "hot"
    if score >= 30:
        return "warm"
    return "cold"


def infer_buying_role(title: str, rules: list[BuyingRoleRule] | None = None) -> str:
    """The role of the first (lowest order) rule whose keyword appears in the title."""
    lowered = f" {title.lower()} "
    for rule in rules if rules is not None else BuyingRoleRule.objects.all():
        keyword = rule.keyword.lower()
        if keyword and (f" {keyword} " in lowered or (len(keyword) > 3 and keyword in lowered)):
            return rule.role
    return BuyingRole.UNKNOWN


def fit_score(
    *, lead: Lead, account: Account | None, rules: list[ScoringRule] | None = None
) -> int:
    """Sum of the points of every active rule the lead matches, clamped to 0..100."""
    total = 0
    title = f" {lead.title.lower()} "
    for rule in rules if rules is not None else ScoringRule.objects.filter(is_active=True):
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
    return max(0, min(100, total))


def decayed(points: float, occurred_at: datetime, now: datetime, half_life_days: int) -> float:
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86400)
    return points * math.pow(0.5, age_days / max(1, half_life_days))


def engagement_score(*, lead_id: int, now: datetime, half_life_days: int) -> float:
    """Touchpoint weights with half-life decay (one query over the lead's touchpoints)."""
    rows = Touchpoint.objects.filter(lead_id=lead_id).values_list(
        "kind", "occurred_at", "asset__engagement_weight"
    )
    total = 0.0
    for kind, occurred_at, asset_weight in rows:
        weight = asset_weight if asset_weight is not None else KIND_WEIGHTS.get(kind, 1)
        total += decayed(weight, occurred_at, now, half_life_days)
    return round(total, 2)


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
    half_life = agreement.engagement_half_life_days if agreement else DEFAULT_HALF_LIFE_DAYS
    old = lead.score
    lead.fit_score = fit_score(lead=lead, account=lead.account)
    lead.engagement_score = engagement_score(lead_id=lead.pk, now=now, half_life_days=half_life)
    lead.score = min(32000, lead.fit_score + round(lead.engagement_score))
    lead.save(update_fields=["fit_score", "engagement_score", "score", "updated_at"])
    return ScoreChange(old_score=old, new_score=lead.score)


def roll_up_account(
    *, account_id: int, agreement: QualificationAgreement | None, now: datetime | None = None
) -> Account:
    """The account's engagement is the sum of its leads'; roles engaged counted inside D days.

    Reads only this account's leads and touchpoints (indexed by account), never the table.
    """
    now = now or timezone.now()
    window = agreement.account_window_days if agreement else 30
    total = (
        Lead.objects.filter(account_id=account_id, is_archived=False).aggregate(
            s=Sum("engagement_score")
        )["s"]
        or 0.0
    )
    roles = sorted(
        set(
            Touchpoint.objects.filter(
                account_id=account_id, occurred_at__gte=now - timedelta(days=window)
            )
            .exclude(lead__buying_role=BuyingRole.UNKNOWN)
            .values_list("lead__buying_role", flat=True)
            .distinct()
        )
    )
    changes: dict[str, object] = {
        "engagement_score": round(total, 2),
        "buying_roles_engaged": roles,
    }
    account = Account.objects.get(pk=account_id)
    account.engagement_score, account.buying_roles_engaged = round(total, 2), roles
    if (
        account.is_conversation_ready
        and agreement
        and not account_meets_rule(account=account, agreement=agreement)
    ):
        # The readiness episode is over; a later surge of engagement may fire again.
        changes.update(is_conversation_ready=False, ready_since=None)
        account.is_conversation_ready, account.ready_since = False, None
    Account.objects.filter(pk=account_id).update(**changes)
    return account


def account_meets_rule(*, account: Account, agreement: QualificationAgreement) -> bool:
    """At least K distinct buying roles engaged within D days, and the account score at least T."""
    return (
        len(account.buying_roles_engaged or []) >= agreement.account_min_roles
        and account.engagement_score >= agreement.account_score_threshold
    )


def ready_reason(*, lead: Lead, agreement: QualificationAgreement | None, hand_raiser: bool) -> str:
    """Why the agreement in force makes this nurture lead ready now ('' if it does not)."""
    if agreement is None or lead.status != Lead.Status.NURTURE:
        return ""
    if hand_raiser and agreement.hand_raiser_ready:
        return "hand_raiser"
    if lead.score >= agreement.score_threshold:
        return "score"
    return ""


# --- Batch roll-up --------------------------------------------------------------------------
# Appended for the CSV import (apps.imports): roll_up_account for many accounts at once, and
# the many-row UPDATE it (and the import) write with. Imports here for the reason above.
from collections import defaultdict  # noqa: E402
from collections.abc import Iterable, Sequence  # noqa: E402

from django.db import connection, models  # noqa: E402

ROLL_UP_BATCH = 1000
_UPDATE_PARAMS = 30_000


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """Write `fields` of each object to its row, as Model.objects.bulk_update does (values as
    they are on the objects, no pre_save, no signals), without its CASE WHEN per row and field.

    PostgreSQL: one UPDATE ... FROM (VALUES ...) per batch (every value cast to its column's
    type). Other databases: one prepared UPDATE executed for each row (executemany).
    """
    if not objs:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)

    def values(obj: models.Model) -> list[object]:
        return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{qn(f.column)} = %s" for f in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {qn(pk.column)} = %s",  # noqa: S608 - names from the model
                [[*values(obj), pk.get_db_prep_save(obj.pk, connection)] for obj in objs],
            )
            return
        every = [pk, *columns]
        row_sql = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in every) + ")"
        names = ", ".join(qn(f.column) for f in every)
        assignments = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in columns)
        size = max(1, _UPDATE_PARAMS // len(every))
        for start in range(0, len(objs), size):
            batch = objs[start : start + size]
            params: list[object] = []
            for obj in batch:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(values(obj))
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from the model
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v ({names}) "
                f"WHERE t.{qn(pk.column)} = v.{qn(pk.column)}",
                params,
            )


def roll_up_accounts(
    *,
    account_ids: Iterable[int],
    agreement: QualificationAgreement | None,
    now: datetime | None = None,
) -> dict[int, Account]:
    """roll_up_account for many accounts: the same values written and returned (account id →
    account), with one GROUP BY for the engagement sums, one for the distinct buying roles
    engaged inside the window, one read of the accounts and one UPDATE per 1,000 accounts.
    """
    now = now or timezone.now()
    window = agreement.account_window_days if agreement else 30
    since = now - timedelta(days=window)
    ids = sorted(set(account_ids))
    done: dict[int, Account] = {}
    for start in range(0, len(ids), ROLL_UP_BATCH):
        part = ids[start : start + ROLL_UP_BATCH]
        totals = dict(
            Lead.objects.filter(account_id__in=part, is_archived=False)
            .order_by()
            .values("account_id")
            .annotate(s=Sum("engagement_score"))
            .values_list("account_id", "s")
        )
        roles: dict[int, set[str]] = defaultdict(set)
        for account_id, role in (
            Touchpoint.objects.filter(account_id__in=part, occurred_at__gte=since)
            .exclude(lead__buying_role=BuyingRole.UNKNOWN)
            .order_by()
            .values_list("account_id", "lead__buying_role")
            .distinct()
        ):
            roles[account_id].add(role)
        accounts = Account.objects.in_bulk(part)
        kept: list[Account] = []
        ended: list[Account] = []
        for account_id in part:
            account = accounts.get(account_id)
            if account is None:
                raise Account.DoesNotExist(f"Account matching id {account_id} does not exist.")
            account.engagement_score = round(totals.get(account_id) or 0.0, 2)
            account.buying_roles_engaged = sorted(roles.get(account_id, ()))
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
