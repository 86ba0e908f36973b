from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel


class Opportunity(TimeStampedModel):
    class Stage(models.TextChoices):
        DISCOVERY = "discovery", "Discovery"
        DEMO = "demo", "Demo"
        PROPOSAL = "proposal", "Proposal"
        NEGOTIATION = "negotiation", "Negotiation"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class Type(models.TextChoices):
        NEW = "new", "New business"
        EXPANSION = "expansion", "Expansion"

    class Origin(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        SALES = "sales", "Sales"
        SERVICE = "service", "Service"

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="opportunities"
    )
    primary_lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities"
    )
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.DISCOVERY)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.NEW)
    origin = models.CharField(
        max_length=10,
        choices=Origin.choices,
        default=Origin.MARKETING,
        help_text="Which team sourced it (service-sourced expansions are credited to Service).",
    )
    created_at = models.DateTimeField()
    expected_close = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.CharField(max_length=200, blank=True)
    term_months = models.PositiveSmallIntegerField(
        default=12,
        db_default=12,  # bulk loads (COPY) that do not name the column get a term too
        help_text="Contract term: a won deal opens the account's renewal this many months after "
        "the win, for the deal's amount (its ARR).",
    )

    class Meta:
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=120),
                name="opportunity_term_in_range",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="opportunity_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    stage__in=["discovery", "demo", "proposal", "negotiation", "won", "lost"]
                ),
                name="opportunity_stage_valid",
            ),
            models.CheckConstraint(
                condition=(Q(stage__in=["won", "lost"]) & Q(closed_at__isnull=False))
                | (~Q(stage__in=["won", "lost"]) & Q(closed_at__isnull=True)),
                name="opportunity_closed_iff_won_or_lost",
            ),
            models.CheckConstraint(
                condition=~Q(stage="lost") | ~Q(lost_reason=""), name="opportunity_lost_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "stage"], name="opp_owner_stage_idx"),
            # Pipeline created and revenue won per quarter.
            models.Index(fields=["created_at"], name="opp_created_idx"),
            models.Index(fields=["stage", "closed_at"], name="opp_stage_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignCredit(models.Model):
    """A won deal's credit to one campaign under one attribution model, written in the
    transaction that marks the deal won (apps.opportunities.attribution), so reports sum
    rows instead of walking touches. A deal's rows of one model add up to its amount to the
    cent; "influenced" gives every campaign that touched the account before the deal was
    created the whole amount. First touch is not stored: it is the primary lead's source
    campaign (LeadFacts), read live so it always agrees with the "by campaign" table.
    """

    class Attribution(models.TextChoices):
        LAST_TOUCH = "last_touch", "Last touch"
        LINEAR = "linear", "Linear"
        W_SHAPED = "w_shaped", "W-shaped"
        INFLUENCED = "influenced", "Influenced"

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="campaign_credits"
    )
    model = models.CharField(max_length=12, choices=Attribution.choices)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # the deal's closed_at, copied so a quarter's credits are one index range
    closed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "model", "campaign"], name="credit_one_per_campaign"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="credit_non_negative"),
        ]
        indexes = [
            models.Index(
                fields=["model", "closed_at", "campaign"],
                include=["amount"],
                name="credit_model_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_display()} credit of {self.amount} to campaign {self.campaign_id}"
