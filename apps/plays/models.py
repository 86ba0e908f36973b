from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel
from apps.leads.models import BuyingRole, Channel


class Play(TimeStampedModel):
    """What sales should do with a lead of a given shape. Empty criteria match anything."""

    name = models.CharField(max_length=150)
    talk_track = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Higher wins when several match."
    )
    is_default = models.BooleanField(default=False, help_text="Used when no other play matches.")
    is_account_play = models.BooleanField(
        default=False, help_text="Handed with a lead routed because its whole account became ready."
    )
    is_active = models.BooleanField(default=True)
    match_assets = models.ManyToManyField("campaigns.Asset", blank=True, related_name="plays")
    match_campaigns = models.ManyToManyField("campaigns.Campaign", blank=True, related_name="plays")
    min_score = models.PositiveSmallIntegerField(null=True, blank=True)
    account_tier = models.CharField(
        max_length=10, blank=True, choices=[("target", "Target account"), ("standard", "Standard")]
    )
    buying_role = models.CharField(max_length=20, blank=True, choices=BuyingRole.choices)
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-priority", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True, is_active=True),
                name="play_one_active_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlayStep(models.Model):
    play = models.ForeignKey(Play, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_offset_minutes = models.PositiveIntegerField(help_text="Due this long after assignment.")
    title = models.CharField(max_length=150)
    template = models.TextField(blank=True, help_text="Script or email text for the rep.")

    class Meta:
        ordering = ["play", "order"]
        constraints = [
            models.UniqueConstraint(fields=["play", "order"], name="play_step_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class LeadPlay(models.Model):
    """The play attached to a lead at handoff (switching records the reason in the lead's events)."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="lead_play")
    play = models.ForeignKey(
        Play,
        on_delete=models.PROTECT,
        related_name="lead_plays",
        db_index=False,  # leadplay_play_idx leads with it
    )
    attached_at = models.DateTimeField()
    match_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["play", "attached_at"], name="leadplay_play_idx")]

    def __str__(self) -> str:
        return f"{self.play} for {self.lead_id}"


class LeadPlayStep(models.Model):
    """One due task from the play, relative to assignment."""

    lead_play = models.ForeignKey(LeadPlay, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    title = models.CharField(max_length=150)
    template = models.TextField(blank=True)
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["lead_play", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lead_play", "order"], name="lead_play_step_unique"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_by__isnull=False),
                name="lead_play_step_completed_by",
            ),
        ]

    def __str__(self) -> str:
        return self.title
