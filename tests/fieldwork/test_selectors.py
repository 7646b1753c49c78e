"""Fieldwork selectors: the token lookup every respondent request makes, and reading the
answers of many responses column by column."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peiling.fieldwork import selectors, services
from peiling.fieldwork.answers import answers_from_json
from peiling.fieldwork.encoding import AnswerEncoder
from peiling.fieldwork.errors import LinkUnknown
from peiling.fieldwork.models import Invitation, Response


def _fields(instance, *, leave_out=()) -> dict:
    """The instance's values; a moment with its time zone (equal moments compare equal)."""
    return {field.attname: _strict(getattr(instance, field.attname))
            for field in type(instance)._meta.concrete_fields
            if field.name not in leave_out and field.attname not in leave_out}


def _strict(value):
    return (value, value.tzinfo) if isinstance(value, dt.datetime) else value


def test_the_token_lookup_loads_what_the_orm_loads_in_one_query(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork, profile={"age": "45-54"})
    services.response_start(fieldwork=example_fieldwork, language="nl",
                            invitation=issued.invitation)
    expected = Invitation.objects.select_related(
        "fieldwork__form_version", "response").get(pk=issued.invitation.pk)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.invitation_for_token(token=issued.token)
        loaded = (found.fieldwork.form_version.content_hash, found.response.answers)
    assert len(queries) == 1
    assert loaded == (expected.fieldwork.form_version.content_hash, expected.response.answers)
    pairs = [(found, expected), (found.fieldwork, expected.fieldwork),
             (found.fieldwork.form_version, expected.fieldwork.form_version),
             (found.response, expected.response)]
    for instance, reference in pairs:
        deferred = {type(instance)._meta.get_field(name).attname
                    for name in selectors.LOOKUP_DEFERRED[type(instance)]}
        assert instance.get_deferred_fields() == deferred
        assert _fields(instance, leave_out=deferred) == _fields(reference, leave_out=deferred)
        assert (instance._state.adding, instance._state.db) == (False, reference._state.db)
    with CaptureQueriesContext(connection) as queries:  # the relations come cached
        assert found.response.invitation is found
        assert found.fieldwork.form_version.pk == expected.fieldwork.form_version_id
    assert len(queries) == 0


def test_a_respondent_reads_no_column_the_token_lookup_left_out(client, example_fieldwork):
    """The lookup defers columns no respondent page needs; reading one would cost a query
    on every request. Opening the link, starting, showing a page and submitting it each
    make one SELECT (the lookup); a page submit writes with one statement."""
    issued = services.invitation_create(fieldwork=example_fieldwork, profile={"age": "45-54"})
    url = f"/s/{issued.token}/"
    selectors.flow_for(form_version=example_fieldwork.form_version)  # built once per process
    statements: list[list[str]] = []

    def record(execute, sql, params, many, context):
        statements[-1].append(sql.split()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        statements.append([])
        client.get(url)
        statements.append([])
        client.post(url, {"action": "start"})
        statements.append([])
        page = client.get(url).content.decode()
        key = re.search(r'name="page" value="([^"]+)"', page).group(1)
        statements.append([])
        client.post(url, {"action": "back", "page": key})
    assert [[sql for sql in request if sql == "SELECT"] for request in statements] == [
        ["SELECT"]] * 4, statements
    # Starting inserts the response and claims the link in one transaction (here a
    # savepoint inside the test's).
    assert [sql for sql in statements[1] if sql in ("INSERT", "UPDATE")] == [
        "INSERT", "UPDATE"]
    assert statements[3] == ["SELECT", "UPDATE"]
    assert Invitation.objects.get(pk=issued.invitation.pk).response.profile == {
        "age": "45-54"}


def test_the_token_lookup_of_an_unstarted_invitation_has_no_response(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    found = selectors.invitation_for_token(token=issued.token)
    assert (found.pk, found.response, found.started_at) == (issued.invitation.pk, None, None)


def test_an_unknown_token_is_refused(example_fieldwork):
    services.invitation_create(fieldwork=example_fieldwork)
    with pytest.raises(LinkUnknown) as raised:
        selectors.invitation_for_token(token="A" * 32)  # well formed, never issued
    assert raised.value.detail == "no invitation has this token"


# -- answers column by column ---------------------------------------------------------------


def _stored(example_fieldwork, n: int) -> list:
    services.responses_simulate(fieldwork=example_fieldwork, n=n, seed=7)
    return list(Response.objects.filter(fieldwork=example_fieldwork).order_by("-started_at", "pk"))


def test_answer_columns_read_every_response_in_the_order_asked(example_fieldwork, monkeypatch):
    monkeypatch.setattr(selectors, "FETCH_ROWS", 7)  # several fetches and decoding batches
    responses = _stored(example_fieldwork, 23)
    form = example_fieldwork.form_version.form
    asked = Response.objects.filter(fieldwork=example_fieldwork).order_by("-started_at", "pk")
    read, pks = selectors.answer_columns(responses=asked, questions=form.questions())
    assert pks == [response.pk for response in responses]
    assert read.n == 23
    assert read.unknown_keys == {}
    for question in form.questions():
        if question.name not in read.columns:
            continue
        codes, values = read.columns[question.name]
        got = [values[code] for code in codes]
        expected = [answers_from_json(form, r.answers).get(question.name) for r in responses]
        assert got == expected, question.name


def test_a_decoding_error_reaches_the_caller(example_fieldwork, monkeypatch):
    monkeypatch.setattr(selectors, "FETCH_ROWS", 5)
    _stored(example_fieldwork, 12)
    calls = []

    def feed(self, documents):
        calls.append(len(documents))
        if len(calls) == 2:
            raise ValueError("broken document")

    monkeypatch.setattr(AnswerEncoder, "feed", feed)
    asked = Response.objects.filter(fieldwork=example_fieldwork).order_by("started_at")
    with pytest.raises(ValueError, match="broken document"):
        selectors.answer_columns(responses=asked, questions=[])
    assert calls == [5, 5]  # nothing decoded after the error


def test_the_token_lookup_sends_init_signals_to_their_receivers(example_fieldwork):
    """The lookup builds its instances with the ORM's ``Model.from_db``: a receiver of
    ``post_init`` sees the response, as with any query."""
    from django.db.models.signals import post_init

    issued = services.invitation_create(fieldwork=example_fieldwork, profile={})
    services.response_start(fieldwork=example_fieldwork, language="nl",
                            invitation=issued.invitation)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Response)
    try:
        found = selectors.invitation_for_token(token=issued.token)
    finally:
        post_init.disconnect(receiver, sender=Response)
    assert [instance.pk for instance in seen] == [found.response.pk]
    assert seen[0] is found.response


@pytest.mark.skipif(not os.environ.get("PEILING_TEST_POSTGRES"),
                    reason="prepared statements are PostgreSQL's")
def test_postgresql_plans_the_token_lookup_once_per_connection(example_fieldwork):
    """Parameters are bound on the server (``server_side_binding``), so psycopg prepares a
    statement the connection has run ``prepare_threshold`` times."""
    issued = services.invitation_create(fieldwork=example_fieldwork)
    for _ in range(connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1):
        selectors.invitation_for_token(token=issued.token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"token_hash" = $1' in statement for statement in prepared), prepared
