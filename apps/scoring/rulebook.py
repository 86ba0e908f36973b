"""The rules scoring applies, read once per process while nobody changes them (`core.memo`):
the active scoring rules, the buying-role keywords and the signed agreements. Every scorer that
is not handed its rules reads them here, so an intake reads none of them from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.core.memo import Memo
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule


@dataclass(frozen=True)
class Rulebook:
    scoring_rules: tuple[ScoringRule, ...]  # the active ones
    role_rules: tuple[BuyingRoleRule, ...]  # lowest order first
    agreements: tuple[QualificationAgreement, ...]  # the signed ones, as in_force() orders them

    def agreement_at(self, at: datetime | None = None) -> QualificationAgreement | None:
        """QualificationAgreement.objects.in_force(at), from the agreements already read."""
        at = at or timezone.now()
        return next((a for a in self.agreements if a.effective_from <= at), None)


def _load() -> Rulebook:
    return Rulebook(
        scoring_rules=tuple(ScoringRule.objects.filter(is_active=True)),
        role_rules=tuple(BuyingRoleRule.objects.order_by("order", "keyword")),
        agreements=tuple(
            QualificationAgreement.objects.signed().order_by("-effective_from", "-version")
        ),
    )


_memo = Memo(
    "scoring:rulebook", _load, models=(ScoringRule, BuyingRoleRule, QualificationAgreement)
)


def rulebook() -> Rulebook:
    return _memo.get()
