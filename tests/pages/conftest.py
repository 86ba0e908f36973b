"""Record builders for the page tests: small, explicit, one per shape the pages show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.leads.models import Lead
from apps.users.models import User
from tests import factories


def make_owned_lead(owner: User, **kwargs: Any) -> Lead:
    """An open lead in `owner`'s queue with a running SLA clock."""
    now = timezone.now()
    defaults: dict[str, Any] = {
        "status": Lead.Status.READY,
        "owner": owner,
        "assigned_at": now,
        "ready_at": now,
        "sla_state": Lead.SlaState.PENDING,
        "sla_due_at": now + timedelta(minutes=5),
    }
    return factories.LeadFactory(**(defaults | kwargs))


def make_pool_lead(**kwargs: Any) -> Lead:
    """A ready lead no rep holds."""
    return factories.LeadFactory(
        **({"status": Lead.Status.READY, "ready_at": timezone.now()} | kwargs)
    )


@pytest.fixture
def owned_lead():  # type: ignore[no-untyped-def]
    return make_owned_lead


@pytest.fixture
def pool_lead():  # type: ignore[no-untyped-def]
    return make_pool_lead
