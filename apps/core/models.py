from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


class TimeStampedModel(models.Model):
    """created_at/updated_at on every record people edit."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Quarter(models.Model):
    """A fiscal quarter; dates are inclusive and quarters never overlap."""

    name = models.CharField(
        max_length=7,
        unique=True,
        validators=[RegexValidator(r"^\d{4}-Q[1-4]$", "Use the form 2026-Q4.")],
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        # The table keeps the name it had when the goals app owned quarters.
        db_table = "goals_quarter"
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="quarter_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name
