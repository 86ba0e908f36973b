"""Sessions are kept in the database and read through the cache (apps.users.sessions): a
signed-in request reads its session without a database statement, a sign-out ends it for every
later request, and a sign-out the cache could not hear about lasts at most a minute."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.test import Client

from apps.users import sessions

pytestmark = pytest.mark.django_db

PAGE = "/sales/"


def _signed_in(cookie: str) -> bool:
    """Whether a browser holding only this session cookie is signed in."""
    browser = Client()
    browser.cookies["sessionid"] = cookie
    return browser.get(PAGE).status_code == 200


def _outage(*args: object, **kwargs: object) -> None:
    raise ConnectionError("Redis unreachable")


class UnreachableCache(BaseCache):
    """A session cache whose every call fails, as Redis does when it cannot be reached."""

    def __init__(self, location: str, params: dict[str, object]) -> None:
        super().__init__(params)

    get = set = add = delete = has_key = _outage  # type: ignore[assignment]


def test_a_signed_in_page_reads_its_session_from_the_cache(
    sales_client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given a signed-in rep whose session the cache holds
    assert sales_client.get(PAGE).status_code == 200
    assert Session.objects.count() == 1  # and the database keeps it

    # when the page is asked for again, then no statement reads the session row
    with django_assert_num_queries(8) as queries:  # the queue's 9 less the session row
        assert sales_client.get(PAGE).status_code == 200
    assert not any("django_session" in query["sql"] for query in queries.captured_queries)


def test_a_sign_out_ends_the_session_for_every_later_request(
    sales_client: Client,
) -> None:  # type: ignore[no-untyped-def]
    # given a signed-in rep
    cookie = sales_client.cookies["sessionid"].value
    assert _signed_in(cookie)

    # when they sign out
    sales_client.post("/logout/")

    # then that cookie signs no one in, from the cache or the database
    assert not _signed_in(cookie)
    assert not Session.objects.filter(session_key=cookie).exists()


def test_a_sign_out_the_cache_missed_outlives_it_by_a_minute_at_most(
    sales_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # given a signed-in rep whose session the cache holds
    cookie = sales_client.cookies["sessionid"].value
    assert _signed_in(cookie)
    signed_out_at = time.time()

    # when they sign out while the cache cannot delete (an outage the fallback did not cover)
    with monkeypatch.context() as patched:
        patched.setattr(cache, "delete", _outage)
        assert sales_client.post("/logout/").status_code == 302

    # then the database has ended it, and the copy left in the cache is gone after a minute
    assert not Session.objects.filter(session_key=cookie).exists()
    later = signed_out_at + sessions.CACHE_SECONDS + 1
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    assert not _signed_in(cookie)


def test_an_unreachable_cache_reads_the_session_from_the_database(
    sales_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    # given a signed-in rep
    cookie = sales_client.cookies["sessionid"].value

    # when the session cache fails every read, write and lookup
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": f"{__name__}.UnreachableCache"},
    }
    settings.SESSION_CACHE_ALIAS = "sessions"

    # then the page still knows them (from the database), and a new sign-in still works
    assert _signed_in(cookie)
    browser = Client()
    response = browser.post("/login/", {"username": "sam", "password": "demo"})
    assert response.status_code == 302
    assert browser.get(PAGE).status_code == 200
    browser.post("/logout/")
    assert Session.objects.count() == 1  # the sign-out ended its own session
