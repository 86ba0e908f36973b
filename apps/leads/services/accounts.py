"""Account-level readiness: when the buying group as a whole is engaged, hand its best contact
to sales once per readiness episode."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from apps.accounts.models import Account
from apps.leads.models import Lead, Touchpoint
from apps.leads.services.work import mark_ready
from apps.scoring.models import BuyingRole, QualificationAgreement
from apps.scoring.services import account_meets_rule

ROLE_RANK = Case(
    When(buying_role=BuyingRole.DECISION_MAKER, then=Value(0)),
    When(buying_role=BuyingRole.CHAMPION, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def best_contact_id(*, account_id: int) -> int | None:
    """The account's nurture lead to hand over: decision maker over champion over others, then score."""
    return (
        Lead.objects.filter(account_id=account_id, status=Lead.Status.NURTURE, is_archived=False)
        .annotate(role_rank=ROLE_RANK)
        .order_by("role_rank", "-score", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def engaged_people(*, account_id: int, since: datetime) -> list[dict[str, object]]:
    """Who engaged inside the window, where (asset or kind) and when: shown to the rep."""
    rows = (
        Touchpoint.objects.filter(account_id=account_id, occurred_at__gte=since)
        .select_related("lead", "asset")
        .order_by("-occurred_at")[:50]
    )
    return [
        {
            "lead_id": t.lead_id,
            "name": t.lead.display_name,
            "role": t.lead.buying_role,
            "what": t.asset.name if t.asset else t.get_kind_display(),
            "at": t.occurred_at.isoformat(),
        }
        for t in rows
    ]


@transaction.atomic(durable=True)
def qualify_account(*, account_id: int, now: datetime | None = None) -> Lead | None:
    """If the account meets the agreement's account rule and is not ready yet, mark it ready and
    make its best contact ready (routed to the account owner with the account play). Safe to repeat.

    Lock order: the candidate lead first, then the account (as intake does: lead, then account).
    """
    now = now or timezone.now()
    agreement = QualificationAgreement.objects.in_force(now)
    if agreement is None:
        return None
    candidate = best_contact_id(account_id=account_id)
    lead = Lead.objects.select_for_update().get(pk=candidate) if candidate else None
    account = Account.objects.select_for_update().get(pk=account_id)
    if account.is_conversation_ready or not account_meets_rule(
        account=account, agreement=agreement
    ):
        return None
    Account.objects.filter(pk=account.pk).update(
        is_conversation_ready=True, ready_since=now, updated_at=now
    )
    if lead is None or lead.status != Lead.Status.NURTURE:
        return None
    since = now - timedelta(days=agreement.account_window_days)
    mark_ready(
        lead=lead,
        agreement=agreement,
        reason="account",
        actor=None,
        now=now,
        details={
            "account_id": account.pk,
            "roles_engaged": account.buying_roles_engaged,
            "account_score": account.engagement_score,
            "engaged": engaged_people(account_id=account.pk, since=since),
        },
    )
    return lead
