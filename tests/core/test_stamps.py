"""core.stamps on the production cache: a bump replaces each key's stamp with a fresh one that
lives for the stamps' TTL, for one key and for several (SET ... EX each, one round trip)."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches

from apps.core import stamps


@pytest.fixture
def redis_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    keys = ["stamp-test:a", "stamp-test:b", "stamp-test:c"]
    cache.delete_many(keys)
    yield caches["default"]._cache.get_client(write=True)
    cache.delete_many(keys)


@pytest.mark.redis
@pytest.mark.parametrize("keys", [["stamp-test:a"], ["stamp-test:b", "stamp-test:c"]])
def test_a_bump_gives_each_key_a_new_stamp_for_the_ttl(redis_cache, monkeypatch, keys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(stamps, "_away_until", 0.0)
    before = {key: stamps.current(key) for key in keys}

    stamps.bump_now(keys)

    for key in keys:
        after = stamps.current(key)
        assert isinstance(after, str)
        assert after != before[key]
        ttl = redis_cache.ttl(cache.make_and_validate_key(key))
        assert stamps.TTL_SECONDS - 10 <= ttl <= stamps.TTL_SECONDS
