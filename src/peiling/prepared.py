"""The few statements that run on every respondent request, planned once per connection.

Django's PostgreSQL cursors bind parameters on the client, so PostgreSQL parses and plans
every statement anew; for the token lookup (four tables joined) planning cost three times
what running it does. ``execute_prepared`` prepares each statement once per connection
instead and then only sends its parameters. Statements keep the usual ``%s`` placeholders and
Django's error translation.

Our own executor, on psycopg's documented libpq layer (``psycopg.pq``) with psycopg's own
adapters, rather than a psycopg cursor: the cursor's machinery (its prepared-statement
bookkeeping, its non-blocking wait loop, its result description) cost about as much client
CPU as sending the statement and loading its row (token lookup: 80 us against 40 us). Per
page submit, in process, CPU went down by a tenth (docs/benchmarks.md, session 6). A libpq
call that waits for the server releases the GIL, as psycopg's wait does.

It runs through Django's own cursor, as any other statement, when something watches the
queries (the query log of ``DEBUG`` and of tests, or an ``execute_wrapper``), when a
transaction still has to be begun (psycopg sends its ``BEGIN`` before a cursor's first
statement), on other databases, and with ``PEILING_PREPARED_STATEMENTS`` off (settings:
``DATABASE_PREPARED_STATEMENTS``; for a pooler in transaction mode that cannot keep prepared
statements, such as PgBouncer before 1.21).

Only for hand-written SQL with ``%s`` placeholders whose type PostgreSQL can infer from the
statement (``col = %s``, ``SET col = %s``, ``CAST(%s AS jsonb)``): the values are sent as text,
without a type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from psycopg import adapters, errors, pq
from psycopg.adapt import PyFormat, Transformer

_CACHED = "_peiling_prepared"
_DEFAULT_TIMESTAMPTZ_LOADER = adapters.get_loader(adapters.types["timestamptz"].oid,
                                                  pq.Format.TEXT)
_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


def execute_prepared(sql: str, params: Sequence[object]) -> tuple[tuple | None, int]:
    """Run one statement; return its first row (None when it returns none) and the number
    of rows it changed (for a statement that changes rows)."""
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it looks the wrapper up on each use
    if not _prepares(db):
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
        db.ensure_connection()
        return _run_prepared(db, sql, params)


def _prepares(db: BaseDatabaseWrapper) -> bool:
    """Whether ``db`` runs prepared statements now (connecting it if need be)."""
    if db.vendor != "postgresql" or not settings.PEILING_PREPARED_STATEMENTS:
        return False
    if db.queries_logged or db.execute_wrappers:  # tests, debug: Django's own wrapping
        return False
    db.ensure_connection()
    raw = db.connection
    # Outside autocommit, psycopg begins the transaction before a cursor's first statement.
    return raw.autocommit or raw.pgconn.transaction_status == pq.TransactionStatus.INTRANS


class _Statements:
    """What one connection has prepared, and the adapters its values go through."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.pgconn = raw.pgconn
        self.encoding = raw.info.encoding
        context = raw.cursor()  # only for its own copy of the connection's adapters
        if settings.USE_TZ:
            # Django loads timestamps with psycopg's pure-Python loader (7 us each, against 1
            # us for psycopg's C loader), only to set the connection's time zone, which the
            # C loader gives them as well: the session's, the one Django sets.
            context.adapters.register_loader("timestamptz", _DEFAULT_TIMESTAMPTZ_LOADER)
        self.transformer = Transformer(context)
        self.names: dict[str, tuple[bytes, int]] = {}

    def prepared(self, sql: str) -> tuple[bytes, int]:
        """Return the name and the number of parameters of ``sql`` on this connection,
        preparing it on first use."""
        found = self.names.get(sql)
        if found is None:
            numbered, count = _numbered(sql)
            name = f"peiling_{len(self.names) + 1}".encode()
            self.check(self.pgconn.prepare(name, numbered.encode(self.encoding)))
            found = self.names[sql] = (name, count)
        return found

    def run(self, sql: str, params: Sequence[object]) -> pq.abc.PGresult:
        """Run ``sql`` with ``params``; raise psycopg's error for a failed statement."""
        name, count = self.prepared(sql)
        if len(params) != count:
            raise errors.ProgrammingError(
                f"the statement has {count} placeholders but {len(params)} values were given")
        values = self.transformer.dump_sequence(params, [PyFormat.TEXT] * count)
        try:
            return self.check(self.pgconn.exec_prepared(name, values))
        except errors.InvalidSqlStatementName:
            # Someone ran DEALLOCATE ALL or DISCARD ALL on this connection: prepare anew,
            # now (outside a transaction, which the failure did not abort) or next time.
            self.names.clear()
            if not self.raw.autocommit:
                raise
            name, _count = self.prepared(sql)
            return self.check(self.pgconn.exec_prepared(name, values))

    def check(self, result: pq.abc.PGresult) -> pq.abc.PGresult:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=self.encoding)
        return result


def _numbered(sql: str) -> tuple[str, int]:
    """``%s`` placeholders as PostgreSQL's ``$1``, ``$2``...; ``%%`` as ``%``."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(f"only %s placeholders, not %{match.group(1)}: {sql}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


def _run_prepared(db: BaseDatabaseWrapper, sql: str,
                  params: Sequence[object]) -> tuple[tuple | None, int]:
    """Run ``sql`` on ``db``, which the caller has connected (``_prepares`` does)."""
    raw = db.connection
    statements = getattr(db, _CACHED, None)
    if statements is None or statements.raw is not raw:
        statements = _Statements(raw)
        setattr(db, _CACHED, statements)
    # What Django's cursor wrapper does besides the log and the wrappers.
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        result = statements.run(sql, params)
        row = None
        if result.status == pq.ExecStatus.TUPLES_OK and result.ntuples:
            statements.transformer.set_pgresult(result)
            row = statements.transformer.load_row(0, tuple)
        return row, result.command_tuples or 0


def _run(cursor: CursorWrapper, sql: str, params: Sequence[object]) -> tuple[tuple | None, int]:
    cursor.execute(sql, params)
    return (cursor.fetchone() if cursor.description else None), cursor.rowcount
