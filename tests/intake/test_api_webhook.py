"""POST /api/v1/intake/webhook/<slug>/: HMAC-SHA256 over "{t}.{raw body}", verified first."""

from __future__ import annotations

import json
import time

import pytest
from rest_framework.test import APIClient

from apps.core.parsers import NON_FINITE
from apps.intake.api import sign_webhook
from apps.leads.models import Lead, Touchpoint
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "whsec-current-0123456789"
OLD_SECRET = "whsec-previous-9876543210"


@pytest.fixture
def source(db):  # type: ignore[no-untyped-def]
    return factories.IntakeSourceFactory(
        slug="warehouse", webhook_secret=SECRET, previous_webhook_secret=OLD_SECRET
    )


def _post(body: bytes, signature: str, slug: str = "warehouse", **headers: str):  # type: ignore[no-untyped-def]
    return APIClient().post(
        f"/api/v1/intake/webhook/{slug}/",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature,
        **headers,
    )


BODY = json.dumps({"email": "Ana@Northwind.example", "first_name": "Ana"}).encode()


def test_good_signature_creates_the_lead(source):  # type: ignore[no-untyped-def]
    response = _post(BODY, sign_webhook(secret=SECRET, timestamp=int(time.time()), body=BODY))
    assert response.status_code == 201, response.content
    assert Lead.objects.get().email == "ana@northwind.example"


def test_previous_secret_is_accepted_during_rotation(source):  # type: ignore[no-untyped-def]
    response = _post(BODY, sign_webhook(secret=OLD_SECRET, timestamp=int(time.time()), body=BODY))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "signature",
    [
        sign_webhook(secret="wrong-secret", timestamp=int(time.time()), body=BODY),
        f"t={int(time.time())},v1=deadbeef",
        "",
        "garbage",
    ],
)
def test_bad_signature_is_401_and_nothing_is_written(source, signature):  # type: ignore[no-untyped-def]
    response = _post(BODY, signature)
    assert response.status_code == 401
    assert "X-Signature" in response.json()
    assert not Lead.objects.exists()


def test_stale_or_future_signature_is_refused(source):  # type: ignore[no-untyped-def]
    for offset in (-301, 301):
        stamp = int(time.time()) + offset
        response = _post(BODY, sign_webhook(secret=SECRET, timestamp=stamp, body=BODY))
        assert response.status_code == 401
        assert "300 seconds" in response.json()["X-Signature"][0]
    assert not Lead.objects.exists()


def test_signature_is_over_the_raw_body(source):  # type: ignore[no-untyped-def]
    stamp = int(time.time())
    signature = sign_webhook(secret=SECRET, timestamp=stamp, body=BODY)
    tampered = BODY.replace(b"Ana", b"Eve")
    assert _post(tampered, signature).status_code == 401


def test_signed_request_with_invalid_body_is_a_400_naming_the_field(source):  # type: ignore[no-untyped-def]
    body = json.dumps({"email": "not-an-email"}).encode()
    response = _post(body, sign_webhook(secret=SECRET, timestamp=int(time.time()), body=body))
    assert response.status_code == 400
    assert "email" in response.json()


def test_idempotency_key_replays_and_refuses_another_body(source):  # type: ignore[no-untyped-def]
    stamp = int(time.time())
    first = _post(
        BODY, sign_webhook(secret=SECRET, timestamp=stamp, body=BODY), HTTP_IDEMPOTENCY_KEY="k1"
    )
    # a retry is signed anew (its own timestamp) and carries the same key: the first answer
    again = _post(
        BODY,
        sign_webhook(secret=SECRET, timestamp=stamp + 1, body=BODY),
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    other = json.dumps({"email": "lee@initech.example"}).encode()
    refused = _post(
        other, sign_webhook(secret=SECRET, timestamp=stamp, body=other), HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert refused.status_code == 422
    assert Touchpoint.objects.count() == 1


def test_unknown_inactive_or_unsigned_sources(source):  # type: ignore[no-untyped-def]
    signature = sign_webhook(secret=SECRET, timestamp=int(time.time()), body=BODY)
    assert _post(BODY, signature, slug="nope").status_code == 404
    factories.IntakeSourceFactory(slug="off", webhook_secret=SECRET, is_active=False)
    assert _post(BODY, signature, slug="off").status_code == 404
    factories.IntakeSourceFactory(slug="nosecret", webhook_secret="", previous_webhook_secret="")
    assert _post(BODY, signature, slug="nosecret").status_code == 401


def test_a_captured_delivery_replayed_is_refused_and_changes_nothing(source):  # type: ignore[no-untyped-def]
    # given one signed delivery accepted
    signature = sign_webhook(secret=SECRET, timestamp=int(time.time()), body=BODY)
    assert _post(BODY, signature).status_code == 201

    # when an attacker posts the captured request again, with or without an Idempotency-Key
    replays = [_post(BODY, signature), _post(BODY, signature, HTTP_IDEMPOTENCY_KEY="fresh")]

    # then each replay is a 409 and the lead has one touchpoint, its score unchanged
    assert [r.status_code for r in replays] == [409, 409]
    assert replays[0].json()["code"] == "replayed"
    assert Touchpoint.objects.count() == 1


def test_a_refused_delivery_may_be_sent_again_once_corrected(source):  # type: ignore[no-untyped-def]
    # given a signed delivery the intake refused (not JSON it accepts)
    body = b'{"email": "kim@initech.example", "metadata": {"x": NaN}}'
    signature = sign_webhook(secret=SECRET, timestamp=int(time.time()), body=body)
    refused = _post(body, signature)
    assert refused.status_code == 400
    assert refused.json() == {"metadata.x": [NON_FINITE]}

    # when the same signed body is sent again, it is refused for its content again, not as a replay
    assert _post(body, signature).status_code == 400
