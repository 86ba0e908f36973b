import zoneinfo
from datetime import time

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import TimeStampedModel


class Role(models.TextChoices):
    """The Django groups that carry permissions (created by a data migration)."""

    SALES = "Sales"
    SALES_MANAGER = "Sales manager"
    MARKETING = "Marketing"
    SERVICE = "Service"
    REVOPS = "RevOps"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone, e.g. Europe/Berlin.")


def validate_work_days(value: str) -> None:
    parts = [p for p in value.split(",") if p.strip()]
    if not parts or any(not p.strip().isdigit() or int(p) > 6 for p in parts):
        raise ValidationError("Work days are weekday numbers 0 (Mon) to 6 (Sun), e.g. 0,1,2,3,4.")


# Working-day defaults are callables: Django's fields.W161 check warns about a fixed time default
# whenever the clock reads within ten seconds of it (a `check` run at 17:30 UTC failed CI).
def nine_am() -> time:
    return time(9, 0)


def five_pm() -> time:
    return time(17, 0)


def half_past_five_pm() -> time:
    return time(17, 30)


class DisqualificationAlerts(models.TextChoices):
    EACH = "each", "A notice for each new disqualification"
    DIGEST = "digest", "One digest a day"
    OFF = "off", "None: I read the review queue"


class User(AbstractUser):
    """A person who signs in. Reps carry their routing settings here."""

    capacity = models.PositiveSmallIntegerField(
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Open leads (ready or working) this rep can hold before routing skips them.",
    )
    routing_weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Share of round-robin routing: a rep with weight 2 gets twice the leads.",
    )
    is_available = models.BooleanField(
        default=True, help_text="Off while out of office: routing and reassignment skip them."
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    disqualification_alerts = models.CharField(
        max_length=6,
        choices=DisqualificationAlerts.choices,
        default=DisqualificationAlerts.EACH,
        help_text="Marketing: how you hear of new disqualifications.",
    )
    work_start = models.TimeField(default=nine_am)
    work_end = models.TimeField(default=half_past_five_pm)
    work_days = models.CharField(
        max_length=13,
        default="0,1,2,3,4",
        validators=[validate_work_days],
        help_text="Weekday numbers, 0 = Monday.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(condition=Q(routing_weight__gte=1), name="user_weight_positive"),
            models.CheckConstraint(
                condition=Q(disqualification_alerts__in=["each", "digest", "off"]),
                name="user_dq_alerts_valid",
            ),
            models.CheckConstraint(
                condition=Q(work_end__gt=models.F("work_start")), name="user_work_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone this user's times are shown and counted in (their profile setting); the
        site's default zone if the stored name is none (the validators refuse such a name, but
        a raw write skips them), so a bad value never breaks a page or a rule."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            return timezone.get_default_timezone()


class SavedView(TimeStampedModel):
    """A user's named set of filters on one list page (the query string it re-applies)."""

    class Page(models.TextChoices):
        MARKETING_LEADS = "marketing_leads", "Marketing lead list"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    page = models.CharField(max_length=32, choices=Page.choices)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True, help_text="The filters, URL-encoded.")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="saved_view_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="saved_view_named"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_page_display()})"
