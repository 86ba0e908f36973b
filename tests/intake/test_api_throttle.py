"""The intake quota: each source's posts are counted, the one over the quota is answered 429
with Retry-After and writes nothing, and another source's quota is its own."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from apps.intake.api import IntakeThrottle
from apps.intake.models import IntakeSource
from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

URL = "/api/v1/intake/"


def _client_of(name: str) -> APIClient:
    key = f"{name}-intake-key-0123456789"
    IntakeSource.objects.create(
        name=name,
        slug=name,
        key_prefix=key[:8],
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.mark.usefixtures("still_rate_clock")  # the posts count in one window
def test_a_source_over_its_quota_is_told_when_to_retry_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a quota of 3 posts a minute, and two sources
    monkeypatch.setattr(IntakeThrottle, "THROTTLE_RATES", {"intake": "3/min"})
    website, partner = _client_of("website"), _client_of("partner")

    # when the website posts 4 new leads and the partner 1
    codes = [
        website.post(URL, {"email": f"w{i}@acme.example"}, format="json").status_code
        for i in range(4)
    ]
    refused = website.post(URL, {"email": "again@acme.example"}, format="json")
    partner_code = partner.post(URL, {"email": "p@acme.example"}, format="json").status_code

    # then the website's fourth and fifth are refused with when to retry, and wrote nothing;
    # the partner's post is taken
    assert codes == [201, 201, 201, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert partner_code == 201
    assert set(Lead.objects.values_list("email", flat=True)) == {
        "w0@acme.example",
        "w1@acme.example",
        "w2@acme.example",
        "p@acme.example",
    }
