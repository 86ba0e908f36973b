"""Intake: intake.py creates or updates the lead for one submission (match, score, qualify);
idempotency.py gives the Idempotency-Key its Stripe semantics; webhooks.py accepts each signed
delivery once."""

from apps.intake.services.idempotency import (
    Claim,
    Replay,
    abandon_idempotency,
    begin_idempotency,
    prune_idempotency_records,
    request_hash,
)
from apps.intake.services.intake import IntakeData, IntakeResult, intake_lead
from apps.intake.services.webhooks import (
    SIGNATURE_TOLERANCE,
    accept_webhook_delivery,
    forget_webhook_delivery,
    prune_webhook_deliveries,
)

__all__ = [
    "Claim",
    "IntakeData",
    "IntakeResult",
    "Replay",
    "SIGNATURE_TOLERANCE",
    "abandon_idempotency",
    "accept_webhook_delivery",
    "forget_webhook_delivery",
    "begin_idempotency",
    "intake_lead",
    "prune_idempotency_records",
    "prune_webhook_deliveries",
    "request_hash",
]
