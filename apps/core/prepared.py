"""Prepared statements for a hot transaction: `with prepared_statements(): ...`.

PostgreSQL plans every statement it is sent. For intake's writes (about ten statements of fixed
shape, on every lead) the planning is most of what PostgreSQL spends: prepared once per
connection and run on their generic plan, PostgreSQL's CPU for an intake fell from 1.8 to
1.1 ms. Only the block's statements are prepared. Everything else keeps Django's defaults:
parameters pasted into the SQL by psycopg (server-side binding refuses statements of more than
65,535 parameters and some GROUP BYs over parameters, Django ticket #34255) and a plan made for
each statement's own values (a generic plan chosen for a small account or a quiet rep would be
kept for the largest). Elsewhere than PostgreSQL the block does nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor

_UNREAD = object()


@contextmanager
def prepared_statements() -> Iterator[None]:
    """Inside the block, this connection binds parameters on the server and prepares a
    statement on its second run in such a block (psycopg keeps the connection's last 100),
    reusing it from then on; PostgreSQL runs it on its generic plan once that costs no more
    than planning each run. Outside it, nothing is prepared or reused."""
    with _server_binding(ServerBindingCursor, prepare_threshold=1):
        yield


@contextmanager
def _server_binding(
    factory: Callable[..., ServerBindingCursor], *, prepare_threshold: int | None
) -> Iterator[None]:
    """Inside the block, this connection's cursors come from `factory` (server-side binding)
    with psycopg's `prepare_threshold` (None: never prepare); as they were after it."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    cursor_factory, threshold = driver.cursor_factory, driver.prepare_threshold
    driver.cursor_factory, driver.prepare_threshold = factory, prepare_threshold
    # told to Django too (this thread's connection only): the SQL it records for debugging and
    # for query-capturing tests is then composed from the statement and its parameters, as
    # psycopg keeps no text of a prepared statement it reuses
    features = connection.features.__dict__  # the cached answer, if Django has read it yet
    told = features.get("uses_server_side_binding", _UNREAD)
    features["uses_server_side_binding"] = True
    try:
        yield
    finally:
        if told is _UNREAD:  # read from the settings again
            features.pop("uses_server_side_binding", None)
        else:  # a block around this one: as it was
            features["uses_server_side_binding"] = told
        if not driver.closed:
            driver.cursor_factory, driver.prepare_threshold = cursor_factory, threshold
