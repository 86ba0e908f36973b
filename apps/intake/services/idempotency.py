"""Idempotency keys with Stripe semantics.

Phase 1 (here, its own short transaction) claims the key as in flight, so a concurrent
request with the same key sees it and gets 409. Phase 2 (the intake service) stores the
response in the same transaction as the lead. A claim whose request died is abandoned (the
key is freed) or, if the process crashed, taken over once it is older than STALE_AFTER.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, DomainError
from apps.intake.models import IdempotencyRecord

STALE_AFTER = timedelta(seconds=60)
RETENTION = timedelta(hours=24)


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Claim:
    record_id: int


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def begin_idempotency(*, scope: str, key: str, digest: str) -> Claim | Replay:
    """Claim the key for this request, or say how to answer a repeat of it."""
    # a `with` block, not the decorator: mutmut skips decorated functions, and these are the
    # rules its mutation run must reach (.ci/mutation.py, group "idempotency")
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=digest)
                return Claim(record_id=record.pk)
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.select_for_update().get(scope=scope, key=key)
        if record.request_hash != digest:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request body.",
                field="Idempotency-Key",
            )
        if record.state == IdempotencyRecord.State.DONE:
            return Replay(status_code=record.status_code or 200, body=record.response_body)
        if timezone.now() - record.created_at < STALE_AFTER:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                field="Idempotency-Key",
            )
        # stale: the first request died without abandoning its claim, so this one takes over
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now())
        return Claim(record_id=record.pk)


def abandon_idempotency(claim: Claim | None) -> None:
    """The request failed before completing: free the key so the client may retry."""
    if claim is not None:
        IdempotencyRecord.objects.filter(
            pk=claim.record_id, state=IdempotencyRecord.State.IN_FLIGHT
        ).delete()


def complete_idempotency(*, claim: Claim, status_code: int, body: Any) -> None:
    """Store the response. Caller is the intake transaction, so it commits with the lead."""
    IdempotencyRecord.objects.filter(pk=claim.record_id).update(
        state=IdempotencyRecord.State.DONE, status_code=status_code, response_body=body
    )


def prune_idempotency_records() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - RETENTION
    ).delete()
    return deleted
