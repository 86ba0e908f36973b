"""Authoring plays (/marketing/plays/): criteria, ordered steps, one active default."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from apps.core.errors import DomainError, NotAllowed
from apps.leads.models import Channel, Lead
from apps.plays.models import Play, PlayStep
from apps.plays.services.work import MERGE_FIELDS, unknown_merge_fields
from apps.users.models import Role, User
from apps.users.roles import has_role

PLAY_EDITORS = (Role.MARKETING, Role.SALES_MANAGER, Role.REVOPS)


@dataclass(frozen=True)
class StepSpec:
    """One step as authored; `order` only sorts, the saved steps are numbered 1..n."""

    order: int
    channel: str
    due_offset_minutes: int
    title: str
    template: str = ""


@dataclass(frozen=True)
class PlaySpec:
    name: str
    steps: tuple[StepSpec, ...]
    talk_track: str = ""
    priority: int = 100
    is_default: bool = False
    is_account_play: bool = False
    is_active: bool = True
    min_score: int | None = None
    account_tier: str = ""
    buying_role: str = ""
    source: str = ""
    asset_ids: tuple[int, ...] = ()
    campaign_ids: tuple[int, ...] = ()


def validate_steps(steps: tuple[StepSpec, ...] | list[StepSpec]) -> list[StepSpec]:
    """The steps sorted by order; raises DomainError naming `steps` when they are not a
    sequence a rep can follow (none, a repeated order, a negative offset, due out of order)."""
    if not steps:
        raise DomainError("Add at least one step.", field="steps")
    orders = [s.order for s in steps]
    if len(set(orders)) != len(orders):
        raise DomainError("Two steps have the same order: give each its own place.", field="steps")
    ordered = sorted(steps, key=lambda s: s.order)
    for position, step in enumerate(ordered, start=1):
        if step.due_offset_minutes < 0:
            raise DomainError(f"Step {position} is due before assignment.", field="steps")
        if step.channel not in Channel.values:
            raise DomainError(f"Step {position} has an unknown channel.", field="steps")
        if not step.title.strip():
            raise DomainError(f"Step {position} needs a title.", field="steps")
        unknown = unknown_merge_fields(step.template)
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in MERGE_FIELDS)
            raise DomainError(
                f"Step {position} uses {', '.join(f'{{{u}}}' for u in unknown)}, which no lead can "
                f"fill. Use {known}.",
                field="steps",
            )
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.due_offset_minutes < earlier.due_offset_minutes:
            raise DomainError(
                "Steps must be due in their order: a later step cannot be due before an earlier one.",
                field="steps",
            )
    return ordered


def _check_spec(spec: PlaySpec) -> None:
    if not spec.name.strip():
        raise DomainError("Give the play a name.", field="name")
    if spec.source and spec.source not in Lead.Source.values:
        raise DomainError("Unknown lead source.", field="source")
    if spec.account_tier and spec.account_tier not in ("target", "standard"):
        raise DomainError("Unknown account tier.", field="account_tier")
    if spec.min_score is not None and spec.min_score < 0:
        raise DomainError("The minimum score cannot be negative.", field="min_score")


def _check_default(*, spec: PlaySpec, play_id: int | None) -> None:
    if not (spec.is_default and spec.is_active):
        return
    others = Play.objects.filter(is_default=True, is_active=True)
    if play_id is not None:
        others = others.exclude(pk=play_id)
    other = others.order_by("pk").first()
    if other is not None:
        raise DomainError(
            f"“{other.name}” is already the active default play: only one can be.",
            field="is_default",
        )


def _save(play: Play, spec: PlaySpec, steps: list[StepSpec]) -> None:
    play.name = spec.name.strip()[:150]
    play.talk_track = spec.talk_track
    play.priority = spec.priority
    play.is_default = spec.is_default
    play.is_account_play = spec.is_account_play
    play.is_active = spec.is_active
    play.min_score = spec.min_score
    play.account_tier = spec.account_tier
    play.buying_role = spec.buying_role
    play.source = spec.source
    try:
        with transaction.atomic():  # savepoint: a concurrent second default fails here alone
            play.save()
    except IntegrityError as exc:
        raise DomainError(
            "Another play became the active default meanwhile: only one can be.",
            field="is_default",
        ) from exc
    play.match_assets.set(spec.asset_ids)
    play.match_campaigns.set(spec.campaign_ids)
    PlayStep.objects.filter(play=play).delete()  # attached leads keep their own copies
    PlayStep.objects.bulk_create(
        PlayStep(
            play=play,
            order=position,
            channel=step.channel,
            due_offset_minutes=step.due_offset_minutes,
            title=step.title.strip()[:150],
            template=step.template,
        )
        for position, step in enumerate(steps, start=1)
    )


def _log(*, play: Play, actor: User, flag: int, message: str) -> None:
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(Play),
        object_id=str(play.pk),
        object_repr=str(play)[:200],
        action_flag=flag,
        change_message=message,
    )


@transaction.atomic(durable=True)
def create_play(*, actor: User, spec: PlaySpec) -> Play:
    """Author a play with its ordered steps and match criteria (Marketing, Sales manager, RevOps)."""
    if not has_role(actor, *PLAY_EDITORS):
        raise NotAllowed("Only Marketing, Sales managers and RevOps author plays.")
    _check_spec(spec)
    steps = validate_steps(spec.steps)
    _check_default(spec=spec, play_id=None)
    play = Play()
    _save(play, spec, steps)
    _log(play=play, actor=actor, flag=ADDITION, message=f"Created with {len(steps)} steps.")
    return play


@transaction.atomic(durable=True)
def update_play(*, play_id: int, actor: User, spec: PlaySpec) -> Play:
    """Replace the play's criteria and steps; leads it was attached to keep their due tasks."""
    if not has_role(actor, *PLAY_EDITORS):
        raise NotAllowed("Only Marketing, Sales managers and RevOps edit plays.")
    _check_spec(spec)
    steps = validate_steps(spec.steps)
    play = Play.objects.select_for_update().get(pk=play_id)
    _check_default(spec=spec, play_id=play.pk)
    _save(play, spec, steps)
    _log(play=play, actor=actor, flag=CHANGE, message=f"Edited; {len(steps)} steps.")
    return play


@transaction.atomic(durable=True)
def set_play_active(*, play_id: int, actor: User, active: bool) -> Play:
    """Deactivate a play (plays are never deleted: attached leads point at them) or bring it back."""
    if not has_role(actor, *PLAY_EDITORS):
        raise NotAllowed("Only Marketing, Sales managers and RevOps change plays.")
    play = Play.objects.select_for_update().get(pk=play_id)
    if play.is_active == active:
        return play
    if active and play.is_default:
        _check_default(spec=PlaySpec(name=play.name, steps=(), is_default=True), play_id=play.pk)
    play.is_active = active
    try:
        with transaction.atomic():
            play.save(update_fields=["is_active", "updated_at"])
    except IntegrityError as exc:
        raise DomainError(
            "Another play is the active default: only one can be.", field="is_default"
        ) from exc
    _log(play=play, actor=actor, flag=CHANGE, message="Activated." if active else "Deactivated.")
    return play
