"""Intake: intake.py creates or updates the lead for one submission (match, score, qualify);
idempotency.py gives the Idempotency-Key its Stripe semantics."""

from apps.intake.services.idempotency import (
    Claim,
    Replay,
    abandon_idempotency,
    begin_idempotency,
    prune_idempotency_records,
    request_hash,
)
from apps.intake.services.intake import IntakeData, IntakeResult, intake_lead

__all__ = [
    "Claim",
    "IntakeData",
    "IntakeResult",
    "Replay",
    "abandon_idempotency",
    "begin_idempotency",
    "intake_lead",
    "prune_idempotency_records",
    "request_hash",
]
