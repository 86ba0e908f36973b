"""Writes of the marketing workspace: campaign briefs, their spend and their assets
(Marketing, RevOps)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Min

from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.errors import DomainError, InvalidTransition, NotAllowed
from apps.core.models import Quarter
from apps.users.models import Role, User
from apps.users.roles import has_role

CAMPAIGN_EDITORS = (Role.MARKETING, Role.REVOPS)


class InvalidSpend(DomainError):
    """A spend entry that can never be right as given (a negative amount, a period outside the
    campaign): bad input, so a 400 naming the field, like a serializer's refusal."""

    status_code = 400  # type: ignore[assignment]  # DomainError's default is 422


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign brief as marketing writes it."""

    name: str
    slug: str
    channel: str
    quarter: Quarter | None = None
    budget: Decimal = Decimal("0")
    starts_on: date | None = None
    ends_on: date | None = None
    goal: str = ""
    message: str = ""
    call_to_action: str = ""
    sequence: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class AssetSpec:
    """An asset and what marketing meant by it."""

    name: str
    slug: str
    kind: str
    topic: str = ""
    url: str = ""
    intent_note: str = ""
    engagement_weight: int = 5
    hand_raiser: bool = False
    is_public_form: bool = False
    offers_booking: bool = False
    is_active: bool = True


def _require_editor(actor: User) -> None:
    if not has_role(actor, *CAMPAIGN_EDITORS):
        raise NotAllowed("Only Marketing and RevOps edit campaigns and assets.")


def _validated_save(record: models.Model) -> None:
    """full_clean then save; the first invalid field becomes a domain error naming it."""
    try:
        record.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidTransition(
            " ".join(messages), field=None if field == "__all__" else field
        ) from error
    record.save()


def _log(*, record: models.Model, actor: User, flag: int, message: str) -> None:
    """The admin history is the audit trail of configuration records."""
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        object_repr=str(record)[:200],
        action_flag=flag,
        change_message=message,
    )


def _changed(record: models.Model, spec: CampaignSpec | AssetSpec) -> list[str]:
    return [name for name, value in asdict(spec).items() if getattr(record, name) != value]


@transaction.atomic(durable=True)
def create_campaign(*, actor: User, spec: CampaignSpec) -> Campaign:
    """Create a campaign with its brief (Marketing, RevOps)."""
    _require_editor(actor)
    campaign = Campaign(**asdict(spec))
    _validated_save(campaign)
    _log(record=campaign, actor=actor, flag=ADDITION, message="Created.")
    return campaign


@transaction.atomic(durable=True)
def update_campaign(*, campaign_id: int, actor: User, spec: CampaignSpec) -> Campaign:
    """Replace a campaign's brief, budget and dates (Marketing, RevOps). Run dates must still
    hold the spend recorded for it."""
    _require_editor(actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    changed = _changed(campaign, spec)
    for name, value in asdict(spec).items():
        setattr(campaign, name, value)
    check_run_dates_hold_spend(campaign)
    _validated_save(campaign)
    _log(
        record=campaign,
        actor=actor,
        flag=CHANGE,
        message=f"Changed {', '.join(changed)}." if changed else "No changes.",
    )
    return campaign


# --- Spend -------------------------------------------------------------------------------


def spend_period(
    *, campaign: Campaign, amount: Decimal, starts_on: date | None, ends_on: date | None
) -> tuple[date, date]:
    """The period of a new spend entry, or InvalidSpend naming the field at fault.

    No date: the campaign's run dates (the entry is spread over the whole run), refused when
    the campaign has none. One date: that single day. The period may not end before it
    starts, nor reach outside the campaign's run dates where it has them. Shared by the
    service and the admin's form, so the rule has one implementation.
    """
    if amount < 0:
        raise InvalidSpend("Spend cannot be negative; record what was spent.", field="amount")
    given = [day for day in (starts_on, ends_on) if day is not None]
    if not given:
        if campaign.starts_on is None or campaign.ends_on is None:
            raise InvalidSpend(
                "This campaign has no run dates to spread the spend over: give the period "
                "the money was spent over.",
                field="starts_on",
            )
        return campaign.starts_on, campaign.ends_on
    first, last = starts_on or given[0], ends_on or given[0]
    # A single date is named as it was given.
    first_field = "starts_on" if starts_on is not None else "ends_on"
    last_field = "ends_on" if ends_on is not None else "starts_on"
    if last < first:
        raise InvalidSpend("The period cannot end before it starts.", field="ends_on")
    runs_from, runs_to = campaign.starts_on, campaign.ends_on
    if runs_from is not None and first < runs_from:
        raise InvalidSpend(
            f"The campaign starts on {runs_from:%d %b %Y}: spend cannot start before.",
            field=first_field,
        )
    if runs_to is not None and first > runs_to:
        raise InvalidSpend(
            f"The campaign ends on {runs_to:%d %b %Y}: spend cannot start after.",
            field=first_field,
        )
    if runs_to is not None and last > runs_to:
        raise InvalidSpend(
            f"The campaign ends on {runs_to:%d %b %Y}: spend cannot end after.", field=last_field
        )
    return first, last


def check_run_dates_hold_spend(campaign: Campaign) -> None:
    """Refuse run dates that would leave recorded spend outside the campaign (InvalidSpend
    naming the date). Caller holds the campaign's lock when it is about to save them."""
    if campaign.pk is None or (campaign.starts_on is None and campaign.ends_on is None):
        return
    bounds = CampaignSpend.objects.filter(campaign_id=campaign.pk).aggregate(
        first=Min("starts_on"), last=Max("ends_on")
    )
    first, last = bounds["first"], bounds["last"]
    if first is not None and campaign.starts_on is not None and campaign.starts_on > first:
        raise InvalidSpend(
            f"Spend is recorded from {first:%d %b %Y}: the campaign must start by then.",
            field="starts_on",
        )
    if last is not None and campaign.ends_on is not None and campaign.ends_on < last:
        raise InvalidSpend(
            f"Spend is recorded until {last:%d %b %Y}: the campaign must not end before.",
            field="ends_on",
        )


def _replaced_entry(*, campaign: Campaign, replaces_id: int) -> CampaignSpend:
    """The entry a correction replaces: one of this campaign's, not corrected already.
    Caller holds the campaign's lock, so two corrections of one entry cannot both pass."""
    replaced: CampaignSpend | None = CampaignSpend.objects.filter(
        pk=replaces_id, campaign_id=campaign.pk
    ).first()
    if replaced is None:
        raise InvalidSpend("Choose a spend entry of this campaign to correct.", field="replaces")
    if CampaignSpend.objects.filter(replaces_id=replaced.pk).exists():
        raise InvalidSpend(
            "That entry was corrected already; correct the entry that replaced it.",
            field="replaces",
        )
    return replaced


@transaction.atomic(durable=True)
def add_spend(
    *,
    campaign_id: int,
    amount: Decimal,
    starts_on: date | None = None,
    ends_on: date | None = None,
    note: str = "",
    replaces_id: int | None = None,
    actor: User,
) -> CampaignSpend:
    """Record money spent on a campaign over a period (Marketing, RevOps); without dates, spread
    over the campaign's run dates. With replaces_id it corrects that entry, which then no
    longer counts. Refusals name the field and write nothing."""
    _require_editor(actor)
    # Locked so the run dates cannot change between the check and the insert (update_campaign
    # takes the same lock), and so one entry is not corrected twice at once.
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise InvalidTransition("That campaign does not exist.", field="campaign")
    first, last = spend_period(
        campaign=campaign, amount=amount, starts_on=starts_on, ends_on=ends_on
    )
    replaced = (
        _replaced_entry(campaign=campaign, replaces_id=replaces_id)
        if replaces_id is not None
        else None
    )
    entry = CampaignSpend(
        campaign=campaign,
        starts_on=first,
        ends_on=last,
        amount=amount,
        note=note.strip(),
        replaces=replaced,
        created_by=actor,
    )
    _validated_save(entry)
    message = f"Corrected spend {replaced} to {entry}." if replaced else f"Added spend {entry}."
    _log(record=campaign, actor=actor, flag=CHANGE, message=message)
    return entry


# --- Assets ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_asset(*, campaign_id: int | None, actor: User, spec: AssetSpec) -> Asset:
    """Add an asset (to a campaign, or standalone when campaign_id is None)."""
    _require_editor(actor)
    if campaign_id is not None and not Campaign.objects.filter(pk=campaign_id).exists():
        raise InvalidTransition("That campaign does not exist.", field="campaign")
    asset = Asset(campaign_id=campaign_id, **asdict(spec))
    _validated_save(asset)
    _log(record=asset, actor=actor, flag=ADDITION, message="Created.")
    return asset


@transaction.atomic(durable=True)
def update_asset(*, asset_id: int, actor: User, spec: AssetSpec) -> Asset:
    """Replace an asset's intent note, weight, flags and details (Marketing, RevOps)."""
    _require_editor(actor)
    asset = Asset.objects.select_for_update().get(pk=asset_id)
    changed = _changed(asset, spec)
    for name, value in asdict(spec).items():
        setattr(asset, name, value)
    _validated_save(asset)
    _log(
        record=asset,
        actor=actor,
        flag=CHANGE,
        message=f"Changed {', '.join(changed)}." if changed else "No changes.",
    )
    return asset
