"""No user text rendered unescaped, the security headers, the session cookie and CSRF.

Every user-editable text field of every model (found by walking the models, so a new field is
covered without touching this file) gets an HTML or script payload, then every page of the
permission matrix is read as RevOps and as the rep sam, plainly and as an htmx partial.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import reverse

from apps.campaigns.models import Campaign
from apps.core.permission_matrix import RULES, Rule
from tests.security.conftest import (
    NO_HTMX_AND_HTMX,
    World,
    body_of,
    build_world,
    client_for,
    url_for,
    world_in_transaction,
)

PAYLOADS = ('<script>alert("x")</script>', '"><img src=x onerror=alert(1)>')
# What must never reach an HTML page raw (the escaped forms are &lt;script&gt; and &lt;img).
RAW = ('<script>alert("x")</script>', "<img src=x onerror")
ESCAPED = ("&lt;script&gt;alert(", "&lt;img src=x onerror")

# Text fields that are identifiers, secrets or machine-read settings, not user text shown back.
NOT_USER_TEXT = frozenset(
    {
        ("users", "username"),
        ("users", "password"),
        ("users", "email"),
        ("users", "time_zone"),
        ("users", "work_days"),
        ("routing", "time_zone"),
        ("routing", "work_days"),
        ("campaigns", "slug"),
        ("leads", "slug"),
        ("leads", "key_prefix"),
        ("leads", "key_hash"),
        ("leads", "webhook_secret"),
        ("leads", "previous_webhook_secret"),
        ("leads", "scope"),
        ("leads", "key"),
        ("leads", "request_hash"),
        ("imports", "source_path"),
    }
)
JSON_PAYLOADS: dict[tuple[str, str], Any] = {
    ("leads", "metadata"): {"page": PAYLOADS[0], "referrer": PAYLOADS[1]},
    ("leads", "payload"): {"note": PAYLOADS[0]},
    ("service", "tags"): [PAYLOADS[0], PAYLOADS[1]],
    ("imports", "header"): ["email", PAYLOADS[0], PAYLOADS[1]],
    ("imports", "values"): ["bad", PAYLOADS[0], PAYLOADS[1]],
}


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    label = model._meta.app_label
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and (label, f.name) not in NOT_USER_TEXT
    ]


# Append-only tables refuse UPDATE: their poisoned rows are inserted instead.
APPEND_ONLY = frozenset({"leads.LeadEvent", "campaigns.CampaignSpend"})


def poison() -> list[str]:
    """Write a payload into every user text field of every row; returns what was poisoned."""
    poisoned: list[str] = []
    for model in apps.get_models():
        if not model.__module__.startswith("apps.") or model._meta.label in APPEND_ONLY:
            continue
        label = model._meta.app_label
        fields = _text_fields(model)
        json_fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.JSONField) and (label, f.name) in JSON_PAYLOADS
        ]
        for pk in model._default_manager.values_list("pk", flat=True):
            values: dict[str, Any] = {}
            for index, f in enumerate(fields):
                payload = PAYLOADS[(index + pk) % 2]
                value = f"{payload} {f.name}{pk}"
                if f.max_length is not None and len(value) > f.max_length:
                    value = payload
                if f.max_length is not None and len(value) > f.max_length:
                    continue  # too short to hold a payload (codes of 2 to 20 characters)
                if f.name in {"email", "domain"}:
                    value = value.lower()
                values[f.name] = value
                poisoned.append(f"{model._meta.label}.{f.name}")
            for f in json_fields:
                values[f.name] = JSON_PAYLOADS[(label, f.name)]
                poisoned.append(f"{model._meta.label}.{f.name}")
            if values:
                model._default_manager.filter(pk=pk).update(**values)
    return sorted(set(poisoned))


def build_poisoned_world() -> World:
    from apps.leads.models import Lead, LeadEvent
    from tests import factories

    built = build_world()
    for lead in Lead.objects.all():
        factories.LeadEventFactory(
            lead=lead,
            kind=LeadEvent.Kind.STATUS,
            reason=PAYLOADS[0],
            old_value=PAYLOADS[1],
            new_value=PAYLOADS[0],
            payload=JSON_PAYLOADS[("leads", "payload")],
            actor=built.users["sara"],
        )
    for campaign in Campaign.objects.all():
        factories.CampaignSpendFactory(
            campaign=campaign, note=PAYLOADS[0], created_by=built.users["mia"]
        )
    built.extra["poisoned"] = [
        *poison(),
        *(f"leads.LeadEvent.{name}" for name in ("reason", "old_value", "new_value", "payload")),
        "campaigns.CampaignSpend.note",
    ]
    return built


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with world_in_transaction(django_db_blocker, build_poisoned_world) as built:
        yield built


def _pages() -> list[Rule]:
    """Every GET row of the matrix, once per URL (object variants included)."""
    seen: set[str] = set()
    pages = []
    for rule in RULES:
        ident = f"{rule.key}{sorted(rule.objects.items())}"
        if rule.method == "GET" and ident not in seen:
            seen.add(ident)
            pages.append(rule)
    return pages


def _is_data(response: Any) -> bool:
    """JSON and CSV downloads carry the text as data; a browser never renders them as HTML."""
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/json") or content_type.startswith(
        "application/vnd.oai.openapi+json"
    ):
        return True
    return content_type.startswith("text/csv") and "attachment" in response.get(
        "Content-Disposition", ""
    )


@pytest.mark.django_db
def test_every_text_field_is_poisoned(world: World) -> None:
    poisoned = set(world.extra["poisoned"])
    for expected in (
        "leads.Lead.first_name",
        "leads.Lead.company_name",
        "leads.Activity.note",
        "campaigns.Campaign.name",
        "campaigns.Campaign.goal",
        "campaigns.Asset.intent_note",
        "campaigns.CampaignSpend.note",
        "accounts.Account.name",
        "plays.Play.talk_track",
        "plays.PlayStep.template",
        "feedback.Disqualification.note",
        "feedback.DisqualificationReason.label",
        "service.VoiceNote.quote",
        "service.VoiceNote.tags",
        "opportunities.Opportunity.name",
        "notifications.Notification.title",
        "goals.JointGoal.name",
        "users.User.first_name",
    ):
        assert expected in poisoned, expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["RevOps", "Sales"])
def test_no_page_renders_a_payload_raw(world: World, role: str) -> None:
    client = client_for(world, role)
    raw_on: list[str] = []
    data_seen = 0
    pages_seen = 0
    for rule in _pages():
        url = url_for(rule, world)
        for headers in NO_HTMX_AND_HTMX:
            response = client.get(url, headers=headers)
            assert response.status_code < 500, f"{url} {headers}: {response.status_code}"
            body = body_of(response).decode("utf-8", errors="replace")
            if _is_data(response):
                data_seen += 1
                continue
            pages_seen += 1
            found = [raw for raw in RAW if raw in body]
            if found:
                raw_on.append(f"{url} {'(htmx)' if headers else ''}: {found}")
    assert pages_seen > 60
    assert data_seen > 5
    assert not raw_on, "User text rendered unescaped on: " + "; ".join(raw_on)


@pytest.mark.django_db
def test_the_payload_is_really_shown_escaped(world: World) -> None:
    """The positive control: the lead page shows the poisoned name, escaped."""
    client = client_for(world, "RevOps")
    rule = Rule("sales:lead", "GET", {})
    body = body_of(client.get(url_for(rule, world))).decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body or (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    )


@pytest.mark.django_db
def test_a_refused_form_echoes_the_payload_escaped(world: World) -> None:
    client = Client()
    url = reverse("public:form", kwargs={"slug": world.objects["public_form"].slug})
    response = client.post(url, {"email": PAYLOADS[1], "first_name": PAYLOADS[0]})
    assert response.status_code == 400
    body = response.content.decode()
    assert not [raw for raw in RAW if raw in body]


# --- Headers, cookies, CSRF ---------------------------------------------------------------


@pytest.mark.django_db
def test_security_headers_on_a_page(world: World) -> None:
    response = client_for(world, "Sales").get(reverse("sales:queue"))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_public_form_may_be_framed(world: World) -> None:
    url = reverse("public:form", kwargs={"slug": world.objects["public_form"].slug})
    response = Client().get(url)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response, "the public form is embeddable on purpose"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_session_cookie_is_http_only(world: World) -> None:
    response = Client().post(reverse("login"), {"username": "sam", "password": "demo"})
    assert response.status_code == 302, "sign-in failed"
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_csrf_is_enforced_on_pages_and_session_api(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["sam"])
    page = client.post(reverse("notifications:mark_all_read"))
    assert page.status_code == 403
    api = client.post(
        reverse("api:lead-attempts", kwargs={"lead_id": world.objects["lead"].pk}),
        {"channel": "call", "outcome": "no_answer"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert "CSRF" in api.json()["detail"]


# Every text field name a form of the app posts (apps/*/forms.py), each given a payload.
FORM_TEXT_FIELDS = (
    "action_note",
    "call_to_action",
    "company",
    "context",
    "email",
    "first_name",
    "goal",
    "intent_note",
    "last_name",
    "lost_details",
    "lost_reason",
    "message",
    "name",
    "note",
    "phone",
    "q",
    "quote",
    "reason",
    "sequence",
    "source",
    "tag",
    "tags",
    "talk_track",
    "template",
    "title",
    "topic",
    "url",
)


def _poisoned_form() -> dict[str, str]:
    return {name: PAYLOADS[i % 2] for i, name in enumerate(FORM_TEXT_FIELDS)}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["RevOps", "Sales", "Sales manager"])
def test_no_form_answer_echoes_a_payload_raw(world: World, role: str) -> None:
    """Every action and form, posted with a payload in each text field: a refusal that shows
    the form again (422, 400, 409) or a success page shows the input escaped."""
    client = client_for(world, role)
    raw_on: list[str] = []
    posted = escaped_seen = 0
    for rule in RULES:
        if rule.method != "POST" or rule.url_name == "logout" or rule.url_name.startswith("api:"):
            continue
        url = url_for(rule, world)
        for headers in NO_HTMX_AND_HTMX:
            savepoint = transaction.savepoint()
            response = client.post(url, _poisoned_form(), headers=headers, follow=True)
            transaction.savepoint_rollback(savepoint)
            posted += 1
            assert response.status_code < 500, f"POST {url} {headers}: {response.status_code}"
            if _is_data(response):
                continue
            body = body_of(response).decode("utf-8", errors="replace")
            escaped_seen += any(escaped in body for escaped in ESCAPED)
            found = [raw for raw in RAW if raw in body]
            if found:
                raw_on.append(f"POST {url} {'(htmx)' if headers else ''}: {found}")
    assert posted > 40
    assert escaped_seen > 10, "the forms should show the posted text back, escaped"
    assert not raw_on, "Posted text echoed unescaped by: " + "; ".join(raw_on)


@pytest.mark.django_db
def test_api_errors_are_json(world: World) -> None:
    """The API echoes bad input only inside JSON (never as HTML a browser would render)."""
    client = client_for(world, "Marketing")
    response = client.post(
        reverse("api:intake"),
        {"email": PAYLOADS[1], "first_name": PAYLOADS[0]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
