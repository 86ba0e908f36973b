import zoneinfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel
from apps.users.models import five_pm, nine_am, validate_time_zone, validate_work_days


class SlaPolicy(TimeStampedModel):
    """How fast sales must answer a ready lead, and what happens when they do not."""

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True, help_text="Only one policy is active at a time.")
    first_response_minutes = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1)]
    )
    business_hours_only = models.BooleanField(
        default=False, help_text="Count only working time: a lead at night is due next morning."
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    work_days = models.CharField(
        max_length=13, default="0,1,2,3,4", validators=[validate_work_days]
    )
    day_start = models.TimeField(default=nine_am)
    day_end = models.TimeField(default=five_pm)
    escalate_after_minutes = models.PositiveIntegerField(
        default=10, help_text="Minutes after the breach before the manager is notified."
    )
    reassign_after_minutes = models.PositiveIntegerField(
        default=30, help_text="Minutes after the breach before the lead goes to the next rep."
    )

    class Meta:
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="sla_one_active_policy"
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gte=1), name="sla_first_response_positive"
            ),
            models.CheckConstraint(
                condition=Q(day_end__gt=models.F("day_start")), name="sla_day_order"
            ),
            # a business calendar needs at least one working day (validate_work_days says so
            # in forms; the clock would otherwise find no working time at all)
            models.CheckConstraint(condition=~Q(work_days=""), name="sla_some_work_day"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def weekdays(self) -> set[int]:
        return {int(d) for d in self.work_days.split(",") if d.strip()}


class Holiday(models.Model):
    """A day off in an SLA policy's business calendar."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "date"], name="holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class RoutingRule(TimeStampedModel):
    """Ordered rule matching a lead to a pool of reps; empty criteria match anything.

    The rule row is the serialisation point for its pool: routing locks it before it reads
    the members' counters, so two leads routed at once cannot both take the last slot.
    """

    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=100, help_text="Lower runs first.")
    is_active = models.BooleanField(default=True)
    countries = models.CharField(max_length=200, blank=True, help_text="Comma-separated ISO codes.")
    industries = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    tier = models.CharField(
        max_length=10, blank=True, choices=[("target", "Target account"), ("standard", "Standard")]
    )
    sources = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated lead sources."
    )
    reps = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PoolMember", related_name="routing_rules"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_employees__isnull=True)
                | Q(max_employees__isnull=True)
                | Q(max_employees__gte=models.F("min_employees")),
                name="routing_employees_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PoolMember(models.Model):
    """A rep in a rule's pool; `assigned` counts leads this rule gave them (weighted round-robin)."""

    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="members")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pool_memberships"
    )
    assigned = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "rep"], name="pool_member_unique")]

    def __str__(self) -> str:
        return f"{self.rep} in {self.rule}"
