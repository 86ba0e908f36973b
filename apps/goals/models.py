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
