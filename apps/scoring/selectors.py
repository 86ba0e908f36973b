"""Reads of the qualification agreement for its page: the version in force with every rule in
words, the drafts awaiting signatures, and the history of signed versions with what changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from apps.scoring.models import QualificationAgreement


def _number(value: object) -> str:
    return str(value)


def _yes_no(value: object) -> str:
    return "Yes" if value else "No"


def _days(value: object) -> str:
    return f"{value} day{'' if value == 1 else 's'}"


def _hours(value: object) -> str:
    return f"{value} hour{'' if value == 1 else 's'}"


@dataclass(frozen=True)
class Term:
    """One field of the agreement: its name on the page and how its value reads."""

    field: str
    label: str
    show: Callable[[object], str]
    group: str


READINESS, ACCOUNT, THROTTLE = "readiness", "account", "throttle"
# Every rule of the agreement, in the order the page shows them and a diff lists them.
TERMS: tuple[Term, ...] = (
    Term("score_threshold", "Score threshold", _number, READINESS),
    Term("hand_raiser_ready", "Hand-raisers ready at once", _yes_no, READINESS),
    Term("engagement_half_life_days", "Engagement half-life", _days, READINESS),
    Term("account_min_roles", "Account rule K: buying roles", _number, ACCOUNT),
    Term("account_window_days", "Account rule D: window", _days, ACCOUNT),
    Term("account_score_threshold", "Account rule T: account score", _number, ACCOUNT),
    Term("hold_when_full", "Hold when the pool is full", _yes_no, THROTTLE),
    Term("hold_ceiling", "Hold ceiling per pool", _number, THROTTLE),
    Term("hold_expiry_hours", "Hold expiry", _hours, THROTTLE),
    Term("recycle_when_full", "Recycle when full", _yes_no, THROTTLE),
)


@dataclass(frozen=True)
class Change:
    """One rule that differs from the version before: "Score threshold: 60 → 65"."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


@dataclass(frozen=True)
class Rule:
    """One rule of a version as the page shows it."""

    label: str
    value: str


@dataclass(frozen=True)
class RuleGroup:
    """A group of rules (who is ready, the account rule, the throttle) and what it means."""

    key: str
    title: str
    rules: list[Rule]
    words: list[str]


GROUP_TITLES = {
    READINESS: "Who is ready",
    ACCOUNT: "Account rule: K buying roles within D days, account score at least T",
    THROTTLE: "Throttle: hold leads while their pool is full",
}


def _words(a: QualificationAgreement) -> dict[str, list[str]]:
    """Each group of rules of `a` in sentences a marketer or a rep reads without the admin."""
    readiness = [
        f"A lead is ready when its fit + engagement score reaches {a.score_threshold}.",
        "A demo or contact-sales request makes a lead ready at once."
        if a.hand_raiser_ready
        else "A hand-raiser is ready only on score, like any other lead.",
        f"Engagement points halve every {_days(a.engagement_half_life_days)}.",
    ]
    account = [
        f"An account is ready when at least {a.account_min_roles} distinct buying roles "
        f"engaged within {_days(a.account_window_days)} and its account score is at least "
        f"{a.account_score_threshold}: its best contact goes to the account owner."
    ]
    if not a.hold_when_full:
        throttle = [
            "Off: a lead ready on score is routed even when every rep of its pool is at "
            "capacity (to the team pool); the ceiling, expiry and recycling apply only when on."
        ]
    else:
        throttle = [
            "A lead ready on score waits in the held queue, best score first, while every rep "
            "of its pool is at capacity; hand-raisers never wait.",
            f"At most {a.hold_ceiling} leads wait per pool; a lead held longer than "
            f"{_hours(a.hold_expiry_hours)} goes back to nurture.",
            "At the ceiling, the bottom of the held queue goes back to nurture to make room for "
            "a better lead."
            if a.recycle_when_full
            else "At the ceiling, a further lead goes to the team pool instead.",
        ]
    return {READINESS: readiness, ACCOUNT: account, THROTTLE: throttle}


def rules_of(agreement: QualificationAgreement) -> list[RuleGroup]:
    """The version's rules by group, each value as it reads and each group in words."""
    words = _words(agreement)
    return [
        RuleGroup(
            key,
            title,
            [
                Rule(term.label, term.show(getattr(agreement, term.field)))
                for term in TERMS
                if term.group == key
            ],
            words[key],
        )
        for key, title in GROUP_TITLES.items()
    ]


def changes_between(
    before: QualificationAgreement | None, after: QualificationAgreement
) -> list[Change]:
    """The rules `after` changes from `before`, field by field, in the page's order."""
    if before is None:
        return []
    return [
        Change(
            term.label,
            term.show(getattr(before, term.field)),
            term.show(getattr(after, term.field)),
        )
        for term in TERMS
        if getattr(before, term.field) != getattr(after, term.field)
    ]


@dataclass(frozen=True)
class Version:
    """One version as the page shows it."""

    agreement: QualificationAgreement
    status: str  # in_force, scheduled, superseded (signed); awaiting, outdated (drafts)
    status_label: str
    compared_with: QualificationAgreement | None
    changes: list[Change]
    rules: list[RuleGroup] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """A prefix for the ids of this version's elements on the page."""
        return f"v{self.agreement.version}"

    @property
    def came_into_force(self) -> datetime | None:
        """When a signed version took effect: its effective date, or the second signature if
        that came later (versions signed in the admin may predate their signatures)."""
        a = self.agreement
        if a.marketing_signed_at is None or a.sales_signed_at is None:
            return None
        return max(a.effective_from, a.marketing_signed_at, a.sales_signed_at)

    @property
    def awaiting(self) -> list[str]:
        """The sides that have not signed yet ("marketing", "sales")."""
        a = self.agreement
        sides = [("marketing", a.marketing_signed_at), ("sales", a.sales_signed_at)]
        return [side for side, signed_at in sides if signed_at is None]


@dataclass(frozen=True)
class AgreementPage:
    in_force: Version | None
    drafts: list[Version]
    history: list[Version]
    now: datetime

    def has_draft(self, version: int | None) -> bool:
        """Whether `version` is a draft shown on the page (a refusal is shown on it)."""
        return any(draft.agreement.version == version for draft in self.drafts)

    @property
    def is_empty(self) -> bool:
        return self.in_force is None and not self.drafts and not self.history


def agreement_page(*, now: datetime | None = None) -> AgreementPage:
    """Every version, read in two queries whatever their number: the version in force (the
    queryset's one definition) and all versions with their signers."""
    now = now or timezone.now()
    in_force = QualificationAgreement.objects.in_force(now)
    versions = list(
        QualificationAgreement.objects.select_related("marketing_signer", "sales_signer").order_by(
            "-version"
        )
    )
    signed = [a for a in versions if a.is_signed]
    newest_signed = signed[0].version if signed else 0
    in_force_pk = in_force.pk if in_force else None
    history: list[Version] = []
    for index, agreement in enumerate(signed):
        previous = signed[index + 1] if index + 1 < len(signed) else None
        if agreement.pk == in_force_pk:
            status, label = "in_force", "In force"
        elif agreement.effective_from > now:
            status, label = "scheduled", "Scheduled"
        else:
            status, label = "superseded", "Superseded"
        history.append(
            Version(agreement, status, label, previous, changes_between(previous, agreement))
        )
    current = next((v for v in history if v.status == "in_force"), None)
    baseline = in_force or (signed[0] if signed else None)
    drafts = [
        Version(
            agreement,
            "outdated" if agreement.version < newest_signed else "awaiting",
            "Superseded draft" if agreement.version < newest_signed else "Awaiting signatures",
            baseline,
            changes_between(baseline, agreement),
            rules_of(agreement),
        )
        for agreement in versions
        if not agreement.is_signed
    ]
    if current is not None:
        current = Version(
            current.agreement,
            current.status,
            current.status_label,
            current.compared_with,
            current.changes,
            rules_of(current.agreement),
        )
    return AgreementPage(in_force=current, drafts=drafts, history=history, now=now)
