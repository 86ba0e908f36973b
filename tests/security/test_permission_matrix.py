"""Every URL of the URLconf as every role, against the matrix in apps/core/permission_matrix.py.

A URL name without a row fails `test_every_url_has_a_rule`, so a new view cannot ship without
a rule. Where the app disagrees with the SPEC the matrix still says what the SPEC says, and
that one case is marked xfail(strict=True) with the bug in its reason (KNOWN_BUGS below):
when the app is fixed the xfail turns into a failure until the mark is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from apps.core import permission_matrix as access
from apps.core.permission_matrix import ANONYMOUS, ROLES, RULES, Outcome, Rule
from tests.security.conftest import (
    NO_HTMX_AND_HTMX,
    SECRET_NOTE,
    World,
    body_of,
    client_for,
    kwargs_of,
    url_for,
)

README = Path(__file__).resolve().parents[2] / "README.md"

# (rule key, role) -> the bug, for cases where the app disagrees with the SPEC.
KNOWN_BUGS: dict[tuple[str, str], str] = {}

REDIRECTS = {301, 302, 303, 307, 308}
# An action whose body or state was refused still passed the permission check.
REFUSED_BUT_ALLOWED = {400, 409, 422}


def _login_paths() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def outcome_of(response: Any, *, method: str, anonymous: bool) -> str:
    status = response.status_code
    if status in REDIRECTS:
        location = urlsplit(response["Location"])
        if location.path in _login_paths() and "next=" in location.query:
            return Outcome.LOGIN
        return Outcome.OK
    if status == 401 or (status == 403 and anonymous):
        return Outcome.LOGIN
    if status == 403:
        return Outcome.FORBIDDEN
    if status == 404:
        return Outcome.HIDDEN
    if status == 405:
        return Outcome.METHOD
    if 200 <= status < 300:
        return Outcome.OK
    if method == "POST" and status in REFUSED_BUT_ALLOWED:
        return Outcome.OK
    return f"unexpected status {status}"


# --- What each action is sent: a valid body where the API validates before it checks roles ----


API_BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    # JSON without an email: a 400 once the sender passed the permission check.
    "api:intake": lambda w: {"first_name": "Matrix"},
    "api:lead-attempts": lambda w: {"channel": "call", "outcome": "no_answer", "note": "tried"},
    "api:lead-reassign": lambda w: {"to_rep": w.users["sara"].pk, "reason": "matrix"},
    "api:lead-convert": lambda w: {"name": "Matrix deal", "amount": "1000"},
    "api:lead-disqualify": lambda w: {"reason": w.objects["reason"].code, "note": "matrix"},
    "api:lead-recycle": lambda w: {"reason": "no-budget", "note": "matrix"},
    "api:disqualification-review": lambda w: {
        "decision": "acknowledge",
        "action_note": "matrix",
    },
    "api:opportunity-stage": lambda w: {"stage": "demo", "lost_reason": ""},
}


# Web forms get a valid body where the permission is checked by the service behind the form
# (a rep may read a lead he may not work); elsewhere an empty body is enough.
WEB_BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "sales:log-attempt": API_BODIES["api:lead-attempts"],
    "sales:convert": API_BODIES["api:lead-convert"],
    "sales:disqualify": lambda w: {"reason": w.objects["reason"].pk, "note": "matrix"},
    "sales:recycle": lambda w: {"reason": w.objects["reason"].pk, "note": "matrix"},
    "sales:complete-step": lambda w: {"outcome": "no_answer"},
    "sales:send-step-email": lambda w: {"subject": "Matrix", "body": "Hello"},
    "sales:switch-play": lambda w: {"play": w.objects["play"].pk, "reason": "matrix"},
    "sales:buying-role": lambda w: {"role": "champion"},
    "sales:reassign": lambda w: {"to_rep": w.users["sara"].pk, "reason": "matrix"},
    "sales:change-stage": lambda w: {"stage": "demo", "lost_reason": ""},
}


def request(client: Any, rule: Rule, world: World, headers: dict[str, str] | None = None) -> Any:
    url = url_for(rule, world)
    if rule.method == "GET":
        return client.get(url, headers=headers)
    body = API_BODIES.get(rule.url_name)
    if body is not None:
        return client.post(url, body(world), content_type="application/json", headers=headers)
    form = WEB_BODIES.get(rule.url_name)
    return client.post(url, form(world) if form else {}, headers=headers)


def _case_id(rule: Rule) -> str:
    suffix = ",".join(f"{k}={v}" for k, v in sorted(rule.objects.items()))
    return f"{rule.key}[{suffix}]" if suffix else rule.key


def _cases() -> list[Any]:
    cases = []
    for rule in RULES:
        for role in ROLES:
            marks = []
            bug = KNOWN_BUGS.get((_case_id(rule), role))
            if bug is not None:
                marks.append(pytest.mark.xfail(strict=True, reason=bug))
            cases.append(pytest.param(rule, role, id=f"{_case_id(rule)}-{role}", marks=marks))
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "role"), _cases())
def test_matrix(world: World, rule: Rule, role: str) -> None:
    client = client_for(world, role)
    response = request(client, rule, world)
    got = outcome_of(response, method=rule.method, anonymous=role == ANONYMOUS)
    expected = rule.outcome(role)
    assert got == expected, (
        f"{rule.method} {url_for(rule, world)} ({rule.url_name}) as {role}: expected "
        f"{expected}, got {got} (status {response.status_code}"
        f"{', Location ' + response['Location'] if response.has_header('Location') else ''})"
    )


def _token_cases() -> list[Any]:
    return [
        case
        for case in _cases()
        if case.values[0].url_name.startswith("api:") and case.values[1] != ANONYMOUS
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "role"), _token_cases())
def test_matrix_with_an_api_token(world: World, rule: Rule, role: str) -> None:
    """The API rows again with `Authorization: Token`, the way scripts call the API."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=world.user_for(role))
    client = Client(headers={"Authorization": f"Token {token.key}"})
    response = request(client, rule, world)
    got = outcome_of(response, method=rule.method, anonymous=False)
    assert got == rule.outcome(role), (
        f"{rule.method} {url_for(rule, world)} as {role} by token: expected "
        f"{rule.outcome(role)}, got {got} (status {response.status_code})"
    )


def test_every_url_has_a_rule() -> None:
    missing = sorted(set(access.url_names()) - access.covered_names())
    assert not missing, (
        "These URL names have no row in apps/core/permission_matrix.py (a new view needs a rule for every "
        "role before it ships): " + ", ".join(missing)
    )


def test_no_rule_for_a_url_that_is_gone() -> None:
    stale = sorted(access.covered_names() - set(access.url_names()))
    assert not stale, (
        "Rows in apps/core/permission_matrix.py for URL names that no longer exist: "
        + (", ".join(stale))
    )


def test_every_role_has_an_outcome_in_every_row() -> None:
    for rule in RULES:
        assert set(rule.outcomes) == set(ROLES), rule.key
    assert len({(_case_id(rule)) for rule in RULES}) == len(RULES), "duplicate rows"


def test_known_bugs_name_real_cases() -> None:
    keys = {_case_id(rule) for rule in RULES}
    for rule_key, role in KNOWN_BUGS:
        assert rule_key in keys, rule_key
        assert role in ROLES, role


def test_readme_shows_the_matrix() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## Permissions" in text, "README.md has no '## Permissions' section"
    assert access.render_markdown() in text, (
        "README.md's permission table differs from apps.core.permission_matrix.render_markdown(): "
        "paste the function's output into the '## Permissions' section"
    )


# --- Object level: a rep never reads another rep's attempt notes ---------------------------

NOTE_READERS_DENIED = ("Sales", "Service")  # the SPEC: "read other reps' attempt notes: no"
# Each object URL is probed once per record the note could hang from.
SUBJECTS = {
    "lead_id": ("other_lead", "visible_other_lead", "customer_lead", "lead", "pool_lead"),
    "account_id": ("account", "sara_account", "customer_account"),
    "opportunity_id": ("opportunity", "other_opportunity"),
}
EXTRA_QUERIES = ("", "?format=csv", "?people_after=0")
# The regions a page answers alone when htmx names them (HX-Target), by URL name.
HTMX_TARGETS = {
    "sales:queue": ("queue-list", "pool-list"),
    "sales:counts": ("queue-counts", "counts-strip"),
    "sales:team": ("team-counts", "team-reps", "team-leads", "team-breached", "team-disputes"),
    "feedback:home": ("review-counts", "analytics"),
    "marketing:performance": ("attribution",),
    "plays:list": ("play-performance",),
    "service:home": ("renewal-totals", "customers"),
    "service:voice": ("voice-results",),
}


def _variants(rule: Rule) -> list[Rule]:
    """The rule once per subject record of its object keyword (if it has one)."""
    kwargs = kwargs_of(rule.url_name)
    for kwarg, subjects in SUBJECTS.items():
        if kwarg in kwargs:
            return [
                Rule(rule.url_name, rule.method, rule.outcomes, objects={kwarg: subject})
                for subject in subjects
            ]
    return [rule]


def _note_probes(method: str) -> list[Rule]:
    probes: list[Rule] = []
    seen: set[str] = set()
    for rule in RULES:
        if rule.method == method and rule.key not in seen:
            seen.add(rule.key)
            probes.extend(_variants(rule))
    return probes


def _get_probes(probe: Rule, world: World) -> list[tuple[str, dict[str, str]]]:
    url = url_for(probe, world)
    requests: list[tuple[str, dict[str, str]]] = []
    for suffix in EXTRA_QUERIES:
        full = url + (("&" + suffix[1:]) if "?" in url and suffix else suffix)
        requests.extend((full, headers) for headers in NO_HTMX_AND_HTMX)
    for target in HTMX_TARGETS.get(probe.url_name, ()):
        requests.append((url, {"HX-Request": "true", "HX-Target": target}))
    return requests


def _never_shown(world: World, role: str) -> dict[str, bytes]:
    """What `role` must never receive: sara's attempt notes and the leads it may not read."""
    texts = {"sara's attempt note": SECRET_NOTE.encode()}
    hidden = HIDDEN_LEADS[role]
    texts |= {
        f"{key} ({world.objects[key].email})": world.objects[key].email.encode() for key in hidden
    }
    return texts


# The SPEC's "read leads": a rep reads his own, the pool and the people of accounts he owns;
# Service reads the leads of customer accounts.
HIDDEN_LEADS = {
    "Sales": ("other_lead", "customer_lead"),
    "Service": ("lead", "other_lead", "visible_other_lead", "pool_lead"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", NOTE_READERS_DENIED)
def test_what_a_role_may_not_read_never_reaches_it(world: World, role: str) -> None:
    """Sara's attempt notes (one on a lead of an account sam owns, so sam reads the lead
    itself) and the leads the role may not read appear in no page, htmx partial, API response,
    export or action answer the role gets."""
    client = client_for(world, role)
    never = _never_shown(world, role)
    leaks: list[str] = []
    checked = 0

    def inspect(label: str, response: Any) -> None:
        body = body_of(response)
        leaks.extend(
            f"{what} via {label} ({response.status_code})"
            for what, text in never.items()
            if text in body
        )

    for probe in _note_probes("GET"):
        for url, headers in _get_probes(probe, world):
            inspect(f"GET {url} {headers or ''}", client.get(url, headers=headers))
            checked += 1
    for probe in _note_probes("POST"):
        if probe.url_name == "logout":
            continue  # it would end the session the remaining probes need
        for headers in NO_HTMX_AND_HTMX:
            savepoint = transaction.savepoint()
            response = request(client, probe, world, headers=headers)
            transaction.savepoint_rollback(savepoint)
            inspect(f"POST {url_for(probe, world)} {headers or ''}", response)
            checked += 1
    # The lead the rep may read must really be readable, or the probe proves nothing.
    visible = client.get(
        url_for(Rule("api:lead", "GET", {}, objects={"lead_id": "visible_other_lead"}), world)
    )
    if role == "Sales":
        assert visible.status_code == 200
        attempts = visible.json()["attempts"]
        assert attempts
        assert all(a["note_hidden"] and a["note"] == "" for a in attempts)
    assert checked > 500
    assert not leaks, f"{role} received what it may not read:\n" + "\n".join(leaks)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["Sales manager", "Marketing", "RevOps"])
def test_note_readers_do_read_other_reps_notes(world: World, role: str) -> None:
    """The positive control (and the SPEC's 'yes' cells): the note is on the pages probed."""
    client = client_for(world, role)
    rule = Rule("sales:lead", "GET", {}, objects={"lead_id": "visible_other_lead"})
    assert SECRET_NOTE.encode() in body_of(client.get(url_for(rule, world)))
    api = Rule("api:lead-attempts", "GET", {}, objects={"lead_id": "visible_other_lead"})
    assert SECRET_NOTE.encode() in body_of(client.get(url_for(api, world)))


# Who reads which of the world's leads (the SPEC's "read leads" row), and who exports which
# ("imports, exports": Sales export their own, Service its customers', the others all).
READS = {
    "Sales": {"lead", "visible_other_lead", "pool_lead"},
    "Sales manager": {"lead", "other_lead", "visible_other_lead", "customer_lead", "pool_lead"},
    "Marketing": {"lead", "other_lead", "visible_other_lead", "customer_lead", "pool_lead"},
    "Service": {"customer_lead"},
    "RevOps": {"lead", "other_lead", "visible_other_lead", "customer_lead", "pool_lead"},
}
EXPORTS = READS | {"Sales": {"lead"}}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(READS))
def test_lead_list_and_export_hold_exactly_what_the_role_reads(world: World, role: str) -> None:
    client = client_for(world, role)
    listed = body_of(client.get(reverse("api:leads"), {"limit": 200}))
    exported = body_of(client.get(reverse("api:leads-export"), HTTP_ACCEPT="text/csv"))
    for key in READS["RevOps"]:
        email = world.objects[key].email.encode()
        assert (email in listed) == (key in READS[role]), f"{role} list, {key}"
        assert (email in exported) == (key in EXPORTS[role]), f"{role} export, {key}"
