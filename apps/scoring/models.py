from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import TimeStampedModel
from apps.leads.models import BuyingRole


class ScoringRule(TimeStampedModel):
    """One fit-score rule: when the lead's attribute matches, add points (may be negative)."""

    class Attribute(models.TextChoices):
        TITLE_KEYWORD = "title_keyword", "Title contains keyword"
        BUYING_ROLE = "buying_role", "Buying role is"
        EMPLOYEES_AT_LEAST = "employees_at_least", "Account employees at least"
        EMPLOYEES_BELOW = "employees_below", "Account employees below"
        INDUSTRY = "industry", "Account industry is"
        COUNTRY = "country", "Country is"
        SOURCE = "source", "Source is"

    name = models.CharField(max_length=120)
    attribute = models.CharField(max_length=24, choices=Attribute.choices)
    value = models.CharField(max_length=120, help_text="Keyword, role, number, industry or code.")
    points = models.SmallIntegerField(help_text="Points added to the fit score (negative allowed).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["attribute", "value"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=-100) & Q(points__lte=100), name="scoring_points_range"
            ),
            models.UniqueConstraint(fields=["attribute", "value"], name="scoring_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_attribute_display()} {self.value}: {self.points:+d}"


class BuyingRoleRule(models.Model):
    """Infers a lead's buying role from a keyword in the title; the lowest order wins."""

    keyword = models.CharField(max_length=60, unique=True)
    role = models.CharField(max_length=20, choices=BuyingRole.choices)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "keyword"]

    def __str__(self) -> str:
        return f"{self.keyword} → {self.get_role_display()}"


DEFAULT_HOLD_EXPIRY_HOURS = 72


class AgreementQuerySet(models.QuerySet["QualificationAgreement"]):
    def signed(self) -> "AgreementQuerySet":
        """Agreements both sides have signed."""
        return self.filter(marketing_signed_at__isnull=False, sales_signed_at__isnull=False)

    def in_force(self, at=None) -> "QualificationAgreement | None":  # type: ignore[no-untyped-def]
        """The signed agreement with the latest effective date not after `at`."""
        at = at or timezone.now()
        return (
            self.signed()
            .filter(effective_from__lte=at)
            .order_by("-effective_from", "-version")
            .first()
        )


class QualificationAgreement(TimeStampedModel):
    """The jointly signed definition of a conversation-ready lead."""

    version = models.PositiveIntegerField(unique=True)
    score_threshold = models.PositiveSmallIntegerField(
        default=60, help_text="Fit + engagement score at which a lead becomes ready."
    )
    hand_raiser_ready = models.BooleanField(
        default=True,
        help_text="A hand-raiser asset (demo, contact sales) makes a lead ready at once.",
    )
    engagement_half_life_days = models.PositiveSmallIntegerField(
        default=30, help_text="Engagement points halve after this many days."
    )
    account_min_roles = models.PositiveSmallIntegerField(
        default=3, help_text="K: distinct buying roles engaged for an account to be ready."
    )
    account_window_days = models.PositiveSmallIntegerField(
        default=30, help_text="D: the window, in days, in which those roles engaged."
    )
    account_score_threshold = models.PositiveSmallIntegerField(
        default=150, help_text="T: account engagement score the account must reach."
    )
    hold_when_full = models.BooleanField(
        default=False,
        help_text="Throttle: a lead ready on score whose pool is at capacity waits in the held "
        "queue (best score first) and is routed as soon as a rep has room. Hand-raisers and "
        "leads whose account owner has room are never held. Turning it off releases them.",
    )
    hold_ceiling = models.PositiveIntegerField(
        default=50,
        validators=[MaxValueValidator(100_000)],
        help_text="The most leads held per pool (0: hold none).",
    )
    hold_expiry_hours = models.PositiveIntegerField(
        default=DEFAULT_HOLD_EXPIRY_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 365)],
        help_text="A lead held longer goes back to nurture with the reason “held too long”.",
    )
    recycle_when_full = models.BooleanField(
        default=True,
        help_text="At the ceiling, the bottom of the held queue goes back to nurture to make "
        "room for a better lead. Off: a lead beyond the ceiling is routed to the team pool.",
    )
    effective_from = models.DateTimeField(default=timezone.now)
    marketing_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A Marketing user.",
    )
    marketing_signed_at = models.DateTimeField(null=True, blank=True)
    sales_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A Sales or Sales manager user.",
    )
    sales_signed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(marketing_signed_at__isnull=True) | Q(marketing_signer__isnull=False),
                name="agreement_marketing_signature_has_signer",
            ),
            models.CheckConstraint(
                condition=Q(sales_signed_at__isnull=True) | Q(sales_signer__isnull=False),
                name="agreement_sales_signature_has_signer",
            ),
            models.CheckConstraint(
                condition=Q(account_min_roles__gte=1)
                & Q(account_window_days__gte=1)
                & Q(engagement_half_life_days__gte=1)
                & Q(hold_expiry_hours__gte=1),
                name="agreement_positive_parameters",
            ),
        ]

    def __str__(self) -> str:
        return f"Agreement v{self.version}"

    @property
    def is_signed(self) -> bool:
        return self.marketing_signed_at is not None and self.sales_signed_at is not None


class OwedRollUp(models.Model):
    """An account whose engagement roll-up is owed: written in the transaction of the touch
    that moved it (intake), settled by the worker (scoring.roll_up_owed, under beat), so a burst of touches
    at one account costs one roll-up and the request none. Lost never: the row commits with
    the touch, and a failed settle leaves it for the next one."""

    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # One of the touches made its own lead ready: that hand-off speaks for the account, so the
    # account's best contact is not handed over as well in this settle.
    handed_off = models.BooleanField(default=False)
    # The moment of the latest touch owed (the roll-up's "now", so its window is the touch's).
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"roll-up owed for account {self.account_id}"
