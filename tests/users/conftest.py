"""Sign-in throttling is counted by django-ratelimit in fixed windows whose end is offset per
key: a test's requests that straddle that second are counted in two windows and never reach
the limit (CI on bdbb95c, tests/users/test_login.py; on 10062c7, test_signin.py's 20/m token
limit). Its clock stands still for every test here."""

from __future__ import annotations

import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest


@pytest.fixture(autouse=True)
def still_rate_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
