"""How each play performs: for the leads it was handed with in a quarter, contact rate, SLA
met, ready → opportunity and win rate, computed with GROUP BY play in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q

from apps.core.models import Quarter
from apps.core.quarters import quarter_window
from apps.goals.metrics.base import percent
from apps.leads.models import Lead
from apps.opportunities.models import Opportunity
from apps.plays.models import LeadPlay, Play


@dataclass
class PlayPerformance:
    """One play's figures for the leads it was attached to (handed) in the quarter."""

    play_id: int | None
    handed: int = 0
    contacted: int = 0
    sla_met: int = 0
    sla_settled: int = 0
    with_opportunity: int = 0
    won: int = 0
    lost: int = 0
    name: str = ""
    is_active: bool = True

    @property
    def contact_rate(self) -> Decimal | None:
        """% of handed leads with at least one attempt."""
        return percent(self.contacted, self.handed)

    @property
    def sla_rate(self) -> Decimal | None:
        """% of settled SLA clocks that were met."""
        return percent(self.sla_met, self.sla_settled)

    @property
    def opportunity_rate(self) -> Decimal | None:
        """% of handed leads that are the primary lead of an opportunity."""
        return percent(self.with_opportunity, self.handed)

    @property
    def win_rate(self) -> Decimal | None:
        """won / (won + lost) of those leads' opportunities, in %."""
        return percent(self.won, self.won + self.lost)


@dataclass(frozen=True)
class PlayPerformanceTable:
    quarter: Quarter
    rows: list[PlayPerformance]
    total: PlayPerformance = field(default_factory=lambda: PlayPerformance(play_id=None))


def play_performance(*, quarter: Quarter) -> PlayPerformanceTable:
    """Per play, for the leads it was attached to inside the quarter: leads handed, contact
    rate, SLA met, ready → opportunity and win rate. Two GROUP BY play queries and one for the
    play names, whatever the number of leads."""
    start, end = quarter_window(quarter)
    in_quarter = Q(attached_at__gte=start, attached_at__lt=end)
    has_opportunity = Exists(Opportunity.objects.filter(primary_lead=OuterRef("lead_id")))
    settled = [Lead.SlaState.MET, Lead.SlaState.BREACHED]

    handed = (
        LeadPlay.objects.filter(in_quarter)
        .order_by()
        .values("play_id")
        .annotate(
            handed=Count("pk"),
            contacted=Count("pk", filter=Q(lead__attempt_count__gt=0)),
            sla_met=Count("pk", filter=Q(lead__sla_state=Lead.SlaState.MET)),
            sla_settled=Count("pk", filter=Q(lead__sla_state__in=settled)),
            with_opportunity=Count("pk", filter=Q(has_opportunity)),
        )
    )
    rows = {r["play_id"]: PlayPerformance(**r) for r in handed}
    outcomes = (
        Opportunity.objects.filter(
            primary_lead__lead_play__attached_at__gte=start,
            primary_lead__lead_play__attached_at__lt=end,
        )
        .order_by()
        .values(play_id=F("primary_lead__lead_play__play_id"))
        .annotate(
            won=Count("pk", filter=Q(stage=Opportunity.Stage.WON)),
            lost=Count("pk", filter=Q(stage=Opportunity.Stage.LOST)),
        )
    )
    for outcome in outcomes:
        row = rows.get(outcome["play_id"])
        if row is not None:
            row.won, row.lost = outcome["won"], outcome["lost"]
    for play_id, name, is_active in Play.objects.filter(pk__in=rows).values_list(
        "pk", "name", "is_active"
    ):
        rows[play_id].name, rows[play_id].is_active = name, is_active
    ordered = sorted(rows.values(), key=lambda r: (-r.handed, r.name))
    total = PlayPerformance(play_id=None, name="All plays")
    for row in ordered:
        for attr in (
            "handed",
            "contacted",
            "sla_met",
            "sla_settled",
            "with_opportunity",
            "won",
            "lost",
        ):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
    return PlayPerformanceTable(quarter=quarter, rows=ordered, total=total)
