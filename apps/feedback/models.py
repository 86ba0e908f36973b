from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel


class ReasonQuerySet(models.QuerySet["DisqualificationReason"]):
    def for_disqualifying(self) -> "ReasonQuerySet":
        """Active reasons a rep may give to disqualify a lead."""
        return self.filter(is_active=True, use__in=["disqualify", "both"])

    def for_recycling(self) -> "ReasonQuerySet":
        """Active reasons a rep may give to hand a lead back to marketing's nurture."""
        return self.filter(is_active=True, use__in=["recycle", "both"])


class DisqualificationReason(TimeStampedModel):
    """Admin-configured reason a rep may give for taking a lead out of the queue (disqualifying
    it, or recycling it to nurture), with the rules for using it."""

    class Use(models.TextChoices):
        DISQUALIFY = "disqualify", "Disqualify"
        RECYCLE = "recycle", "Recycle to nurture"
        BOTH = "both", "Disqualify or recycle"

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    min_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Contact attempts the rep must have logged before using this reason."
    )
    note_required = models.BooleanField(default=False)
    use = models.CharField(
        max_length=10,
        choices=Use.choices,
        default=Use.DISQUALIFY,
        help_text="Which action offers this reason.",
    )
    min_span_hours = models.PositiveSmallIntegerField(
        default=0,
        help_text="The attempts must spread over at least this many hours (first to last).",
    )
    min_days = models.PositiveSmallIntegerField(
        default=0, help_text="The attempts must fall on at least this many different days."
    )
    min_channels = models.PositiveSmallIntegerField(
        default=0,
        help_text="The attempts must use at least this many channels (call, email, ...).",
    )
    is_junk = models.BooleanField(
        default=False, help_text="Counts as 'sales called it junk' on marketing's scoreboard."
    )
    is_active = models.BooleanField(default=True)

    objects = ReasonQuerySet.as_manager()

    class Meta:
        ordering = ["label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(use__in=["disqualify", "recycle", "both"]), name="reason_use_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def rules(self) -> list[str]:
        """What using this reason takes, in short words ("after 6 attempts", "on 2 days")."""
        rules = []
        if self.min_attempts:
            rules.append(
                f"after {self.min_attempts} attempt{'s' if self.min_attempts != 1 else ''}"
            )
        if self.min_days > 1:
            rules.append(f"on {self.min_days} different days")
        if self.min_span_hours:
            rules.append(f"over at least {self.min_span_hours} h")
        if self.min_channels > 1:
            rules.append(f"on {self.min_channels} channels")
        if self.note_required:
            rules.append("note required")
        return rules


class Disqualification(models.Model):
    """A rep's disqualification of a lead, and marketing's review of it."""

    class Review(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RECYCLED = "recycled", "Acknowledged and recycled to nurture"
        DISPUTED = "disputed", "Disputed"

    class DisputeOutcome(models.TextChoices):
        NONE = "", "—"
        NURTURE = "nurture", "Back to nurture"
        READY = "ready", "Re-routed as ready"

    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.PROTECT, related_name="disqualifications"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disqualifications"
    )
    reason = models.ForeignKey(
        DisqualificationReason,
        on_delete=models.PROTECT,
        related_name="disqualifications",
        db_index=False,  # dq_reason_time_idx leads with it
    )
    note = models.TextField(blank=True, max_length=5000)
    attempts_at_time = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField()
    review_status = models.CharField(max_length=12, choices=Review.choices, default=Review.OPEN)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_note = models.TextField(blank=True, max_length=5000)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    dispute_outcome = models.CharField(
        max_length=8, choices=DisputeOutcome.choices, default="", blank=True
    )
    reengage_on = models.DateField(
        null=True,
        blank=True,
        help_text="A recycled lead wakes on this day: marketing is told and it is rescored.",
    )
    woken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(review_status__in=["open", "acknowledged", "recycled", "disputed"]),
                name="dq_review_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(reengage_on__isnull=True) | Q(review_status="recycled"),
                name="dq_reengage_only_when_recycled",
            ),
            models.CheckConstraint(
                condition=Q(review_status="open")
                | Q(reviewer__isnull=False, reviewed_at__isnull=False),
                name="dq_review_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(review_status="disputed") | ~Q(dispute_outcome=""),
                name="dq_dispute_has_outcome",
            ),
        ]
        indexes = [
            # Marketing's review queue: open items, oldest first.
            models.Index(fields=["review_status", "at"], name="dq_review_queue_idx"),
            # Reason analytics per quarter.
            models.Index(fields=["reason", "at"], name="dq_reason_time_idx"),
            # A quarter's disqualifications by rep (the SLA scoreboard), from the index alone.
            models.Index(
                fields=["at"],
                include=["rep", "reason", "attempts_at_time"],
                name="dq_at_idx",
            ),
            # The daily wake-up of recycled leads whose day has come.
            models.Index(
                fields=["reengage_on"],
                name="dq_reengage_idx",
                condition=Q(reengage_on__isnull=False, woken_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.lead_id})"


class DisqualificationCell(models.Model):
    """Running counts of disqualifications per UTC day, rep and reason, with their attempts
    added up, so the scoreboard's disqualifications, junk and attempts per rep and the goal
    cards' disqualification rate, junk share and attempts sum a quarter's cells (a few thousand,
    whatever the number of leads) instead of reading each disqualification: 33 and 22 ms for
    the two quarters the goal sheet compares at a million leads. PostgreSQL keeps them with
    statement triggers on the disqualifications (feedback.0008): one row per cell (a unique
    index only PostgreSQL has), updated in place by the statement that inserts, deletes or
    moves a disqualification. Reps write their own cells, so writers rarely meet on a row.
    SQLite has none: the figures read the disqualifications there."""

    day = models.DateField()
    rep_id = models.BigIntegerField()
    reason_id = models.BigIntegerField()
    n = models.IntegerField()
    attempts = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.n} disqualifications by rep {self.rep_id} on {self.day}"
