"""Reads of plays: the plays with a summary of their criteria, and one play with its steps.
(How each play performs is a metric: apps.goals.metrics.plays.)"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from apps.core.memo import Memo
from apps.leads.models import BuyingRole, Lead
from apps.plays.models import Play, PlayStep

PLAY_LIMIT = 200
ROLE_LABELS: dict[str, str] = dict(BuyingRole.choices)
SOURCE_LABELS: dict[str, str] = dict(Lead.Source.choices)
TIER_LABELS = {"target": "Target accounts", "standard": "Standard accounts"}


def _load_active_plays() -> tuple[Play, ...]:
    return tuple(Play.objects.filter(is_active=True).order_by("-priority", "name", "pk"))


_active_plays = Memo("plays:active", _load_active_plays, models=(Play,))


def active_plays() -> tuple[Play, ...]:
    """The plays a rep may switch to, highest priority first: read once per process while
    nobody changes a play (every lead page offers them)."""
    return _active_plays.get()


@dataclass(frozen=True)
class PlayRow:
    play: Play
    step_count: int
    criteria: list[str]


def criteria_summary(play: Play) -> list[str]:
    """The play's match criteria in words; needs match_assets and match_campaigns prefetched."""
    parts: list[str] = []
    assets = [a.name for a in play.match_assets.all()]
    campaigns = [c.name for c in play.match_campaigns.all()]
    if assets:
        parts.append("Touched " + ", ".join(assets))
    if campaigns:
        parts.append("Campaign " + ", ".join(campaigns))
    if play.min_score is not None:
        parts.append(f"Score ≥ {play.min_score}")
    if play.account_tier:
        parts.append(TIER_LABELS.get(play.account_tier, play.account_tier))
    if play.buying_role:
        parts.append(ROLE_LABELS.get(play.buying_role, play.buying_role))
    if play.source:
        parts.append("Source: " + SOURCE_LABELS.get(play.source, play.source))
    return parts


def play_list() -> list[PlayRow]:
    """Every play, active ones first, by priority; three queries however many plays."""
    plays = (
        Play.objects.annotate(step_count=Count("steps"))
        .prefetch_related("match_assets", "match_campaigns")
        .order_by("-is_active", "-priority", "name", "pk")[:PLAY_LIMIT]
    )
    return [PlayRow(play=p, step_count=p.step_count, criteria=criteria_summary(p)) for p in plays]


def play_for(*, play_id: int) -> Play:
    """One play with its criteria and ordered steps, or 404."""
    return get_object_or_404(
        Play.objects.prefetch_related(
            "match_assets",
            "match_campaigns",
            Prefetch("steps", queryset=PlayStep.objects.order_by("order")),
        ),
        pk=play_id,
    )
