"""Every sign-in test here counts to django-ratelimit's limits with its clock standing still
(still_rate_clock, tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _rate_clock(still_rate_clock: None) -> None:
    """Requests of one test land in one rate window."""
