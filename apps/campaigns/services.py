"""Writes of the marketing workspace: campaign briefs and their assets (Marketing, RevOps)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from apps.campaigns.models import Asset, Campaign
from apps.core.errors import InvalidTransition, NotAllowed
from apps.core.models import Quarter
from apps.users.models import Role, User
from apps.users.roles import has_role

CAMPAIGN_EDITORS = (Role.MARKETING, Role.REVOPS)


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign brief as marketing writes it."""

    name: str
    slug: str
    channel: str
    quarter: Quarter | None = None
    budget: Decimal = Decimal("0")
    actual_cost: Decimal = Decimal("0")
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
    """Replace a campaign's brief, budget, cost and dates (Marketing, RevOps)."""
    _require_editor(actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    changed = _changed(campaign, spec)
    for name, value in asdict(spec).items():
        setattr(campaign, name, value)
    _validated_save(campaign)
    _log(
        record=campaign,
        actor=actor,
        flag=CHANGE,
        message=f"Changed {', '.join(changed)}." if changed else "No changes.",
    )
    return campaign


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
