"""Password guessing on every sign-in route (the page, the admin, the API token), and why a
stranger still cannot lock the real user out (apps.users.signin)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.users.signin import DEVICE_COOKIE

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"


def _from(address: str) -> Client:
    """A browser at `address` (REMOTE_ADDR as the server sees it)."""
    return Client(REMOTE_ADDR=address)


def _guess(client: Client, url: str, username: str, password: str = "wrong") -> int:
    return client.post(url, {"username": username, "password": password}).status_code


@pytest.mark.parametrize("url", ["/login/", ADMIN_LOGIN])
def test_five_wrong_passwords_lock_that_username_at_that_address_only(revops, url):  # type: ignore[no-untyped-def]
    # given a guesser at one address
    guesser = _from("203.0.113.7")

    # when it tries five wrong passwords for rita
    codes = [_guess(guesser, url, "rita") for _ in range(5)]

    # then the sixth try is refused even with the right password
    assert 429 not in codes[:4]
    locked = guesser.post(url, {"username": "rita", "password": "demo"})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in guesser.session
    # and rita, at her own address, still signs in
    rita = _from("198.51.100.20")
    signed_in = rita.post(url, {"username": "rita", "password": "demo"})
    assert signed_in.status_code == 302
    assert "_auth_user_id" in rita.session


def test_the_api_token_endpoint_locks_the_same_way(revops):  # type: ignore[no-untyped-def]
    guesser = _from("203.0.113.8")
    codes = [_guess(guesser, TOKEN, "rita") for _ in range(5)]
    assert codes[:4] == [400] * 4  # the fifth wrong password is answered with the lockout
    locked = guesser.post(TOKEN, {"username": "rita", "password": "demo"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked"
    assert (
        _from("198.51.100.21").post(TOKEN, {"username": "rita", "password": "demo"}).json()["token"]
    )


def test_x_forwarded_for_from_a_client_does_not_reset_the_limits(revops, settings):  # type: ignore[no-untyped-def]
    # given no trusted proxy: a client-written X-Forwarded-For must not make it a new address
    settings.TOKEN_RATE_PER_IP = "20/m"
    guesser = _from("203.0.113.9")
    codes = [
        guesser.post(
            TOKEN,
            {"username": f"user{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"10.0.{n}.1",
        ).status_code
        for n in range(21)
    ]
    # then the 21st guess from one address is throttled, whatever the header said
    assert codes[:20] == [400] * 20
    assert codes[20] == 429


def test_a_trusted_proxy_passes_on_the_client_address(revops, settings):  # type: ignore[no-untyped-def]
    # given our load balancer at 10.1.1.1, in front of two clients
    settings.TRUSTED_PROXIES = ["10.1.1.0/24"]
    balancer = _from("10.1.1.1")
    for _ in range(5):
        balancer.post(
            "/login/",
            {"username": "rita", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.10",
        )
    # when rita signs in through the same balancer from her own address
    response = balancer.post(
        "/login/", {"username": "rita", "password": "demo"}, HTTP_X_FORWARDED_FOR="198.51.100.22"
    )
    # then she is not caught by the guesser's lockout
    assert response.status_code == 302


def test_guessing_one_username_from_many_addresses_is_slowed_on_unknown_devices(revops, settings):  # type: ignore[no-untyped-def]
    # given guessers on ten addresses, each below the per-address lockout
    settings.LOGIN_RATE_PER_USER = "10/15m"
    for n in range(10):
        _guess(_from(f"203.0.113.{20 + n}"), "/login/", "rita")

    # when an eleventh address tries rita, even with her password
    new_device = _from("203.0.113.99").post("/login/", {"username": "rita", "password": "demo"})

    # then it is slowed down
    assert new_device.status_code == 429
    assert b"Too many sign-in attempts" in new_device.content


def test_the_real_user_on_a_device_they_used_before_is_never_slowed(revops, settings):  # type: ignore[no-untyped-def]
    # given rita signed in once from her laptop, which keeps the signed device cookie
    settings.LOGIN_RATE_PER_USER = "10/15m"
    laptop = _from("198.51.100.23")
    first = laptop.post("/login/", {"username": "rita", "password": "demo"})
    assert DEVICE_COOKIE in first.cookies
    laptop.post("/logout/")

    # when strangers guess her password from many addresses
    for n in range(12):
        _guess(_from(f"203.0.113.{40 + n}"), "/login/", "rita")

    # then her laptop still signs in at once
    again = laptop.post("/login/", {"username": "rita", "password": "demo"})
    assert again.status_code == 302


def test_a_forged_device_cookie_buys_nothing(revops, settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_RATE_PER_USER = "2/15m"
    forger = _from("203.0.113.60")
    forger.cookies[DEVICE_COOKIE] = '["rita"]'
    codes = [_guess(forger, "/login/", "rita") for _ in range(3)]
    assert codes[-1] == 429
