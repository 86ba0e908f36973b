"""Intake: one lead per normalised email, a touchpoint per submission, then match, score,
qualify, and (after commit) route."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.services import match_account
from apps.campaigns.models import Asset, Campaign
from apps.core.prepared import prepared_statements
from apps.core.statements import InsertInto, RowBy
from apps.intake.services.idempotency import Claim, complete_idempotency
from apps.leads import engagement, events, facts
from apps.leads.models import BuyingRole, Lead, Touchpoint, normalise_email
from apps.meetings import links
from apps.opportunities import attribution
from apps.scoring import services as scoring
from apps.scoring.rulebook import Rulebook, rulebook
from apps.users.models import User

# a lead that can still book: ready (routing names its rep) or being worked
OPEN_BOOKING_STATUSES = (Lead.Status.READY, Lead.Status.WORKING)
FILLABLE = ("first_name", "last_name", "title", "phone", "country", "company_name")


@dataclass(frozen=True)
class IntakeData:
    email: str
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    phone: str = ""
    company_name: str = ""
    country: str = ""
    source: str = Lead.Source.API
    campaign: Campaign | None = None
    asset: Asset | None = None
    kind: str = Touchpoint.Kind.FORM_SUBMIT
    occurred_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class IntakeResult:
    lead: Lead
    created: bool
    touchpoint: Touchpoint
    became_ready: bool
    booking_url: str | None = None  # a hand-raise on a form that offers booking

    @property
    def status_code(self) -> int:
        return 201 if self.created else 200

    def body(self) -> dict[str, Any]:
        body = {
            "lead_id": self.lead.pk,
            "created": self.created,
            "status": self.lead.status,
            "score": self.lead.score,
            "account_id": self.lead.account_id,
            "touchpoint_id": self.touchpoint.pk,
        }
        if self.booking_url:
            body["booking_url"] = self.booking_url
        return body


# the known lead, locked: every intake asks (its stored email is normalised, so unique)
_LEAD_BY_EMAIL = RowBy(Lead, "email", lock=True)
_INSERT_LEAD = InsertInto(Lead)
_INSERT_TOUCHPOINT = InsertInto(Touchpoint)


class _LostRace(IntegrityError):
    """A concurrent intake inserted this email between our read and our INSERT."""


def _get_or_create_lead(
    *, email: str, data: IntakeData, now: datetime, book: Rulebook
) -> tuple[Lead, bool]:
    """The known lead, locked; or a new one, inserted. No savepoint around the INSERT (two
    statements every new lead would pay): if a concurrent intake won the unique index, the
    whole transaction is rolled back and intake_lead() runs again, finding that lead."""
    existing = _LEAD_BY_EMAIL.get(email)
    if existing is not None:
        return existing, False
    lead = _new_lead(email=email, data=data, now=now, book=book)
    try:
        _INSERT_LEAD.save([lead])
    except IntegrityError as error:
        raise _LostRace(*error.args) from error
    return lead, True


def _new_lead(*, email: str, data: IntakeData, now: datetime, book: Rulebook) -> Lead:
    """A new lead with its account, buying role and scores settled before its one INSERT: what
    rescore_lead would compute, since its only touch is the one this intake writes."""
    occurred_at = data.occurred_at or now
    lead = Lead(
        email=email,
        first_name=data.first_name,
        last_name=data.last_name,
        title=data.title,
        phone=data.phone,
        country=data.country.upper(),
        company_name=data.company_name,
        source=data.source,
        campaign=data.campaign or (data.asset.campaign if data.asset else None),
        last_touch_at=occurred_at,
        account=match_account(email=email, company_name=data.company_name, country=data.country),
    )
    if lead.title:
        lead.buying_role = scoring.infer_buying_role(lead.title, book.role_rules)
    scoring.score_first_touch(
        lead=lead,
        kind=data.kind,
        asset_weight=data.asset.engagement_weight if data.asset else None,
        occurred_at=occurred_at,
        agreement=book.agreement_at(now),
        now=now,
        rules=book.scoring_rules,
    )
    return lead


def _fill_blanks(lead: Lead, data: IntakeData) -> list[str]:
    """Known lead: fill empty fields from the new submission, never overwrite with blanks."""
    changed = []
    for name in FILLABLE:
        value = getattr(data, name).strip()
        if name == "country":
            value = value.upper()
        if value and not getattr(lead, name):
            setattr(lead, name, value)
            changed.append(name)
    return changed


def intake_lead(
    *,
    data: IntakeData,
    actor: User | None = None,
    idempotency: Claim | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Create the lead or add a touchpoint to the known one; score and qualify it. Safe to repeat
    with an Idempotency-Key (the response is stored in this same transaction)."""
    now = now or timezone.now()
    with prepared_statements():  # the same dozen statements on every lead
        try:
            return _take_in(data=data, actor=actor, idempotency=idempotency, now=now)
        except _LostRace:
            # rolled back whole: the second time the email is a known lead, read and locked
            return _take_in(data=data, actor=actor, idempotency=idempotency, now=now)


@transaction.atomic(durable=True)
def _take_in(
    *, data: IntakeData, actor: User | None, idempotency: Claim | None, now: datetime
) -> IntakeResult:
    email = normalise_email(data.email)
    book = rulebook()  # the rules read (or their stamp checked) once for the whole intake
    agreement = book.agreement_at(now)
    lead, created = _get_or_create_lead(email=email, data=data, now=now, book=book)
    changed = [] if created else _fill_blanks(lead, data)
    if lead.account_id is None and not created:
        lead.account = match_account(
            email=email, company_name=data.company_name, country=data.country
        )
        if lead.account is not None:
            changed.append("account")
    tally = engagement.Tally()  # the account's weekly touches, by role and asset
    if (
        not created
        and not lead.buying_role_set_by_hand
        and lead.buying_role == BuyingRole.UNKNOWN
        and lead.title
    ):
        role = scoring.infer_buying_role(lead.title, book.role_rules)
        if role != lead.buying_role:
            tally.role_changes([(lead.pk, lead.buying_role, role)])
            lead.buying_role = role
            changed.append("buying_role")
    occurred_at = data.occurred_at or now
    if lead.last_touch_at is None or occurred_at > lead.last_touch_at:
        lead.last_touch_at = occurred_at
        changed.append("last_touch_at")
    if changed:
        lead.save(update_fields=[*set(changed), "updated_at"])
        if "account" in changed:
            facts.accounts_changed([lead.pk])
    touchpoint = Touchpoint(
        lead=lead,
        account=lead.account,
        kind=data.kind,
        asset=data.asset,
        campaign=data.campaign or (data.asset.campaign if data.asset else None),
        occurred_at=occurred_at,
        metadata=data.metadata,
    )
    _INSERT_TOUCHPOINT.save([touchpoint])
    tally.touches([(lead.account_id, occurred_at, lead.buying_role, touchpoint.asset_id)])
    tally.write()
    if touchpoint.campaign_id is not None:
        # an older campaign touch may change how deals already won are credited
        attribution.touch_arrived(
            account_id=lead.account_id, lead_id=lead.pk, occurred_at=occurred_at
        )
    asset_slug = data.asset.slug if data.asset else ""
    if created:  # scored before its INSERT: its first band is the one it has
        events.new_lead_events(
            lead=lead,
            actor=actor,
            reason=f"intake via {data.source}",
            at=now,
            touchpoint_id=touchpoint.pk,
            campaign_id=touchpoint.campaign_id,
            kind=data.kind,
            asset=asset_slug,
            band=scoring.score_band(lead.score),
        )
    else:
        events.touchpoint_added_event(
            lead=lead,
            touchpoint_id=touchpoint.pk,
            campaign_id=touchpoint.campaign_id,
            kind=data.kind,
            asset=asset_slug,
            actor=actor,
        )
        change = scoring.rescore_lead(lead=lead, agreement=agreement, now=now)
        if change.band_changed:
            events.score_band_changed_event(
                lead=lead,
                old_band=scoring.score_band(change.old_score),
                new_band=scoring.score_band(change.new_score),
                old_score=change.old_score,
                new_score=change.new_score,
            )
    reason = scoring.ready_reason(
        lead=lead, agreement=agreement, hand_raiser=bool(data.asset and data.asset.hand_raiser)
    )
    became_ready = False
    if reason and agreement is not None:
        scoring.mark_ready(lead=lead, agreement=agreement, reason=reason, actor=actor, now=now)
        became_ready = lead.status == Lead.Status.READY  # else held: its pool is full
    if lead.account_id:
        # settled by the worker within seconds (the touches at one account in between cost
        # one roll-up), which also qualifies the account when it now meets the account rule
        scoring.owe_roll_up(account_id=lead.account_id, handed_off=became_ready, at=now)
    booking = data.asset is not None and data.asset.offers_booking and data.asset.hand_raiser
    result = IntakeResult(
        lead=lead,
        created=created,
        touchpoint=touchpoint,
        became_ready=became_ready,
        booking_url=links.booking_url(
            links.booking_token(lead_id=lead.pk, asset_id=data.asset.pk, raised_at=now)
        )
        if booking and data.asset is not None and lead.status in OPEN_BOOKING_STATUSES
        else None,
    )
    if idempotency is not None:
        complete_idempotency(claim=idempotency, status_code=result.status_code, body=result.body())
    return result
