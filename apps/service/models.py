from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel


class ChurnReason(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Renewal(TimeStampedModel):
    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        RENEWED = "renewed", "Renewed"
        CHURNED = "churned", "Churned"

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="renewals"
    )
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    renewed_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the customer renewed for (may differ from the amount due).",
    )
    churn_reason = models.ForeignKey(
        ChurnReason, null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    churn_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_opportunity = models.OneToOneField(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal",
        help_text="The won deal this renewal was opened for (one renewal per won deal).",
    )

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="renewal_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(renewed_amount__isnull=True) | Q(renewed_amount__gte=0),
                name="renewal_renewed_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["pending", "renewed", "churned"]),
                name="renewal_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="churned") | Q(churn_reason__isnull=False),
                name="renewal_churn_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(closed_at__isnull=False),
                name="renewal_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["due_on", "outcome"], name="renewal_due_idx")]

    def __str__(self) -> str:
        return f"{self.account} renewal {self.due_on}"


class HealthCheck(models.Model):
    """History of an account's health as Service set it."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="health_checks",
        db_index=False,  # health_account_time_idx leads with it
    )
    health = models.CharField(
        max_length=6, choices=[("green", "Green"), ("yellow", "Yellow"), ("red", "Red")]
    )
    note = models.TextField(blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "at"], name="health_account_time_idx")]

    def __str__(self) -> str:
        return f"{self.account}: {self.health}"


class VoiceNote(TimeStampedModel):
    """A customer's own words, tagged and shared with marketing."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="voice_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="voice_notes"
    )
    quote = models.TextField(max_length=5000)
    tags = models.JSONField(default=list, blank=True)
    context = models.CharField(
        max_length=200, blank=True, help_text="Where it was said: QBR, ticket, call."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.quote[:60]
