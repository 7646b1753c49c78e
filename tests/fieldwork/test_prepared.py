"""Prepared statements for the respondent pages' hot statements (``peiling.prepared``)."""

from __future__ import annotations

import os

import pytest
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    DataError,
    ProgrammingError,
    connection,
    connections,
    transaction,
)
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peiling import prepared
from peiling.fieldwork import selectors, services
from peiling.fieldwork.models import Invitation
from peiling.prepared import execute_prepared

on_postgres = pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                                 reason="prepared statements are PostgreSQL's")


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _deallocate_all() -> None:
    """Start without prepared statements: they outlive the transactions of earlier tests."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _prepared_statements() == []
    vars(connections[DEFAULT_DB_ALIAS]).pop(prepared._CACHED, None)  # what it knew of them


def test_a_statement_runs_on_every_database(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    table = Invitation._meta.db_table
    row, _count = execute_prepared(f"SELECT id FROM {table} WHERE id = %s",
                                   [issued.invitation.pk])
    assert row == (issued.invitation.pk,)
    row, count = execute_prepared(f"UPDATE {table} SET profile = %s WHERE id = %s",
                                  ['{"age": "45-54"}', -1])
    assert (row, count) == (None, 0)


@on_postgres
def test_the_token_lookup_is_planned_once_per_connection(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    for _ in range(3):
        found = selectors.invitation_for_token(token=issued.token)
    assert found.pk == issued.invitation.pk
    assert any("token_hash" in statement for statement in _prepared_statements())


@on_postgres
def test_only_the_hot_statements_are_prepared(example_fieldwork):
    """The ORM's statements carry their values in the SQL text: preparing them would fill
    the connection with plans used once."""
    _deallocate_all()
    issued = services.invitation_create(fieldwork=example_fieldwork)
    for _ in range(3):
        selectors.invitation_for_token(token=issued.token)
        assert Invitation.objects.filter(pk=issued.invitation.pk).count() == 1
    statements = _prepared_statements()
    assert len(statements) == 1 and "token_hash" in statements[0]


@on_postgres
def test_a_statement_deallocated_behind_its_back_is_prepared_again(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    selectors.invitation_for_token(token=issued.token)
    with connection.cursor() as cursor:  # what DISCARD ALL or a pooler's reset does
        cursor.execute("DEALLOCATE ALL")
    # Inside a transaction the failure aborts it; the next statement prepares anew.
    with pytest.raises(DatabaseError), transaction.atomic():
        selectors.invitation_for_token(token=issued.token)
    assert selectors.invitation_for_token(token=issued.token).pk == issued.invitation.pk


@on_postgres
def test_switched_off_nothing_is_prepared(example_fieldwork, settings):
    settings.PEILING_PREPARED_STATEMENTS = False  # DATABASE_PREPARED_STATEMENTS=0
    _deallocate_all()
    issued = services.invitation_create(fieldwork=example_fieldwork)
    for _ in range(3):
        found = selectors.invitation_for_token(token=issued.token)
    assert found.pk == issued.invitation.pk
    assert not any("token_hash" in statement for statement in _prepared_statements())


@on_postgres
def test_a_failed_statement_leaves_the_cursor_usable(db):
    with pytest.raises(DataError), transaction.atomic():
        execute_prepared("SELECT 1 / %s", [0])
    assert execute_prepared("SELECT %s::int * 2", [21])[0] == (42,)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_before_a_migration_runs_again_on_a_new_connection(
        example_fieldwork):
    """PostgreSQL refuses a prepared statement whose result a migration changed ("cached
    plan must not change result type") for as long as the connection lives."""
    issued = services.invitation_create(fieldwork=example_fieldwork)
    for _ in range(3):
        selectors.invitation_for_token(token=issued.token)
    assert any("token_hash" in statement for statement in _prepared_statements())
    alter = "ALTER TABLE fieldwork_fieldwork ALTER COLUMN name TYPE varchar({})"
    with connection.cursor() as cursor:
        cursor.execute(alter.format(301))
    try:
        found = selectors.invitation_for_token(token=issued.token)
        assert found.pk == issued.invitation.pk
    finally:
        with connection.cursor() as cursor:
            cursor.execute(alter.format(300))
        connection.close()  # its statements were planned for the altered table


@on_postgres
def test_a_statement_that_returns_rows_gives_its_first_row(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    table = Invitation._meta.db_table
    row, count = execute_prepared(
        f"UPDATE {table} SET profile = %s WHERE id = %s RETURNING id",
        ['{"age": "45-54"}', issued.invitation.pk])
    assert (row, count) == ((issued.invitation.pk,), 1)
    assert Invitation.objects.get(pk=issued.invitation.pk).profile == {"age": "45-54"}


def test_watched_queries_see_the_statement(example_fieldwork):
    """The query log (DEBUG, tests) and execute wrappers see a prepared statement as they
    see the ORM's: it then runs through Django's cursor wrapper."""
    issued = services.invitation_create(fieldwork=example_fieldwork)
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        selectors.invitation_for_token(token=issued.token)
    with CaptureQueriesContext(connection) as captured:
        selectors.invitation_for_token(token=issued.token)
    assert len(seen) == 1 and "token_hash" in seen[0]
    assert [q["sql"] for q in captured.captured_queries if "token_hash" in q["sql"]]


@on_postgres
def test_a_statement_in_a_broken_transaction_is_refused_as_the_orms_are(db):
    with transaction.atomic():
        with pytest.raises(DataError), transaction.atomic():
            execute_prepared("SELECT 1 / %s", [0])
        execute_prepared("SELECT 1", [])  # the savepoint was rolled back: usable again
        try:
            with transaction.atomic(savepoint=False):
                execute_prepared("SELECT 1 / %s", [0])
        except DataError:
            pass
        with pytest.raises(TransactionManagementError):
            execute_prepared("SELECT %s::int * 2", [21])
        with pytest.raises(TransactionManagementError):
            Invitation.objects.count()
    assert execute_prepared("SELECT %s::int * 2", [21])[0] == (42,)


@on_postgres
def test_switched_off_a_personal_link_still_starts_and_finishes_in_one_statement_each(
        example_fieldwork, settings):
    """The single statements that start and finish a response also run with client-side
    binding (what a pooler without prepared statements gets)."""
    settings.PEILING_PREPARED_STATEMENTS = False
    issued = services.invitation_create(fieldwork=example_fieldwork, profile={"age": "45-54"})
    response = services.response_start(fieldwork=example_fieldwork, language="nl",
                                       invitation=issued.invitation)
    stored = Invitation.objects.select_related("response").get(pk=issued.invitation.pk)
    assert stored.response.pk == response.pk and stored.response.profile == {"age": "45-54"}
    assert stored.started_at == response.started_at
    now = timezone.now()
    changes = {"status": "completed", "completed_at": now, "version": response.version + 1}
    assert services._update_if_version(response, changes, finished_at=now) == 1
    assert Invitation.objects.get(pk=issued.invitation.pk).finished_at == now


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_deallocated_statement_is_prepared_again_at_once(
        example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    selectors.invitation_for_token(token=issued.token)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert selectors.invitation_for_token(token=issued.token).pk == issued.invitation.pk
    assert any("token_hash" in statement for statement in _prepared_statements())


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_belongs_to_the_transaction_it_runs_in(example_fieldwork):
    """As the first statement of a transaction (psycopg still has to begin it) and after
    others, a prepared statement is rolled back with the transaction."""
    issued = services.invitation_create(fieldwork=example_fieldwork)
    table = Invitation._meta.db_table
    update = f"UPDATE {table} SET profile = %s WHERE id = %s"
    for first in (True, False):
        with pytest.raises(RuntimeError), transaction.atomic():
            if not first:
                assert Invitation.objects.filter(pk=issued.invitation.pk).exists()
            assert execute_prepared(update, ['{"age": "45-54"}', issued.invitation.pk]) == (
                None, 1)
            raise RuntimeError("roll back")
        assert Invitation.objects.get(pk=issued.invitation.pk).profile == {}
    assert execute_prepared(update, ['{"age": "45-54"}', issued.invitation.pk]) == (None, 1)
    assert Invitation.objects.get(pk=issued.invitation.pk).profile == {"age": "45-54"}


@on_postgres
def test_values_of_every_kind_go_in_and_come_back_as_the_orms_do(db):
    when = timezone.now()
    row, count = execute_prepared(
        "SELECT CAST(%s AS integer), CAST(%s AS text), CAST(%s AS timestamptz), "
        "CAST(%s AS boolean), CAST(%s AS text) IS NULL, CAST(%s AS jsonb), '100%%'",
        [7, "één 'quoted'", when, True, None, '{"a": [1, "b"]}'])
    assert row == (7, "één 'quoted'", when, True, True, '{"a": [1, "b"]}', "100%")
    assert count == 1
    with pytest.raises(ProgrammingError):
        execute_prepared("SELECT CAST(%s AS integer)", [1, 2])
