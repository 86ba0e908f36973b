"""Meetings booked by buyers at the hand-raise, the rules that make a slot, and reps' busy feeds.

A rep's free slots are their working hours (User.work_days, work_start, work_end, time_zone)
minus the SLA calendar's holidays, minus their booked meetings here, minus the busy times of
the ICS feed they subscribed (BusyFeed, fetched and cached by the worker), with the length,
buffer and notice of BookingRules (apps.meetings.slots does the arithmetic).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q


class BookingRules(models.Model):
    """How slots are offered on the thank-you page. The latest row is in force; with none, the
    defaults below are."""

    length_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(120)],
        help_text="Free time kept before and after every meeting and busy block.",
    )
    notice_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[MaxValueValidator(10080)],
        help_text="The earliest slot offered starts at least this long after the hand-raise.",
    )
    window_business_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Slots are offered over this many of the rep's business days; with none "
        "free in them the buyer is told they will be contacted.",
    )
    step_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Slots start on this grid from the start of the working day.",
    )
    wait_seconds = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="How long the thank-you page waits for routing to name the rep.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "booking rules"
        verbose_name_plural = "booking rules"

    def __str__(self) -> str:
        return f"{self.length_minutes}-minute meetings over {self.window_business_days} days"

    @classmethod
    def current(cls) -> BookingRules:
        return cls.objects.order_by("-pk").first() or cls()


class BusyFeed(models.Model):
    """A rep's subscribed ICS busy feed (their external calendar), fetched by the worker with a
    short timeout; `busy` caches the busy blocks of the booking window as ISO pairs."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not fetched yet"
        OK = "ok", "Working"
        FAILING = "failing", "Failing"

    rep = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="busy_feed"
    )
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    checked_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True, help_text="Last good fetch.")
    error = models.CharField(max_length=300, blank=True)
    busy = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"busy feed of {self.rep_id}"


class Meeting(models.Model):
    """A meeting a buyer booked with the lead's rep. Booked meetings of one rep never overlap:
    on PostgreSQL an exclusion constraint over the rep and the time range (migration 0002),
    on SQLite writers are serialised (IMMEDIATE transactions) and the booking checks first.
    The UID stays the same through reschedules; `sequence` counts the invitation's versions."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    uid = models.CharField(max_length=120, unique=True)
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.PROTECT,
        related_name="meetings",
        db_index=False,  # meeting_lead_idx leads with it
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    sequence = models.PositiveIntegerField(default=0)
    buyer_time_zone = models.CharField(max_length=64)
    asset = models.ForeignKey(
        "campaigns.Asset",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text="The form the buyer booked from.",
    )
    raised_at = models.DateTimeField(help_text="When the buyer submitted the form.")
    booked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_order"),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | Q(status="booked", cancelled_at__isnull=True),
                name="meeting_cancelled_has_time",
            ),
        ]
        indexes = [
            # a rep's calendar: slots, Today, the overlap check
            models.Index(
                fields=["rep", "starts_at"],
                name="meeting_rep_time_idx",
                condition=Q(status="booked"),
            ),
            models.Index(fields=["lead", "starts_at"], name="meeting_lead_idx"),
            # form-to-meeting metrics by the day of the hand-raise
            models.Index(fields=["raised_at"], name="meeting_raised_idx"),
        ]

    def __str__(self) -> str:
        return f"meeting {self.uid}"
