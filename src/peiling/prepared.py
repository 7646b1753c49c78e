"""The few statements that run on every respondent request, planned once per connection.

Django's PostgreSQL cursors bind parameters on the client, so PostgreSQL parses and plans
every statement anew; for the token lookup (four tables joined) planning cost three times
what running it does. ``execute_prepared`` binds on the server instead, on one cursor kept
per connection, so psycopg prepares a statement once it has run ``PREPARE_AFTER`` times and
PostgreSQL reuses the plan. Statements keep the usual ``%s`` placeholders and Django's error
translation; they run through Django's cursor wrapper only when something watches the queries
(the query log of ``DEBUG`` and of tests, or an ``execute_wrapper``). On other databases, or with
``PEILING_PREPARED_STATEMENTS`` off (settings: ``DATABASE_PREPARED_STATEMENTS``), it is an
ordinary cursor.

psycopg's preparing is switched on only while such a statement runs: left on, psycopg would
count every ORM statement too, and those carry their values in the SQL text.

Only for hand-written SQL whose parameters have a type PostgreSQL can infer from the
statement (``col = %s``, ``SET col = %s``): server-side binding has no client-side quoting to
fall back on.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from psycopg import adapters
from psycopg.pq import ExecStatus, Format

#: Runs of a statement on a connection before psycopg prepares it.
PREPARE_AFTER = 2
_CACHED = "_peiling_prepared_cursor"
_DEFAULT_TIMESTAMPTZ_LOADER = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)


def execute_prepared(sql: str, params: Sequence[object]) -> tuple[tuple | None, int]:
    """Run one statement; return its first row (None when it returns none) and the number
    of rows it changed (for a statement that changes rows)."""
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it looks the wrapper up on each use
    if db.vendor != "postgresql" or not settings.PEILING_PREPARED_STATEMENTS:
        with db.cursor() as cursor:
            return _run(cursor, sql, params)
    try:
        return _run_prepared(db, sql, params)
    except NotSupportedError:
        # "cached plan must not change result type": a migration changed a table under a
        # statement prepared on this connection, and PostgreSQL refuses the statement for as
        # long as the connection lives. Start a new one: now, or after the transaction.
        if db.in_atomic_block:
            db.close_at = 0  # Django closes it when the request ends
            raise
        db.close()
        return _run_prepared(db, sql, params)


def _run_prepared(db: BaseDatabaseWrapper, sql: str,
                  params: Sequence[object]) -> tuple[tuple | None, int]:
    db.ensure_connection()
    raw = db.connection
    cached = getattr(db, _CACHED, None)
    if cached is None or cached.connection is not raw or cached.closed:
        from django.db.backends.postgresql.base import ServerBindingCursor

        with db.wrap_database_errors:
            cached = ServerBindingCursor(raw)
        if settings.USE_TZ:
            # Django loads timestamps with psycopg's pure-Python loader (7 us each, against 1
            # us for psycopg's C loader), only to set the connection's time zone, which the
            # C loader gives them as well: the session's, the one Django sets.
            cached.adapters.register_loader("timestamptz", _DEFAULT_TIMESTAMPTZ_LOADER)
        setattr(db, _CACHED, cached)
    raw.prepare_threshold = PREPARE_AFTER
    try:
        if db.queries_logged or db.execute_wrappers:  # tests, debug: Django's own wrapping
            return _run(db._prepare_cursor(cached), sql, params)
        # What Django's cursor wrapper does besides the log and the wrappers. The wrapper and
        # psycopg's ``description`` (a Column object per returned column, only to say whether
        # rows came back) cost about a tenth of a page submit's instructions in process.
        db.validate_thread_sharing()
        db.validate_no_broken_transaction()
        with db.wrap_database_errors:
            cached.execute(sql, params)
            returned = cached.pgresult.status == ExecStatus.TUPLES_OK
            return (cached.fetchone() if returned else None), cached.rowcount
    finally:
        raw.prepare_threshold = None


def _run(cursor: CursorWrapper, sql: str, params: Sequence[object]) -> tuple[tuple | None, int]:
    cursor.execute(sql, params)
    return (cursor.fetchone() if cursor.description else None), cursor.rowcount
