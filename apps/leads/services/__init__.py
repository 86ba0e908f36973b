"""Lead use cases: intake (with idempotency), qualification, attempts, rescoring."""

from apps.leads.services.accounts import qualify_account
from apps.leads.services.idempotency import (
    Claim,
    Replay,
    abandon_idempotency,
    begin_idempotency,
    request_hash,
)
from apps.leads.services.intake import IntakeData, IntakeResult, intake_lead, normalise_email
from apps.leads.services.work import (
    complete_play_step,
    convert_lead,
    disqualify_lead,
    log_attempt,
    mark_ready,
    recycle_lead,
    rescore_open_leads,
    switch_play,
)

__all__ = [
    "Claim",
    "IntakeData",
    "IntakeResult",
    "Replay",
    "abandon_idempotency",
    "begin_idempotency",
    "complete_play_step",
    "convert_lead",
    "disqualify_lead",
    "intake_lead",
    "qualify_account",
    "recycle_lead",
    "switch_play",
    "log_attempt",
    "mark_ready",
    "normalise_email",
    "request_hash",
    "rescore_open_leads",
]
