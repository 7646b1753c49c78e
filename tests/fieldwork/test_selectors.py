"""Fieldwork selectors: the token lookup every respondent request makes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peiling.fieldwork import selectors, services
from peiling.fieldwork.errors import LinkUnknown
from peiling.fieldwork.models import Invitation


def _fields(instance, *, leave_out=()) -> dict:
    return {field.attname: getattr(instance, field.attname)
            for field in type(instance)._meta.concrete_fields if field.name not in leave_out}


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
    assert _fields(found) == _fields(expected)
    assert _fields(found.fieldwork) == _fields(expected.fieldwork)
    assert _fields(found.response) == _fields(expected.response)
    version = found.fieldwork.form_version
    assert _fields(version, leave_out=selectors.HEAVY_VERSION_FIELDS) == _fields(
        expected.fieldwork.form_version, leave_out=selectors.HEAVY_VERSION_FIELDS)
    assert version.get_deferred_fields() == set(selectors.HEAVY_VERSION_FIELDS)


def test_the_token_lookup_of_an_unstarted_invitation_has_no_response(example_fieldwork):
    issued = services.invitation_create(fieldwork=example_fieldwork)
    found = selectors.invitation_for_token(token=issued.token)
    assert (found.pk, found.response, found.started_at) == (issued.invitation.pk, None, None)


def test_an_unknown_token_is_refused(example_fieldwork):
    services.invitation_create(fieldwork=example_fieldwork)
    with pytest.raises(LinkUnknown) as raised:
        selectors.invitation_for_token(token="A" * 32)  # well formed, never issued
    assert raised.value.detail == "no invitation has this token"
