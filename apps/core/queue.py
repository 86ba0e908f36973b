"""Publish Celery tasks after commit, without ever failing or hanging the request.

`on_commit` is not an outbox: if the broker is down the publish fails, is logged, and the
database row (a ready lead without owner, a pending SLA clock) is re-driven by the sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task: Any, *args: Any, eta: datetime | None = None) -> None:
    try:
        task.apply_async(args=list(args), eta=eta)
    except Exception:  # broker down or slow: the sweep will catch up
        logger.warning(
            "could not publish %s%r; the sweep will re-drive it", task.name, args, exc_info=True
        )


def enqueue_on_commit(task: Any, *args: Any, eta: datetime | None = None) -> None:
    transaction.on_commit(lambda: publish(task, *args, eta=eta), robust=True)
