"""A cursor for the few statements that run on every respondent request.

Django's PostgreSQL cursors bind parameters on the client, so PostgreSQL parses and plans
every statement anew. For the token lookup (four tables joined) planning costs three times
what running it does. ``prepared_cursor`` binds on the server instead, so psycopg prepares a
statement once it has run ``prepare_threshold`` times on a connection (settings:
``DATABASE_PREPARED_STATEMENTS``) and PostgreSQL reuses the plan. Statements keep the usual
``%s`` placeholders and run through Django's cursor wrapper (error translation, query log).
On other databases, or with prepared statements switched off, it is the ordinary cursor.

Only for hand-written SQL whose parameters have a type PostgreSQL can infer from the
statement (``col = %s``, ``SET col = %s``): server-side binding has no client-side quoting to
fall back on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """Yield a cursor whose repeated statements PostgreSQL parses and plans only once.

    On PostgreSQL it is one cursor per connection, kept open and reused: making a psycopg
    cursor costs about half of what running a prepared statement does.
    """
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it looks the wrapper up on each use
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        with db.cursor() as cursor:
            yield cursor
        return
    cached = getattr(db, _CACHED, None)
    if cached is None or cached.connection is not raw or cached.closed:
        from django.db.backends.postgresql.base import ServerBindingCursor

        with db.wrap_database_errors:
            cached = ServerBindingCursor(raw)
        setattr(db, _CACHED, cached)
    yield db._prepare_cursor(cached)  # Django's own wrapping


_CACHED = "_peiling_prepared_cursor"
