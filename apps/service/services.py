"""Service use cases: account health, the renewal a won deal opens, closing renewals,
voice-of-customer notes, hand to sales.

Lock order: a renewal row, then its account row. Only churn locks the account, so that two
renewals of one account churned at once see each other's outcome before deciding whether the
account has churned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Account
from apps.accounts.services import email_domain
from apps.core.errors import InvalidTransition, NotAllowed
from apps.core.quarters import add_months
from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead, Touchpoint, normalise_email
from apps.opportunities.models import Opportunity
from apps.scoring.models import QualificationAgreement
from apps.scoring.services import mark_ready
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote
from apps.users.models import Role, User
from apps.users.roles import has_role

EDIT_ROLES = (Role.SERVICE, Role.REVOPS)
HEALTH_VALUES = ("green", "yellow", "red")
MAX_AMOUNT = Decimal("999999999999.99")
NOTE_MAX = 2000
QUOTE_MAX = 5000
CONTEXT_MAX = 200
TAG_MAX = 40
TAGS_MAX = 12
HANDOFF_REASON = Lead.ReadyReason.SERVICE_HANDOFF


RECONCILE_WINDOW = timedelta(days=7)  # wins a lost task may have left without a renewal


@transaction.atomic
def open_renewal_for_win(*, opportunity_id: int) -> Renewal | None:
    """The renewal a won deal opens: due `term_months` after the win (the win's UTC date; a
    shorter month ends on its last day), for the deal's amount as its annual recurring revenue.
    One per deal, however often it is asked (the renewal is keyed by the deal, under its row
    lock); None for a deal that is not won."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    if opportunity.stage != Opportunity.Stage.WON or opportunity.closed_at is None:
        return None
    existing = Renewal.objects.filter(source_opportunity=opportunity).first()
    if existing is not None:
        return existing
    won_on = opportunity.closed_at.astimezone(UTC).date()
    return Renewal.objects.create(
        account_id=opportunity.account_id,
        source_opportunity=opportunity,
        due_on=add_months(won_on, opportunity.term_months),
        amount=opportunity.amount,
    )


def open_missing_renewals(*, now: datetime | None = None) -> int:
    """Open the renewal of every deal won in the last RECONCILE_WINDOW that has none (the task
    a win enqueues was lost with its worker or broker). Returns how many were opened."""
    since = (now or timezone.now()) - RECONCILE_WINDOW
    missing = Opportunity.objects.filter(
        stage=Opportunity.Stage.WON, closed_at__gte=since, renewal__isnull=True
    ).values_list("pk", flat=True)
    opened = 0
    for opportunity_id in list(missing):
        opened += open_renewal_for_win(opportunity_id=opportunity_id) is not None
    return opened


def _require_editor(actor: User) -> None:
    if not has_role(actor, *EDIT_ROLES):
        raise NotAllowed("Only Service and RevOps can change renewals, health and voice notes.")


def _clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidTransition("This field contains characters we cannot store.", field=field)
    if required and not value:
        raise InvalidTransition("This field is required.", field=field)
    if len(value) > max_length:
        raise InvalidTransition(f"Keep this under {max_length} characters.", field=field)
    return value


def _amount(value: object, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidTransition("Enter the amount as a number.", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidTransition("The amount must be between 0 and 999,999,999,999.", field=field)
    return amount.quantize(Decimal("0.01"))


def _locked_pending_renewal(renewal_id: int) -> Renewal:
    renewal = Renewal.objects.select_for_update().filter(pk=renewal_id).first()
    if renewal is None:
        raise Http404("That renewal does not exist.")
    if renewal.outcome != Renewal.Outcome.PENDING:
        raise InvalidTransition(
            f"This renewal is already {renewal.get_outcome_display().lower()}.", field="outcome"
        )
    return renewal


# --- Health ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def set_account_health(*, account_id: int, actor: User, health: str, note: str = "") -> HealthCheck:
    """Set the account's health and keep the old value in the history."""
    _require_editor(actor)
    if health not in HEALTH_VALUES:
        raise InvalidTransition("Choose green, yellow or red.", field="health")
    note = _clean_text(note, field="note", max_length=NOTE_MAX)
    account = Account.objects.select_for_update().filter(pk=account_id, is_archived=False).first()
    if account is None:
        raise Http404("That account does not exist.")
    now = timezone.now()
    check = HealthCheck.objects.create(
        account=account, health=health, note=note, set_by=actor, at=now
    )
    if account.health != health:
        account.health = health
        account.save(update_fields=["health", "updated_at"])
    return check


# --- Renewals -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def renew(*, renewal_id: int, actor: User, renewed_amount: object = None) -> Renewal:
    """Close a pending renewal as renewed, for `renewed_amount` (the amount due when omitted)."""
    _require_editor(actor)
    amount = (
        None
        if renewed_amount is None or str(renewed_amount).strip() == ""
        else _amount(renewed_amount, field="renewed_amount")
    )
    renewal = _locked_pending_renewal(renewal_id)
    renewal.outcome = Renewal.Outcome.RENEWED
    renewal.renewed_amount = renewal.amount if amount is None else amount
    renewal.closed_at = timezone.now()
    renewal.closed_by = actor
    renewal.save(
        update_fields=["outcome", "renewed_amount", "closed_at", "closed_by", "updated_at"]
    )
    return renewal


@transaction.atomic(durable=True)
def churn(*, renewal_id: int, actor: User, reason_id: int | None, note: str = "") -> Renewal:
    """Close a pending renewal as churned with a reason from the admin's active list.

    When the account has no other pending renewal, the account itself has churned.
    """
    _require_editor(actor)
    reason = (
        ChurnReason.objects.filter(pk=reason_id, is_active=True).first()
        if reason_id is not None
        else None
    )
    if reason is None:
        raise InvalidTransition("Choose a churn reason from the list.", field="reason")
    note = _clean_text(note, field="note", max_length=NOTE_MAX)
    renewal = _locked_pending_renewal(renewal_id)
    # Lock the account after the renewal (the module's lock order): a concurrent churn of the
    # account's other renewal waits here and then sees this one's outcome.
    account = Account.objects.select_for_update().get(pk=renewal.account_id)
    renewal.outcome = Renewal.Outcome.CHURNED
    renewal.churn_reason = reason
    renewal.churn_note = note
    renewal.renewed_amount = None
    renewal.closed_at = timezone.now()
    renewal.closed_by = actor
    renewal.save(
        update_fields=[
            "outcome",
            "churn_reason",
            "churn_note",
            "renewed_amount",
            "closed_at",
            "closed_by",
            "updated_at",
        ]
    )
    others_pending = (
        Renewal.objects.filter(account_id=account.pk, outcome=Renewal.Outcome.PENDING)
        .exclude(pk=renewal.pk)
        .exists()
    )
    if account.lifecycle == Account.Lifecycle.CUSTOMER and not others_pending:
        account.lifecycle = Account.Lifecycle.CHURNED
        account.save(update_fields=["lifecycle", "updated_at"])
    return renewal


# --- Voice of the customer ------------------------------------------------------------


def parse_tags(raw: str | list[str]) -> list[str]:
    """Comma-separated tags to a sorted list of distinct lower-case words."""
    parts = raw.split(",") if isinstance(raw, str) else raw
    tags = {" ".join(part.split()).lower() for part in parts if part and part.strip()}
    if any("\x00" in tag or '"' in tag or "\\" in tag for tag in tags):
        raise InvalidTransition("Tags are words separated by commas.", field="tags")
    if any(len(tag) > TAG_MAX for tag in tags):
        raise InvalidTransition(f"Keep each tag under {TAG_MAX} characters.", field="tags")
    if len(tags) > TAGS_MAX:
        raise InvalidTransition(f"Use at most {TAGS_MAX} tags.", field="tags")
    return sorted(tags)


@transaction.atomic(durable=True)
def add_voice_note(
    *, account_id: int, actor: User, quote: str, tags: str | list[str], context: str = ""
) -> VoiceNote:
    """Record a customer's own words, tagged, for marketing to search."""
    _require_editor(actor)
    quote = _clean_text(quote, field="quote", max_length=QUOTE_MAX, required=True)
    context = _clean_text(context, field="context", max_length=CONTEXT_MAX)
    tag_list = parse_tags(tags)
    account = Account.objects.filter(pk=account_id, is_archived=False).first()
    if account is None:
        raise InvalidTransition("Choose the customer who said it.", field="account")
    return VoiceNote.objects.create(
        account=account, author=actor, quote=quote, tags=tag_list, context=context
    )


# --- Hand to sales --------------------------------------------------------------------


class HandoffKind:
    EXPANSION = Lead.Source.EXPANSION
    REFERRAL = Lead.Source.REFERRAL
    choices = ((EXPANSION, "Expansion (more for this customer)"), (REFERRAL, "Referral"))


@dataclass(frozen=True)
class Handoff:
    lead: Lead
    created: bool


@transaction.atomic(durable=True)
def make_lead_ready(
    *, lead_id: int, agreement_id: int, actor: User, reason: str, now: datetime | None = None
) -> Lead:
    """Turn a nurture lead ready under the agreement (routing follows after commit).

    Safe to call twice: a lead that is no longer in nurture is returned as it is.
    """
    lead: Lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.status != Lead.Status.NURTURE:
        return lead
    agreement = QualificationAgreement.objects.get(pk=agreement_id)
    mark_ready(
        lead=lead, agreement=agreement, reason=reason, actor=actor, now=now or timezone.now()
    )
    return lead


def hand_to_sales(
    *,
    account_id: int,
    actor: User,
    kind: str,
    email: str,
    first_name: str,
    last_name: str = "",
    title: str = "",
    note: str = "",
) -> Handoff:
    """Create an expansion or referral lead as a hand-raiser, ready at once and routed to sales.

    Deliberately not atomic itself: intake and the ready transition are two durable services
    (neither may nest in the other). Intake commits the lead first; the second step makes it
    ready unless intake already did. A crash in between leaves a nurture lead that a repeat
    hand-off (same email) picks up and makes ready.
    """
    _require_editor(actor)
    if kind not in (HandoffKind.EXPANSION, HandoffKind.REFERRAL):
        raise InvalidTransition("Choose expansion or referral.", field="kind")
    email = normalise_email(_clean_text(email, field="email", max_length=254, required=True))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidTransition("Enter a valid email address.", field="email") from exc
    first_name = _clean_text(first_name, field="first_name", max_length=100, required=True)
    last_name = _clean_text(last_name, field="last_name", max_length=100)
    title = _clean_text(title, field="title", max_length=150)
    note = _clean_text(note, field="note", max_length=NOTE_MAX)
    account = Account.objects.filter(pk=account_id, is_archived=False).first()
    if account is None:
        raise Http404("That account does not exist.")
    if account.lifecycle != Account.Lifecycle.CUSTOMER:
        raise InvalidTransition("Only a customer account can hand a lead to sales.")
    if kind == HandoffKind.EXPANSION and email_domain(email) != account.domain:
        raise InvalidTransition(
            f"An expansion contact works at {account.name}: use an @{account.domain} address, "
            "or hand them over as a referral.",
            field="email",
        )
    now = timezone.now()
    agreement = QualificationAgreement.objects.in_force(now)
    if agreement is None:
        raise InvalidTransition(
            "No qualification agreement is in force, so the lead could not be made ready. "
            "Ask RevOps to have marketing and sales sign one; nothing was created."
        )
    existing = Lead.objects.filter(email=email).select_related("owner").first()
    if existing is not None and existing.status != Lead.Status.NURTURE:
        owner = f", owned by {existing.owner.display_name}" if existing.owner else ""
        raise InvalidTransition(
            f"{email} is already a lead with sales ({existing.get_status_display().lower()}{owner}).",
            field="email",
        )
    result = intake_lead(
        data=IntakeData(
            email=email,
            first_name=first_name,
            last_name=last_name,
            title=title,
            company_name=account.name if kind == HandoffKind.EXPANSION else "",
            source=kind,
            kind=Touchpoint.Kind.MEETING,
            occurred_at=now,
            metadata={
                "handoff": kind,
                "from_account_id": account.pk,
                "from_account": account.name,
                "handed_by": actor.get_username(),
                "note": note,
            },
        ),
        actor=actor,
        now=now,
    )
    lead: Lead = result.lead
    if not result.became_ready:
        lead = make_lead_ready(
            lead_id=lead.pk, agreement_id=agreement.pk, actor=actor, reason=HANDOFF_REASON, now=now
        )
    return Handoff(lead=lead, created=result.created)
