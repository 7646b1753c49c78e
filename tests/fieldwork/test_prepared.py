"""Prepared statements for the respondent pages' hot statements (``peiling.prepared``)."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from peiling.fieldwork import selectors, services
from peiling.prepared import prepared_cursor

on_postgres = pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                                 reason="prepared statements are PostgreSQL's")


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_cursor_runs_statements_on_every_database(db):
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s + %s", [40, 2])
        assert cursor.fetchone()[0] == 42


@on_postgres
def test_the_token_lookup_is_planned_once_per_connection(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    for _ in range(3):
        found = selectors.invitation_for_token(token=issued.token)
    assert found.pk == issued.invitation.pk
    assert any("token_hash" in statement for statement in _prepared_statements())


@on_postgres
def test_switched_off_nothing_is_prepared(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    connection.ensure_connection()
    connection.connection.prepare_threshold = None  # DATABASE_PREPARED_STATEMENTS=0
    try:
        for _ in range(3):
            found = selectors.invitation_for_token(token=issued.token)
    finally:
        connection.connection.prepare_threshold = 2
    assert found.pk == issued.invitation.pk
    assert not any("token_hash" in statement for statement in _prepared_statements())


@on_postgres
def test_a_failed_statement_leaves_the_cursor_usable(db):
    from django.db import DataError, transaction

    with pytest.raises(DataError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute("SELECT 1 / %s", [0])
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int * 2", [21])
        assert cursor.fetchone()[0] == 42
