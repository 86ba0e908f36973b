"""POST /api/v1/intake/: new and known emails, idempotency keys, and bad input."""

import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.intake.models import IdempotencyRecord
from apps.intake.services.idempotency import begin_idempotency, request_hash
from apps.leads.models import Lead, LeadEvent, Touchpoint
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/intake/"
KEY = "test-intake-key-0123456789"


def _website_source():  # type: ignore[no-untyped-def]
    """The intake source whose key is KEY."""
    from apps.intake.models import IntakeSource

    return IntakeSource.objects.create(
        name="Website",
        slug="website",
        key_prefix=KEY[:8],
        key_hash=hashlib.sha256(KEY.encode()).hexdigest(),
    )


@pytest.fixture
def api(db):  # type: ignore[no-untyped-def]
    _website_source()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=KEY)
    return client


def _post(api, body, **headers):  # type: ignore[no-untyped-def]
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.post(URL, data=raw, content_type="application/json", **headers)


def test_new_email_creates_a_lead_and_a_known_email_adds_a_touchpoint(api):
    first = _post(api, {"email": "Ana@Northwind.example", "first_name": "Ana", "title": "VP Sales"})
    assert first.status_code == 201
    again = _post(api, {"email": "  ana@northwind.EXAMPLE ", "title": "", "phone": "+49 30 1234"})
    assert again.status_code == 200
    assert again.json()["lead_id"] == first.json()["lead_id"]
    lead = Lead.objects.get()
    assert lead.touchpoints.count() == 2
    assert lead.title == "VP Sales"  # a blank never overwrites a filled field
    assert lead.phone == "+49 30 1234"  # a blank field is filled
    assert lead.account.domain == "northwind.example"


def test_free_mail_and_disposable_domains_never_make_an_account(api):
    for email in ("someone@gmail.com", "x@mailinator.com", "y@proton.me"):
        assert _post(api, {"email": email}).status_code == 201
    assert not Lead.objects.filter(account__isnull=False).exists()
    from apps.accounts.models import Account

    assert Account.objects.count() == 0


def test_same_idempotency_key_and_body_replays_the_first_response(api):
    body = {"email": "kim@initech.example"}
    first = _post(api, body, HTTP_IDEMPOTENCY_KEY="abc-1")
    second = _post(api, body, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Touchpoint.objects.count() == 1


def test_same_key_with_another_body_is_refused_with_422(api):
    _post(api, {"email": "kim@initech.example"}, HTTP_IDEMPOTENCY_KEY="abc-2")
    response = _post(api, {"email": "lee@initech.example"}, HTTP_IDEMPOTENCY_KEY="abc-2")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()
    assert Lead.objects.count() == 1


def test_key_still_in_flight_gets_409(api):
    from apps.intake.models import IntakeSource

    body = {"email": "kim@initech.example"}
    source = IntakeSource.objects.get()
    begin_idempotency(scope=f"source:{source.pk}:intake", key="abc-3", digest=request_hash(body))
    response = _post(api, body, HTTP_IDEMPOTENCY_KEY="abc-3")
    assert response.status_code == 409
    assert Lead.objects.count() == 0


def test_a_failed_request_frees_its_key(api, monkeypatch):
    from apps.intake import services

    def boom(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "intake_lead", boom)
    with pytest.raises(RuntimeError):
        _post(api, {"email": "kim@initech.example"}, HTTP_IDEMPOTENCY_KEY="abc-4")
    assert not IdempotencyRecord.objects.filter(key="abc-4").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": 42}, "email"),
        ({"email": "a@b.example", "campaign": "no-such-campaign"}, "campaign"),
        ({"email": "a@b.example", "asset": "no-such-asset"}, "asset"),
        ({"email": "a@b.example", "kind": "telepathy"}, "kind"),
        ({"email": "a@b.example", "country": "Germany"}, "country"),
        ({"email": "a@b.example", "first_name": "x" * 500}, "first_name"),
        ({"email": "a@b.example", "first_name": "Ann\u0000"}, "first_name"),
        ({"email": "a@b.example", "metadata": {"utm\u0000": "x"}}, "metadata.utm\u0000"),
        ({"email": "a@b.example", "metadata": "nope"}, "metadata"),
        ({"email": "a@b.example", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ([1, 2], "body"),
        ("{not json", "body"),
    ],
)
def test_bad_input_gets_a_400_naming_the_field_and_writes_nothing(api, body, field):
    response = _post(api, body)
    assert response.status_code == 400
    assert field in response.json()
    assert Lead.objects.count() == 0
    assert LeadEvent.objects.count() == 0


def test_body_over_64_kb_gets_413(api):
    response = _post(api, {"email": "a@b.example", "metadata": {"x": "y" * 70_000}})
    assert response.status_code == 413
    assert "body" in response.json()
    assert Lead.objects.count() == 0


def test_bad_key_is_401_and_no_credentials_is_refused(db):
    client = APIClient()
    assert _post(client, {"email": "a@b.example"}).status_code in (401, 403)
    client.credentials(HTTP_X_API_KEY="wrong-key-entirely")
    assert _post(client, {"email": "a@b.example"}).status_code == 401


def test_marketing_token_may_post_but_a_rep_may_not(marketer, rep):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=marketer).key}")
    assert _post(client, {"email": "a@b.example"}).status_code == 201
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rep).key}")
    assert _post(client, {"email": "c@b.example"}).status_code == 403


def test_campaign_and_asset_are_recorded_on_the_touchpoint(api):
    asset = factories.AssetFactory(slug="pricing-guide")
    response = _post(
        api,
        {
            "email": "a@b.example",
            "asset": "pricing-guide",
            "kind": "download",
            "occurred_at": timezone.now().isoformat(),
        },
    )
    assert response.status_code == 201
    touch = Touchpoint.objects.get()
    assert touch.asset == asset
    assert touch.campaign == asset.campaign
    assert Lead.objects.get().campaign == asset.campaign


def test_schema_describes_intake(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/intake/" in response.content


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"email": "kim@initech.example", "metadata": {"score": NaN}}', "metadata.score"),
        ('{"email": "kim@initech.example", "metadata": {"a": [1, Infinity]}}', "metadata.a[1]"),
        ('{"email": "kim@initech.example", "metadata": {"a": -Infinity}}', "metadata.a"),
    ],
)
def test_non_finite_numbers_are_a_400_naming_the_field(api, raw, field):  # type: ignore[no-untyped-def]
    response = _post(api, raw)
    assert response.status_code == 400
    assert response.json() == {
        field: ["NaN and Infinity are not JSON numbers; send a number or null."]
    }
    assert Lead.objects.count() == 0


def test_deeply_nested_json_is_a_400_naming_the_field_not_a_500(api):  # type: ignore[no-untyped-def]
    deep = '{"email": "kim@initech.example", "metadata": ' + "[" * 5000 + "]" * 5000 + "}"
    response = _post(api, deep)
    assert response.status_code == 400
    assert list(response.json()) == ["metadata"]
    assert "Nested more than" in response.json()["metadata"][0]
    assert _post(api, "[" * 5000 + "]" * 5000).json() == {
        "body": ["Nested more than 32 levels deep."]
    }


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_a_body_not_declared_json_is_a_415(api, content_type):  # type: ignore[no-untyped-def]
    body = json.dumps({"email": "kim@initech.example"})
    response = api.post(URL, data=body, content_type=content_type)
    assert response.status_code == 415
    assert "Content-Type" in response.json()
    assert Lead.objects.count() == 0


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api):  # type: ignore[no-untyped-def]
    body = json.dumps({"email": "kim@initech.example"})
    for content_type in ("application/json; charset=utf-8", "application/vnd.lead+json"):
        assert api.post(URL, data=body, content_type=content_type).status_code in (200, 201)


def test_a_touch_dated_before_2000_is_refused_naming_occurred_at(api):  # type: ignore[no-untyped-def]
    response = _post(api, {"email": "kim@initech.example", "occurred_at": "0001-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "occurred_at" in response.json()
    assert (
        _post(
            api, {"email": "kim@initech.example", "occurred_at": "2000-01-01T00:00:00Z"}
        ).status_code
        == 201
    )


def test_a_new_lead_at_a_known_account_costs_at_most_ten_statements(
    django_capture_on_commit_callbacks, marketer, manager
):  # type: ignore[no-untyped-def]
    # given the key, the signed agreement and the rules committed, and one lead taken in
    # (each process reads the rules and keys once, then while their stamps stay)
    with django_capture_on_commit_callbacks(execute=True):
        _website_source()
        now = timezone.now()
        factories.AgreementFactory(
            marketing_signer=marketer,
            marketing_signed_at=now,
            sales_signer=manager,
            sales_signed_at=now,
        )
        factories.ScoringRuleFactory(value="vp", points=30)
        factories.BuyingRoleRuleFactory(keyword="vp", role="decision_maker")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=KEY)
    assert _post(client, {"email": "a@acme.example", "title": "VP Sales"}).status_code == 201
    # when a second person at that account arrives
    with CaptureQueriesContext(connection) as captured:
        response = _post(client, {"email": "b@acme.example", "title": "VP Marketing"})
    # then the lead is matched, given its role, scored and written in at most ten statements:
    # its transaction's two, the lead read, the account read, and one write per table
    assert response.status_code == 201
    assert len(captured) <= 10, [q["sql"][:60] for q in captured]
    lead = Lead.objects.select_related("account").get(email="b@acme.example")
    assert (lead.account.domain, lead.buying_role) == ("acme.example", "decision_maker")
    assert lead.score == response.json()["score"] > 0


def test_a_deactivated_key_is_refused_on_the_next_request(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    # given a committed key that has been used (so this process holds the active keys)
    with django_capture_on_commit_callbacks(execute=True):
        source = _website_source()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=KEY)
    assert _post(client, {"email": "a@acme.example"}).status_code == 201
    # when RevOps deactivates it and the change commits
    with django_capture_on_commit_callbacks(execute=True):
        source.is_active = False
        source.save(update_fields=["is_active", "updated_at"])
    # then the very next post with it is refused, and writes nothing
    refused = _post(client, {"email": "b@acme.example"})
    assert refused.status_code in (401, 403)
    assert not Lead.objects.filter(email="b@acme.example").exists()
    # and a key of the wrong shape or none at all is refused alike
    for key in ("", "x", "rdk_" + "z" * 500):
        client.credentials(HTTP_X_API_KEY=key)
        assert _post(client, {"email": "c@acme.example"}).status_code in (401, 403)
    assert not Lead.objects.filter(email="c@acme.example").exists()
