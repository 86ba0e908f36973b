from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.users.models import Role


class Notification(models.Model):
    """An in-app notice; email and team webhook copies go out after commit, with retries."""

    class Kind(models.TextChoices):
        LEAD_ASSIGNED = "lead_assigned", "Lead assigned"
        SLA_ESCALATION = "sla_escalation", "SLA escalation"
        LEAD_REASSIGNED = "lead_reassigned", "Lead reassigned"
        POOL_ALERT = "pool_alert", "No rep could take a lead"
        DISPUTE = "dispute", "Disqualification disputed"
        REENGAGE = "reengage", "Recycled lead to re-engage"
        DISQUALIFIED = "disqualified", "Lead disqualified"
        DQ_DIGEST = "dq_digest", "Disqualifications of the day"
        CAPACITY = "capacity", "Capacity warning"
        AGREEMENT = "agreement", "Qualification agreement signed"
        MEETING = "meeting", "Meeting booked by a buyer"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notif_recipient_idx leads with it
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The unread badge in the navigation.
            models.Index(
                fields=["recipient", "created_at"],
                name="notif_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class TeamChannel(models.Model):
    """A team's Slack-compatible incoming webhook."""

    team = models.CharField(max_length=20, choices=Role.choices, unique=True)
    webhook_url = models.URLField(
        help_text="Slack-compatible incoming webhook; receives JSON {text}."
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.team} webhook"
