"""API tokens expire, and end with the session or password that could have revealed them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def _token(username: str = "sam") -> str:
    response = Client(REMOTE_ADDR="198.51.100.30").post(
        TOKEN, {"username": username, "password": "demo"}
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _leads(key: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/leads/").status_code


def test_a_token_works_until_it_expires_then_a_new_one_is_issued(rep, settings):  # type: ignore[no-untyped-def]
    # given a token issued just past its lifetime ago
    settings.API_TOKEN_TTL = timedelta(days=30)
    key = _token()
    assert _leads(key) == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=30, minutes=1))

    # then it is refused, and asking again gives a different, working token
    assert _leads(key) == 401
    fresh = _token()
    assert fresh != key
    assert _leads(fresh) == 200


def test_signing_out_revokes_the_token(rep):  # type: ignore[no-untyped-def]
    key = _token()
    browser = Client()
    browser.post("/login/", {"username": "sam", "password": "demo"})
    browser.post("/logout/")
    assert _leads(key) == 401


def test_changing_the_password_revokes_the_token(rep):  # type: ignore[no-untyped-def]
    key = _token()
    rep.set_password("a new long passphrase")
    rep.save()
    assert _leads(key) == 401


def test_saving_the_user_without_a_new_password_keeps_the_token(rep):  # type: ignore[no-untyped-def]
    key = _token()
    rep.first_name = "Samuel"
    rep.save()
    assert _leads(key) == 200
