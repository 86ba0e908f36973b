"""Prepared statements for a hot transaction: `with prepared_statements(): ...`.

PostgreSQL plans every statement it is sent. For intake's writes (about ten statements of fixed
shape, on every lead) the planning is most of what PostgreSQL spends: prepared once per
connection and run on their generic plan, PostgreSQL's CPU for an intake fell from 1.8 to
1.1 ms. Only the block's statements are prepared. Everything else keeps Django's defaults:
parameters pasted into the SQL by psycopg (server-side binding refuses statements of more than
65,535 parameters and some GROUP BYs over parameters, Django ticket #34255) and a plan made for
each statement's own values (a generic plan chosen for a small account or a quiet rep would be
kept for the largest). Elsewhere than PostgreSQL the block does nothing.

`with binary_results(): ...` is the other block here: its statements return PostgreSQL's binary
format, which psycopg reads without parsing decimal text (a large array of floats, say)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg import DataError, pq
from psycopg.abc import Buffer
from psycopg.postgres import types
from psycopg.types.datetime import TimestamptzBinaryLoader
from psycopg.types.json import JsonbBinaryLoader

_UNREAD = object()
TIMESTAMPTZ_OID = types["timestamptz"].oid


@contextmanager
def prepared_statements() -> Iterator[None]:
    """Inside the block, this connection binds parameters on the server and prepares a
    statement on its second run in such a block (psycopg keeps the connection's last 100),
    reusing it from then on; PostgreSQL runs it on its generic plan once that costs no more
    than planning each run. Outside it, nothing is prepared or reused."""
    with _server_binding(ServerBindingCursor, prepare_threshold=1):
        yield


class _JsonbAsText(JsonbBinaryLoader):
    """jsonb in binary as its text, as Django reads it in text (JSONField parses it itself):
    the binary form is a version byte (1) and the text."""

    def load(self, data: Buffer) -> str:
        if data and data[0] != 1:
            raise DataError(f"unknown jsonb binary format: {data[0]}")
        return bytes(data[1:]).decode()


def _binary_cursors(zone: tzinfo | None) -> Callable[..., ServerBindingCursor]:
    """A factory of server-binding cursors reading binary results with Django's own choices:
    jsonb as text and timestamptz in the connection's time zone (`zone`), as the text loaders
    Django registers do. The loaders are made once per block, not per cursor."""

    class TimestamptzInZone(TimestamptzBinaryLoader):
        def load(self, data: Buffer) -> datetime:
            return super().load(data).replace(tzinfo=zone)

    def cursor(driver: Any, **kwargs: Any) -> ServerBindingCursor:
        made = ServerBindingCursor(driver, **kwargs)
        made.format = pq.Format.BINARY
        made.adapters.register_loader("jsonb", _JsonbAsText)
        made.adapters.register_loader("timestamptz", TimestamptzInZone)
        return made

    return cursor


@contextmanager
def binary_results() -> Iterator[None]:
    """Inside the block, this connection's statements return their values in PostgreSQL's
    binary format (parameters bound on the server, which binary results need): psycopg reads
    a float from its eight bytes instead of parsing its decimal text, a third of the time a
    quarter's cohort read spent taking its answered leads' response minutes (29,486 floats:
    32.9 against 22.5 ms, the statement alone 13). Nothing is prepared. Values read as Django
    reads them in text (jsonb as text, timestamptz in the connection's zone). Outside it,
    results are text as before."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    text = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
    with _server_binding(_binary_cursors(getattr(text, "timezone", None)), prepare_threshold=None):
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
