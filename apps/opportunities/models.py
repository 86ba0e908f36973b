from datetime import date
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.core.models import TimeStampedModel

LOST_DETAILS_LENGTH = 200


class LostReasonQuerySet(models.QuerySet["LostReason"]):
    def offered(self) -> Self:
        """Reasons a rep may choose when marking a deal lost, in the admin's order."""
        return self.filter(is_active=True).order_by("order", "name")


class LostReason(TimeStampedModel):
    """Why a deal was lost, from a list RevOps keeps in the admin. A reason is archived
    (`is_active` off), never deleted: the deals lost for it keep it, it is only no longer
    offered."""

    name = models.CharField(max_length=80)
    is_active = models.BooleanField(
        default=True, help_text="Offered when a deal is marked lost. Archive instead of deleting."
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position in the list reps choose from (smallest first)."
    )

    objects = LostReasonQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="lost_reason_name_ci_unique",
                violation_error_message="A lost reason with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


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
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,  # opp_account_created_idx leads with it
    )
    primary_lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    # the primary lead's source campaign (its first campaign touch, as on its facts), kept by
    # the transactions that move it (converting, a campaign touch, the admin's primary lead):
    # the reports group and filter a quarter's deals by it without joining every lead's facts
    source_campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,  # opp_owner_cards_idx leads with it
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
    lost_reason = models.ForeignKey(
        LostReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
        help_text="Why it was lost: set exactly when the stage is lost.",
    )
    lost_details = models.CharField(
        "details",
        max_length=LOST_DETAILS_LENGTH,
        blank=True,
        help_text="What the rep added about the loss (optional).",
    )
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
                condition=(Q(stage="lost") & Q(lost_reason__isnull=False))
                | (~Q(stage="lost") & Q(lost_reason__isnull=True)),
                name="opportunity_lost_iff_reason",
            ),
        ]
        indexes = [
            # The pipeline board: a stage's first cards in card order, LIMIT 50, for a rep
            # (owner first) and for the team, and their counts and totals read from the index
            # alone (closed_at last, for the board's 90-day window of closed deals).
            models.Index(
                fields=["owner", "stage", "expected_close", "-amount", "id", "closed_at"],
                name="opp_owner_cards_idx",
            ),
            models.Index(
                fields=["stage", "expected_close", "-amount", "id", "closed_at"],
                name="opp_stage_cards_idx",
            ),
            # Pipeline created and revenue won per quarter; the quarter's largest won deals
            # ranked from the index alone (its amount and id carried).
            models.Index(fields=["created_at"], name="opp_created_idx"),
            models.Index(
                fields=["stage", "closed_at"], include=["amount", "id"], name="opp_stage_closed_idx"
            ),
            # The account page's open deals, newest first.
            models.Index(fields=["account", "created_at", "id"], name="opp_account_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage not in (Opportunity.Stage.WON, Opportunity.Stage.LOST)

    def days_overdue(self, today: date) -> int:
        """Whole days an open deal is past its expected close date on `today`; 0 if it is
        not (closed, no date, or not yet due)."""
        if not self.is_open or self.expected_close is None or self.expected_close >= today:
            return 0
        return (today - self.expected_close).days


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
    # the deal's closed_at, copied so a quarter's credits are one index range, and its owner
    # (the rep credited with the deal), copied so they are summed per rep without the deals
    closed_at = models.DateTimeField()
    owner_id = models.BigIntegerField(null=True, blank=True)

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
                include=["amount", "owner_id", "opportunity"],
                name="credit_model_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_display()} credit of {self.amount} to campaign {self.campaign_id}"


class DealCell(models.Model):
    """Running counts of the opportunities per UTC day, owner, source campaign and origin: those
    created that day ("created", with their amounts added up, whatever their stage now) and
    those won or lost that day ("closed", one cell per stage). The quarter's deal figures (the
    performance table's per campaign and origin, the scoreboard's closed and won per owner, the
    goal sheet's pipeline, revenue and win rate with no segment) sum a quarter's cells, a few
    thousand at any size, instead of reading its deals: 40 ms for the performance table's pass
    at a million leads. PostgreSQL keeps them with statement triggers on the opportunities
    (opportunities.0016) that update each changed cell in place (a unique index, NULLS NOT
    DISTINCT for the deals of no campaign, that only PostgreSQL has); SQLite has none: the
    figures read the opportunities there."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created that day"
        CLOSED = "closed", "Won or lost that day"

    day = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    owner_id = models.BigIntegerField()
    source_campaign_id = models.BigIntegerField(null=True, blank=True)
    origin = models.CharField(max_length=10)
    stage = models.CharField(max_length=12, blank=True, help_text="Won or lost, for closed.")
    n = models.IntegerField()
    # room for as many deals of the largest amount (14 digits) as `n` can count: a day's load of
    # big deals in one cell must not fail the statement that writes them
    amount = models.DecimalField(max_digits=24, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.n} deals {self.kind} on {self.day}" + (
            f" ({self.stage})" if self.stage else ""
        )
