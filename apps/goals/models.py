from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import Quarter, TimeStampedModel


class Metric(models.TextChoices):
    SALES_READY_LEADS = "sales_ready_leads", "Sales-ready leads"
    SPEED_TO_LEAD_MEDIAN = "speed_to_lead_median", "Speed to lead, median (minutes)"
    SPEED_TO_LEAD_P90 = "speed_to_lead_p90", "Speed to lead, p90 (minutes)"
    SLA_COMPLIANCE = "sla_compliance", "SLA first-response compliance (%)"
    FOLLOW_UP_RATE = "follow_up_rate", "Follow-up rate (%)"
    ATTEMPTS_BEFORE_DQ = "attempts_before_dq", "Attempts before disqualification"
    DISQUALIFICATION_RATE = "disqualification_rate", "Disqualification rate (%)"
    READY_TO_OPPORTUNITY = "ready_to_opportunity", "Conversion ready → opportunity (%)"
    OPPORTUNITY_TO_WON = "opportunity_to_won", "Conversion opportunity → won (%)"
    WIN_RATE = "win_rate", "Win rate (%)"
    PIPELINE_CREATED = "pipeline_created", "Pipeline created"
    REVENUE_WON = "revenue_won", "Revenue won"
    SALES_CYCLE_DAYS = "sales_cycle_days", "Average sales cycle (days)"
    COST_PER_READY_LEAD = "cost_per_ready_lead", "Cost per sales-ready lead"
    COST_PER_WON_DEAL = "cost_per_won_deal", "Cost per won deal"
    GROSS_REVENUE_RETENTION = "gross_revenue_retention", "Gross revenue retention (%)"
    EXPANSION_REVENUE = "expansion_revenue", "Expansion revenue"
    HELD_TOO_LONG = "held_too_long", "Leads held too long"
    FORM_TO_MEETING_RATE = "form_to_meeting_rate", "Form-to-meeting rate (%)"
    FORM_TO_MEETING_MINUTES = "form_to_meeting_minutes", "Minutes from form to meeting (median)"


class ScoreboardMetric(models.TextChoices):
    """The SLA scoreboard's figures: marketing's side (team only) and sales' (team and rep)."""

    SALES_READY_LEADS = Metric.SALES_READY_LEADS.value, "Sales-ready leads"
    DISQUALIFICATION_RATE = Metric.DISQUALIFICATION_RATE.value, "Disqualification rate (%)"
    JUNK_SHARE = "junk_share", "Junk share (%)"  # = apps.goals.metrics.funnel.JUNK_SHARE
    SPEED_TO_LEAD_MEDIAN = Metric.SPEED_TO_LEAD_MEDIAN.value, "Speed to lead, median (minutes)"
    SPEED_TO_LEAD_P90 = Metric.SPEED_TO_LEAD_P90.value, "Speed to lead, p90 (minutes)"
    SLA_COMPLIANCE = Metric.SLA_COMPLIANCE.value, "SLA first-response compliance (%)"
    FOLLOW_UP_RATE = Metric.FOLLOW_UP_RATE.value, "Follow-up rate (%)"
    ATTEMPTS_BEFORE_DQ = Metric.ATTEMPTS_BEFORE_DQ.value, "Attempts before disqualification"
    WIN_RATE = Metric.WIN_RATE.value, "Win rate (%)"


# Where a smaller number is the better one: the goal form's and the scoreboard target form's
# preset for "lower is better", and the scoreboard's trend colours. Attempts before
# disqualification is not here: more attempts before giving up on a lead is the better side.
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        Metric.SPEED_TO_LEAD_MEDIAN,
        Metric.SPEED_TO_LEAD_P90,
        Metric.DISQUALIFICATION_RATE,
        Metric.SALES_CYCLE_DAYS,
        Metric.COST_PER_READY_LEAD,
        Metric.COST_PER_WON_DEAL,
        Metric.HELD_TOO_LONG,
        Metric.FORM_TO_MEETING_MINUTES,
        ScoreboardMetric.JUNK_SHARE,
    }
)
# Marketing's figures exist for the team only: a rep has no disqualification rate of his own.
TEAM_ONLY_METRICS: frozenset[str] = frozenset(
    {ScoreboardMetric.DISQUALIFICATION_RATE, ScoreboardMetric.JUNK_SHARE}
)


class JointGoal(TimeStampedModel):
    """One line of the shared scoreboard. The actual is always computed from records."""

    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="goals")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    name = models.CharField(max_length=150, blank=True, help_text="Defaults to the metric's name.")
    target = models.DecimalField(max_digits=14, decimal_places=2)
    lower_is_better = models.BooleanField(
        default=False, help_text="E.g. speed to lead, cost per lead."
    )
    team_marketing = models.BooleanField("Marketing", default=False)
    team_sales = models.BooleanField("Sales", default=False)
    team_service = models.BooleanField("Service", default=False)
    segment_campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    segment_source = models.CharField(max_length=20, blank=True)
    segment_country = models.CharField(max_length=2, blank=True)
    segment_tier = models.CharField(
        max_length=10, blank=True, choices=[("target", "Target account"), ("standard", "Standard")]
    )

    class Meta:
        ordering = ["quarter", "metric"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="goal_target_positive"),
            models.CheckConstraint(
                condition=Q(team_marketing=True) | Q(team_sales=True) | Q(team_service=True),
                name="goal_has_team",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_metric_display()

    @property
    def teams(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.team_marketing, "Marketing"),
                (self.team_sales, "Sales"),
                (self.team_service, "Service"),
            )
            if flag
        ]


class GoalSnapshot(models.Model):
    """A goal's actual on one day; one per goal per day (nightly, idempotent)."""

    goal = models.ForeignKey(JointGoal, on_delete=models.CASCADE, related_name="snapshots")
    on = models.DateField()
    actual = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["on"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "on"], name="goal_snapshot_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.goal} {self.on}: {self.actual}"


class ScoreboardTarget(TimeStampedModel):
    """A target beside one SLA scoreboard figure for a quarter: the team's (no rep) or one
    rep's. RevOps sets them in the admin; the figure itself is always computed from records."""

    quarter = models.ForeignKey(
        Quarter, on_delete=models.PROTECT, related_name="scoreboard_targets"
    )
    metric = models.CharField(max_length=32, choices=ScoreboardMetric.choices)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: the team's figure.",
    )
    target = models.DecimalField(max_digits=14, decimal_places=2)
    lower_is_better = models.BooleanField(default=False)

    class Meta:
        ordering = ["quarter", "metric", "rep"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "metric", "rep"], name="scoreboard_target_one_per_rep"
            ),
            # NULLs are distinct in the constraint above, so the team's line needs its own.
            models.UniqueConstraint(
                fields=["quarter", "metric"],
                condition=Q(rep__isnull=True),
                name="scoreboard_target_one_per_team",
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0), name="scoreboard_target_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(rep__isnull=True) | ~Q(metric__in=sorted(TEAM_ONLY_METRICS)),
                name="scoreboard_target_rep_metric",
            ),
        ]

    def __str__(self) -> str:
        whose = "team" if self.rep is None else self.rep.display_name
        return f"{self.get_metric_display()} ({whose}): {self.target}"
