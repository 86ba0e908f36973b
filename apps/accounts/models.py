from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.core.models import TimeStampedModel


class Account(TimeStampedModel):
    """A company, matched to leads by email domain (never a free-mail domain)."""

    class Tier(models.TextChoices):
        TARGET = "target", "Target account"
        STANDARD = "standard", "Standard"

    class Lifecycle(models.TextChoices):
        PROSPECT = "prospect"
        CUSTOMER = "customer"
        CHURNED = "churned"

    class Health(models.TextChoices):
        UNKNOWN = "", "Not set"
        GREEN = "green"
        YELLOW = "yellow"
        RED = "red"

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, help_text="Lower-case company email domain.")
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code.")
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    lifecycle = models.CharField(
        max_length=10, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )
    health = models.CharField(
        max_length=6, choices=Health.choices, default=Health.UNKNOWN, blank=True
    )
    engagement_score = models.FloatField(default=0)
    buying_roles_engaged = models.JSONField(
        default=list,
        blank=True,
        help_text="Distinct buying roles with engagement inside the agreement's window.",
    )
    is_conversation_ready = models.BooleanField(default=False)
    ready_since = models.DateTimeField(null=True, blank=True)
    became_customer_at = models.DateTimeField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # one account per domain, whatever its case: the CHECK below keeps every stored
            # domain lower-case, so a plain unique index on the column is case-blind too and
            # serves matching by domain (an index on lower(domain) would serve only lower(...))
            models.UniqueConstraint(fields=["domain"], name="account_domain_unique"),
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")), name="account_domain_lowercase"
            ),
            models.CheckConstraint(condition=~Q(domain=""), name="account_domain_not_blank"),
            models.CheckConstraint(
                condition=Q(engagement_score__gte=0), name="account_score_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(lifecycle__in=["prospect", "customer", "churned"]),
                name="account_lifecycle_valid",
            ),
            models.CheckConstraint(
                condition=Q(tier__in=["target", "standard"]), name="account_tier_valid"
            ),
        ]
        indexes = [
            # "Target accounts by engagement" on the marketing and account list pages.
            models.Index(fields=["tier", "-engagement_score"], name="account_tier_score_idx"),
            models.Index(fields=["lifecycle", "name"], name="account_lifecycle_idx"),
        ]

    def __str__(self) -> str:
        return self.name
