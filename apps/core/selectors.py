"""Health probes for /healthz. Each returns a JSON-ready dict and never raises."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

from celery import current_app
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def database_health() -> dict[str, Any]:
    """Run SELECT 1 on the default database."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check: database unavailable: %s", error)
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def broker_health() -> dict[str, Any]:
    """Open (and close) one connection to the Celery broker, without retrying."""
    app = current_app
    url_scheme = urlsplit(str(app.conf.broker_url or "")).scheme or "unknown"
    started = time.monotonic()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
    # Any failure of the transport (socket, auth, DNS, kombu's own errors) means "not ok";
    # the check must report it, never raise it.
    except Exception as error:  # noqa: BLE001
        logger.warning("health check: broker unavailable: %s", error)
        return {"ok": False, "url_scheme": url_scheme, "error": type(error).__name__}
    return {
        "ok": True,
        "url_scheme": url_scheme,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
