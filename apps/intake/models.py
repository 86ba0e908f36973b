"""The senders allowed to post leads, and the first response to each Idempotency-Key."""

from django.db import models

from apps.core.models import TimeStampedModel
from apps.leads.models import Lead


class IntakeSource(TimeStampedModel):
    """A website, form or system allowed to post leads, with its API key and webhook secrets."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    key_prefix = models.CharField(
        max_length=12, unique=True, help_text="Shown to identify the key."
    )
    key_hash = models.CharField(
        max_length=128, help_text="SHA-256 of the API key; the key is shown once."
    )
    webhook_secret = models.CharField(max_length=128, blank=True)
    previous_webhook_secret = models.CharField(
        max_length=128,
        blank=True,
        help_text="Still accepted while senders rotate to the new secret.",
    )
    default_source = models.CharField(
        max_length=20, choices=Lead.Source.choices, default=Lead.Source.API
    )
    default_campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "leads_intakesource"  # the name it had when leads owned intake

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """The first response to an Idempotency-Key, stored with the lead it created (Stripe semantics)."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    scope = models.CharField(
        max_length=120, help_text="Source (or user) and route the key belongs to."
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.IN_FLIGHT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "leads_idempotencyrecord"  # the name it had when leads owned intake
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class WebhookDelivery(models.Model):
    """A signed webhook delivery already accepted: the same signature is refused within the
    signature's tolerance window (a captured request cannot be replayed). Pruned hourly."""

    source = models.ForeignKey(IntakeSource, on_delete=models.CASCADE, related_name="deliveries")
    signature = models.CharField(max_length=64, help_text="The v1 HMAC-SHA256 hex digest.")
    received_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "signature"], name="webhook_delivery_once_per_signature"
            )
        ]
        indexes = [models.Index(fields=["received_at"], name="webhook_delivery_received_idx")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.signature[:12]}…"
