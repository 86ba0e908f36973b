"""Publish Celery tasks after commit, by name, without ever failing or hanging the request.

`on_commit` is not an outbox: if the broker is down the publish fails, is logged, and the
database row (a ready lead without owner, a pending SLA clock) is re-driven by the sweep.

Services name the task ("routing.route_lead") instead of importing it. A lower app can so ask
for work an upper app does (scoring marks a lead ready, routing routes it) without importing
upward, and no services module imports its own tasks module (tasks import services).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from celery import current_app
from celery.app.task import Task
from django.db import transaction

logger = logging.getLogger(__name__)
_discovery = threading.Lock()


def registered_task(name: str) -> Task:  # type: ignore[type-arg]
    """The task registered under `name`; a typo is a KeyError at the call, not a silent publish."""
    tasks = current_app.tasks
    if name not in tasks:
        # Autodiscovery is lazy: import every app's tasks module once, then look again. One
        # thread at a time: the first requests of a threaded server arrive together, and a
        # thread must not look while another is halfway through the imports.
        with _discovery:
            if name not in tasks:
                current_app.loader.import_default_modules()
    return tasks[name]


def publish(name: str, *args: Any, eta: datetime | None = None) -> None:
    task = registered_task(name)
    try:
        task.apply_async(args=list(args), eta=eta)
    except Exception:  # broker down or slow: the sweep will catch up
        logger.warning(
            "could not publish %s%r; the sweep will re-drive it", name, args, exc_info=True
        )


def enqueue_on_commit(name: str, *args: Any, eta: datetime | None = None) -> None:
    """Publish task `name` with `args` once the current transaction commits (never raises)."""
    registered_task(name)  # fail fast on a wrong name, inside the caller's transaction
    transaction.on_commit(lambda: publish(name, *args, eta=eta), robust=True)
