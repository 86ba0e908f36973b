"""Idempotency-Key rules (Stripe semantics), called on the service directly.

A request fingerprint is the SHA-256 of its body as compact, key-sorted JSON. The first
request with a key claims it (in flight); the intake stores its response (done) and any repeat
with the same body replays that response. A repeat while the first is in flight gets 409 until
the claim is 60 s old (its process died), when the repeat takes it over. A failed request frees
its key. Records are kept 24 hours.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict
from apps.intake.models import IdempotencyRecord
from apps.intake.services.idempotency import (
    RETENTION,
    STALE_AFTER,
    Claim,
    IdempotencyKeyReused,
    Replay,
    abandon_idempotency,
    begin_idempotency,
    complete_idempotency,
    prune_idempotency_records,
    request_hash,
)
from tests import factories

SCOPE = "source:1:intake"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
BODY = {"email": "kim@initech.example", "first_name": "Kim"}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _age(record_id: int, age: timedelta) -> None:
    IdempotencyRecord.objects.filter(pk=record_id).update(created_at=timezone.now() - age)


# request_hash: pure, no database


@pytest.mark.parametrize(
    ("payload", "canonical"),
    [
        pytest.param(
            {"email": "kim@initech.example"}, '{"email":"kim@initech.example"}', id="one-field"
        ),
        pytest.param({"b": 2, "a": [1, 2]}, '{"a":[1,2],"b":2}', id="keys-sorted-no-spaces"),
        pytest.param(
            {"m": {"z": 1, "y": None}, "k": True},
            '{"k":true,"m":{"y":null,"z":1}}',
            id="nested-keys-sorted-too",
        ),
    ],
)
def test_the_fingerprint_is_the_sha256_of_the_body_as_compact_key_sorted_json(
    payload: dict[str, Any], canonical: str
) -> None:
    # given a body and its canonical JSON text, written by hand
    # when it is fingerprinted
    digest = request_hash(payload)

    # then the fingerprint is the SHA-256 of that text, so digests stored before a deploy match
    assert digest == _sha256(canonical)


def test_the_same_body_with_its_keys_in_another_order_has_the_same_fingerprint() -> None:
    # given one body sent with its fields in two orders
    first = {"email": "kim@initech.example", "first_name": "Kim", "metadata": {"a": 1, "b": 2}}
    second = {"metadata": {"b": 2, "a": 1}, "first_name": "Kim", "email": "kim@initech.example"}

    # when / then both have one fingerprint
    assert request_hash(first) == request_hash(second)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"email": "lee@initech.example", "first_name": "Kim"}, id="another-value"),
        pytest.param({"email": "kim@initech.example"}, id="a-field-fewer"),
        pytest.param({}, id="empty-body"),
    ],
)
def test_a_different_body_has_a_different_fingerprint(other: dict[str, Any]) -> None:
    # given / when / then
    assert request_hash(other) != request_hash(BODY)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(date(2026, 11, 24), "2026-11-24", id="date"),
        pytest.param(
            datetime(2026, 11, 24, 9, 30, tzinfo=UTC), "2026-11-24 09:30:00+00:00", id="datetime"
        ),
        pytest.param(Decimal("12.50"), "12.50", id="decimal"),
        pytest.param(
            UUID("12345678-1234-5678-1234-567812345678"),
            "12345678-1234-5678-1234-567812345678",
            id="uuid",
        ),
    ],
)
def test_a_value_json_cannot_encode_is_fingerprinted_by_its_text(value: object, text: str) -> None:
    # given a cleaned form value JSON has no type for
    # when it is fingerprinted
    digest = request_hash({"occurred_at": value})

    # then it counts as its text
    assert digest == request_hash({"occurred_at": text})
    assert digest == _sha256(f'{{"occurred_at":"{text}"}}')


# begin_idempotency


@pytest.mark.django_db
def test_the_first_request_with_a_key_claims_it_in_flight() -> None:
    # given no record for the key
    # when the first request begins
    outcome = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # then it holds a claim on a new in-flight record of its fingerprint
    assert isinstance(outcome, Claim)
    record = IdempotencyRecord.objects.get()
    assert outcome == Claim(record_id=record.pk)
    assert (record.scope, record.key, record.state) == (SCOPE, "k-1", "in_flight")
    assert record.request_hash == request_hash(BODY)


@pytest.mark.django_db
def test_the_same_key_in_another_scope_is_a_separate_claim() -> None:
    # given a key completed for one sender
    first = begin_idempotency(scope="source:1:intake", key="k-1", digest=request_hash(BODY))
    assert isinstance(first, Claim)
    complete_idempotency(claim=first, status_code=201, body={"lead_id": 7})

    # when another sender uses the same key
    second = begin_idempotency(scope="source:2:intake", key="k-1", digest=request_hash(BODY))

    # then it claims its own record
    assert isinstance(second, Claim)
    assert second.record_id != first.record_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "key", "lead_id"),
    [
        pytest.param("source:1:intake", "k-1", 1, id="own-key-beside-another-key"),
        pytest.param("source:1:intake", "k-2", 2, id="the-other-key"),
        pytest.param("source:2:intake", "k-1", 3, id="same-key-another-sender"),
    ],
)
def test_a_repeat_replays_the_response_stored_under_its_own_scope_and_key(
    scope: str, key: str, lead_id: int
) -> None:
    # given three completed requests: two keys of one sender, and one key used by two senders
    for n, (s, k) in enumerate(
        [("source:1:intake", "k-1"), ("source:1:intake", "k-2"), ("source:2:intake", "k-1")],
        start=1,
    ):
        claim = begin_idempotency(scope=s, key=k, digest=request_hash({"email": f"{n}@x.example"}))
        assert isinstance(claim, Claim)
        complete_idempotency(claim=claim, status_code=201, body={"lead_id": n})

    # when one of them is repeated
    outcome = begin_idempotency(
        scope=scope, key=key, digest=request_hash({"email": f"{lead_id}@x.example"})
    )

    # then it gets its own response, not a neighbour's
    assert outcome == Replay(status_code=201, body={"lead_id": lead_id})


@pytest.mark.django_db
def test_a_claim_is_taken_in_its_own_transaction_never_inside_the_callers() -> None:
    # given a caller already inside a transaction, where a claim would stay invisible to a
    # concurrent repeat until the caller commits
    # when it tries to claim a key
    # then it is refused, and no claim is left behind
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_key_reused_with_another_body_is_refused_with_the_field_named() -> None:
    # given a key claimed for one body
    begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # when a request sends another body with the same key
    with pytest.raises(IdempotencyKeyReused) as refused:
        begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash({"email": "x@y.example"}))

    # then the API consumer is told which header is at fault (422)
    assert refused.value.status_code == 422
    assert refused.value.as_dict() == {
        "Idempotency-Key": ["This Idempotency-Key was already used with a different request body."],
        "code": "idempotency_key_reused",
    }


@pytest.mark.django_db
def test_a_repeat_while_the_first_request_is_in_flight_gets_409() -> None:
    # given a key claimed a moment ago
    begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # when the same request arrives again
    with pytest.raises(Conflict) as busy:
        begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # then it is told to retry shortly, and the claim is untouched
    assert busy.value.status_code == 409
    assert busy.value.as_dict() == {
        "Idempotency-Key": [
            "A request with this Idempotency-Key is still being processed; retry shortly."
        ],
        "code": "conflict",
    }
    assert IdempotencyRecord.objects.get().state == "in_flight"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("age", "taken_over"),
    [
        pytest.param(timedelta(seconds=59), False, id="59s-still-in-flight"),
        pytest.param(timedelta(seconds=59, microseconds=999999), False, id="just-under-60s"),
        pytest.param(timedelta(seconds=60), True, id="exactly-60s-stale-taken-over"),
        pytest.param(timedelta(hours=1), True, id="an-hour-stale-taken-over"),
    ],
)
def test_a_claim_60_seconds_old_is_stale_and_a_repeat_takes_it_over(  # type: ignore[no-untyped-def]
    monkeypatch, age: timedelta, taken_over: bool
):
    # given a claim whose request has not finished, `age` old on a stopped clock
    assert timedelta(seconds=60) == STALE_AFTER
    first = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert isinstance(first, Claim)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    IdempotencyRecord.objects.filter(pk=first.record_id).update(created_at=NOW - age)

    # when the same request arrives again
    try:
        outcome: Claim | Replay | None = begin_idempotency(
            scope=SCOPE, key="k-1", digest=request_hash(BODY)
        )
    except Conflict:
        outcome = None

    # then a stale claim passes to the repeat, on the same record, in flight from now
    assert outcome == (first if taken_over else None)
    record = IdempotencyRecord.objects.get()
    assert record.created_at == (NOW if taken_over else NOW - age)


@pytest.mark.django_db
def test_a_taken_over_claim_is_in_flight_afresh_for_the_next_repeat() -> None:
    # given a stale claim taken over by a repeat
    first = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert isinstance(first, Claim)
    _age(first.record_id, STALE_AFTER + timedelta(seconds=5))
    begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # when a third copy arrives at once
    # then the new owner's claim is fresh, so it gets 409
    with pytest.raises(Conflict):
        begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))


@pytest.mark.django_db
def test_a_stale_claim_is_not_taken_over_by_another_body() -> None:
    # given a stale claim for one body
    first = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert isinstance(first, Claim)
    _age(first.record_id, timedelta(hours=1))

    # when / then another body with the key is still refused
    with pytest.raises(IdempotencyKeyReused):
        begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash({"email": "x@y.example"}))


# complete_idempotency and the replay


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status_code", "body"),
    [
        pytest.param(201, {"lead_id": 7, "created": True}, id="new-lead-201"),
        pytest.param(200, {"lead_id": 7, "created": False}, id="known-lead-200"),
    ],
)
def test_a_completed_request_is_replayed_with_its_stored_status_and_body(
    status_code: int, body: dict[str, Any]
) -> None:
    # given a request that claimed its key and completed
    claim = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert isinstance(claim, Claim)
    complete_idempotency(claim=claim, status_code=status_code, body=body)

    # when the same request arrives again
    outcome = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # then it gets the first response, without running again
    assert outcome == Replay(status_code=status_code, body=body)
    record = IdempotencyRecord.objects.get()
    assert (record.state, record.status_code, record.response_body) == ("done", status_code, body)


@pytest.mark.django_db
def test_completing_one_claim_leaves_other_keys_in_flight() -> None:
    # given two requests in flight
    first = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    other = begin_idempotency(scope=SCOPE, key="k-2", digest=request_hash(BODY))
    assert isinstance(first, Claim)
    assert isinstance(other, Claim)

    # when the first completes
    complete_idempotency(claim=first, status_code=201, body={"lead_id": 7})

    # then only its record is done
    states = dict(IdempotencyRecord.objects.values_list("key", "state"))
    assert states == {"k-1": "done", "k-2": "in_flight"}


@pytest.mark.django_db
def test_a_completed_record_without_a_status_code_replays_as_200() -> None:
    # given a completed record that stored no status code
    factories.IdempotencyRecordFactory(
        scope=SCOPE, key="k-1", request_hash=request_hash(BODY), status_code=None
    )

    # when the request is repeated
    outcome = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # then it replays as 200 OK
    assert outcome == Replay(status_code=200, body={"id": 1})


@pytest.mark.django_db
def test_a_completed_response_is_replayed_however_old_until_pruned() -> None:
    # given a response completed 23 hours ago (long past the 60 s in-flight window)
    record = factories.IdempotencyRecordFactory(
        scope=SCOPE, key="k-1", request_hash=request_hash(BODY)
    )
    _age(record.pk, timedelta(hours=23))

    # when the request is repeated
    outcome = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # then it is replayed, not taken over
    assert outcome == Replay(status_code=201, body={"id": 1})


# abandon_idempotency


@pytest.mark.django_db
def test_abandoning_a_claim_frees_the_key_so_the_client_may_retry() -> None:
    # given a request that claimed its key and then failed
    claim = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert isinstance(claim, Claim)

    # when its claim is abandoned
    abandon_idempotency(claim)

    # then the key is free: the retry claims it at once instead of getting 409
    assert not IdempotencyRecord.objects.exists()
    assert isinstance(begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY)), Claim)


@pytest.mark.django_db
def test_abandoning_one_claim_leaves_other_keys_in_flight() -> None:
    # given two requests in flight
    failed = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    begin_idempotency(scope=SCOPE, key="k-2", digest=request_hash(BODY))
    assert isinstance(failed, Claim)

    # when the first fails
    abandon_idempotency(failed)

    # then only its key is freed
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-2"]


@pytest.mark.django_db
def test_abandoning_a_completed_claim_keeps_its_stored_response() -> None:
    # given a request that stored its response, then failed afterwards
    claim = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert isinstance(claim, Claim)
    complete_idempotency(claim=claim, status_code=201, body={"lead_id": 7})

    # when its claim is abandoned
    abandon_idempotency(claim)

    # then the response is kept and still replayed
    outcome = begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))
    assert outcome == Replay(status_code=201, body={"lead_id": 7})


@pytest.mark.django_db
def test_abandoning_when_no_key_was_sent_changes_nothing() -> None:
    # given a request in flight under a key, and another sent without a key (no claim)
    begin_idempotency(scope=SCOPE, key="k-1", digest=request_hash(BODY))

    # when the keyless request fails
    abandon_idempotency(None)

    # then nothing is freed
    assert list(IdempotencyRecord.objects.values_list("key", "state")) == [("k-1", "in_flight")]


# prune_idempotency_records


@pytest.mark.django_db
def test_pruning_deletes_records_24_hours_old_or_more_and_counts_them() -> None:
    # given records of several ages, done or in flight
    ages = {
        "a-minute": timedelta(minutes=1),
        "just-inside": RETENTION - timedelta(seconds=1),
        "exactly-24h": RETENTION,
        "two-days": timedelta(days=2),
    }
    for key, age in ages.items():
        record = factories.IdempotencyRecordFactory(scope=SCOPE, key=key)
        _age(record.pk, age)
    factories.IdempotencyRecordFactory(scope=SCOPE, key="in-flight-old", state="in_flight")
    _age(IdempotencyRecord.objects.get(key="in-flight-old").pk, timedelta(days=1, hours=1))

    # when the records are pruned
    deleted = prune_idempotency_records()

    # then those 24 hours old or more are gone, and the count says how many
    assert deleted == 3
    kept = set(IdempotencyRecord.objects.values_list("key", flat=True))
    assert kept == {"a-minute", "just-inside"}
