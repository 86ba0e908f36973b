from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.campaigns.querysets import CampaignSpendQuerySet
from apps.core.models import TimeStampedModel


class Campaign(TimeStampedModel):
    """A marketing campaign, with the brief sales reads on the lead page."""

    class Channel(models.TextChoices):
        PAID_SEARCH = "paid_search", "Paid search"
        PAID_SOCIAL = "paid_social", "Paid social"
        EMAIL = "email", "Email"
        WEBINAR = "webinar", "Webinar"
        EVENT = "event", "Event"
        CONTENT = "content", "Content / SEO"
        PARTNER = "partner", "Partner"
        REFERRAL = "referral", "Referral"
        DIRECT = "direct", "Direct"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    quarter = models.ForeignKey(
        "core.Quarter", null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    goal = models.TextField(blank=True, help_text="What the campaign is meant to achieve.")
    message = models.TextField(blank=True, help_text="The message buyers heard.")
    call_to_action = models.CharField(max_length=200, blank=True)
    sequence = models.TextField(blank=True, help_text="The nurture sequence, one step a line.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_non_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignSpend(models.Model):
    """Money spent on a campaign over a period (a single day when starts_on == ends_on).

    The spend is the campaign's cost: a period's cost is the part of each entry that falls
    inside it, spread pro rata by day (apps.campaigns.selectors.spend_between). An entry
    "spread over the campaign's run dates" is one whose period is the campaign's
    starts_on..ends_on.

    Append-only, like LeadEvent: an entry is a record of money, so it is never edited or
    deleted (the database refuses UPDATE, and DELETE on PostgreSQL; migration 0004). Amounts
    cannot be negative, so a mistake is corrected by a new entry that `replaces` the wrong
    one: the replaced entry stays in the history and no longer counts.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="spend")
    starts_on = models.DateField(help_text="First day the money was spent over.")
    ends_on = models.DateField(help_text="Last day (inclusive); the same day for a one-off.")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text="The entry this one corrects; that one stays in the history and no longer "
        "counts.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system recorded it (the conversion of the old single cost).",
    )

    objects = CampaignSpendQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = "campaign spend entry"
        verbose_name_plural = "campaign spend"
        indexes = [
            # spend_between: entries overlapping a window (ends_on >= start, starts_on <= end).
            models.Index(fields=["ends_on", "starts_on"], name="campaign_spend_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="campaign_spend_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_spend_dates_order"
            ),
        ]

    def __str__(self) -> str:
        period = (
            f"{self.starts_on:%Y-%m-%d}"
            if self.starts_on == self.ends_on
            else f"{self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"
        )
        return f"{self.amount:,.2f} over {period}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValueError("Campaign spend is never edited; correct it with a replacing entry.")
        super().save(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("Campaign spend is never deleted; correct it with a replacing entry.")

    delete.alters_data = True  # type: ignore[attr-defined]


class Asset(TimeStampedModel):
    """A piece of content or a form, with marketing's note on what engaging with it signals."""

    class Kind(models.TextChoices):
        PAGE = "page", "Web page"
        PRICING = "pricing", "Pricing page"
        WHITEPAPER = "whitepaper", "Whitepaper / e-book"
        CASE_STUDY = "case_study", "Case study"
        VIDEO = "video", "Video"
        WEBINAR = "webinar", "Webinar"
        EMAIL = "email", "Email"
        FORM = "form", "Form"
        DEMO_REQUEST = "demo_request", "Demo request"
        CONTACT_SALES = "contact_sales", "Contact sales"
        AD = "ad", "Ad"
        EVENT = "event", "Event"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    topic = models.CharField(max_length=80, blank=True, help_text="Theme, for engagement by topic.")
    url = models.URLField(blank=True)
    intent_note = models.TextField(
        blank=True, help_text="What we meant by it, and what problem engaging with it signals."
    )
    engagement_weight = models.PositiveSmallIntegerField(
        default=5, help_text="Points one engagement adds to the engagement score before decay."
    )
    hand_raiser = models.BooleanField(
        default=False, help_text="A demo or contact-sales request: makes the lead ready at once."
    )
    is_public_form = models.BooleanField(
        default=False, help_text="Serve an embeddable form for this asset at /f/<slug>/."
    )
    offers_booking = models.BooleanField(
        default=False,
        help_text="A hand-raiser books a meeting with the rep routing picks, on the thank-you "
        "page (and through the intake API's booking link).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(engagement_weight__lte=100), name="asset_weight_max_100"
            ),
            models.CheckConstraint(
                condition=Q(offers_booking=False) | Q(hand_raiser=True),
                name="asset_booking_needs_hand_raiser",
                violation_error_message="Only a hand-raiser form offers booking.",
            ),
        ]

    def __str__(self) -> str:
        return self.name
