"""Signing the qualification agreement in the app: one Marketing user signs a draft for marketing,
one Sales manager for sales, and the version comes into force once both have signed.

RevOps drafts versions in the admin and signs for neither side; a plain Sales rep may not sign
for sales. Once both sides have signed, a version is frozen (leads record the version that made
them ready): it cannot be signed again and the admin makes its fields read-only.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from apps.core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.scoring.models import QualificationAgreement
from apps.users.models import Role, User
from apps.users.roles import has_role

AGREEMENT_PATH = "/agreement/"


class Side(models.TextChoices):
    """The two parties to the agreement."""

    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


# The one role that signs for each side (the admin also accepts a Sales rep as the sales
# signer; in the app a sales signature commits the team, so it takes a manager).
SIGNING_ROLE: dict[str, str] = {Side.MARKETING: Role.MARKETING, Side.SALES: Role.SALES_MANAGER}
SIGNER_WORDS: dict[str, str] = {Side.MARKETING: "a Marketing user", Side.SALES: "a Sales manager"}


def signing_sides(*, user: User) -> list[str]:
    """The sides `user`'s roles let them sign for (none for RevOps, Service or a Sales rep)."""
    return [side for side, role in SIGNING_ROLE.items() if has_role(user, role)]


def _other(side: str) -> str:
    return Side.SALES if side == Side.MARKETING else Side.MARKETING


def _check_signer(*, actor: User, side: str) -> None:
    if side not in Side.values:
        raise DomainError("Sign for marketing or for sales.", field="side")
    if has_role(actor, SIGNING_ROLE[side]):
        return
    if side == Side.SALES and has_role(actor, Role.SALES):
        raise NotAllowed("Only a Sales manager signs the agreement for sales; a sales rep may not.")
    if has_role(actor, Role.REVOPS):
        raise NotAllowed(
            f"RevOps drafts the agreement but does not sign it: {SIGNER_WORDS[side]} signs "
            f"for {side}."
        )
    raise NotAllowed(f"Only {SIGNER_WORDS[side]} signs the agreement for {side}.")


def _signed_by(agreement: QualificationAgreement, side: str) -> tuple[int | None, datetime | None]:
    if side == Side.MARKETING:
        return agreement.marketing_signer_id, agreement.marketing_signed_at
    return agreement.sales_signer_id, agreement.sales_signed_at


def _check_signable(*, agreement: QualificationAgreement, side: str, actor: User) -> None:
    """Refuse a frozen, superseded or already signed side, and one person signing both."""
    version = agreement.version
    if agreement.is_signed:
        raise InvalidTransition(
            f"Version {version} is signed by both sides already and is frozen; to change the "
            "agreement, RevOps drafts a new version.",
            field="version",
        )
    signer_id, signed_at = _signed_by(agreement, side)
    if signed_at is not None:
        raise Conflict(
            f"{Side(side).label} has signed version {version} already; it waits for "
            f"{_other(side)} to sign.",
            field="side",
        )
    other_signer_id, _ = _signed_by(agreement, _other(side))
    if other_signer_id == actor.pk:
        raise NotAllowed(
            f"You signed version {version} for {_other(side)}: someone else signs for {side}, "
            "so that both sides agree.",
            field="side",
        )
    newer = (
        QualificationAgreement.objects.signed()
        .filter(version__gt=version)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if newer is not None:
        raise InvalidTransition(
            f"Version {version} is older than version {newer}, which both sides signed: it can "
            "no longer be signed. RevOps drafts a new version instead.",
            field="version",
        )


def _recipients(*, side: str, actor: User) -> list[User]:
    """The users of `side` who sign for it (told that the other side signed)."""
    return list(
        User.objects.filter(groups__name=SIGNING_ROLE[side], is_active=True)
        .exclude(pk=actor.pk)
        .distinct()
        .order_by("pk")
    )


def _tell_other_side(
    *, agreement: QualificationAgreement, side: str, actor: User, now: datetime
) -> None:
    other = _other(side)
    version = agreement.version
    if agreement.is_signed:
        when = (
            "It is in force now."
            if agreement.effective_from <= now
            else f"It comes into force on {timezone.localtime(agreement.effective_from):%d %b %Y}."
        )
        title = f"Qualification agreement v{version} is signed by both sides"
        body = f"{actor.display_name} signed for {side}. {when} Read it at {AGREEMENT_PATH}."
    else:
        title = f"{Side(side).label} signed qualification agreement v{version}: {other} next"
        body = (
            f"{actor.display_name} signed for {side}. It comes into force once "
            f"{SIGNER_WORDS[other]} signs it at {AGREEMENT_PATH}."
        )
    recipients = _recipients(side=other, actor=actor)
    if recipients:
        notify(
            recipients=recipients,
            kind=Notification.Kind.AGREEMENT,
            title=title,
            body=body,
            team=SIGNING_ROLE[other],
        )


@transaction.atomic(durable=True)
def sign_agreement(*, version: int, side: str, actor: User) -> QualificationAgreement:
    """Sign draft `version` of the qualification agreement for `side` as `actor`, and tell the
    other side. Raises NotAllowed (wrong role, or the other side's signer), Conflict (that side
    signed already), InvalidTransition (signed by both, or superseded by a newer signed version)
    or DomainError (no such version); nothing is written on a refusal.

    The second signature brings the version into force. Its effective date is kept if it lies
    ahead (the version is then scheduled) and moved to the signing time if it has passed, so
    that `in_force(at)` never answers, for a moment before the signature, a version that was
    not signed yet, and a draft dated earlier than the version in force still supersedes it.
    """
    _check_signer(actor=actor, side=side)
    # Locked so that two people signing at once cannot both stamp the same side.
    agreement = QualificationAgreement.objects.select_for_update().filter(version=version).first()
    if agreement is None:
        raise DomainError(f"There is no agreement version {version}.", field="version")
    _check_signable(agreement=agreement, side=side, actor=actor)
    now = timezone.now()
    fields = [f"{side}_signer", f"{side}_signed_at"]
    setattr(agreement, f"{side}_signer", actor)
    setattr(agreement, f"{side}_signed_at", now)
    if agreement.is_signed and agreement.effective_from < now:
        agreement.effective_from = now
        fields.append("effective_from")
    agreement.save(update_fields=[*fields, "updated_at"])
    _tell_other_side(agreement=agreement, side=side, actor=actor, now=now)
    return agreement
