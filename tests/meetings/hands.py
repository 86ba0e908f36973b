"""A hand-raise on a form, submitted the way intake does, with routing run at commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.campaigns.models import Asset
from apps.intake import services as intake
from apps.leads.models import Lead, Touchpoint
from apps.meetings.links import BookingClaim


def hand_raise(
    asset: Asset, capture: Any, email: str = "dana@buyer.example", *, at: datetime | None = None
) -> tuple[Lead, BookingClaim]:
    """Submit `asset`'s form as `email` at `at` (now); `capture` is pytest-django's
    django_capture_on_commit_callbacks, so the worker's routing runs when intake commits."""
    at = at or timezone.now()
    with capture(execute=True):
        result = intake.intake_lead(
            data=intake.IntakeData(
                email=email,
                first_name="Dana",
                last_name="Buyer",
                source=Lead.Source.WEB_FORM,
                asset=asset,
                kind=Touchpoint.Kind.FORM_SUBMIT,
            ),
            now=at,
        )
    lead = Lead.objects.select_related("owner", "account").get(pk=result.lead.pk)
    return lead, BookingClaim(lead_id=lead.pk, asset_id=asset.pk, raised_at=at)
