"""Fixtures of the web tests: the fieldwork tests' example questionnaire in the field, and the
panel tests' real SMTP server."""

import pytest

from tests.fieldwork.conftest import (  # noqa: F401  (fixtures)
    example_fieldwork,
    example_flow,
    example_form,
    example_version,
    make_fieldwork,
)
from tests.panel.conftest import add_member, panel, sink, smtp_server  # noqa: F401  (fixtures)


@pytest.fixture
def analist(login_as):
    """A logged-in analist who reads the pages in English."""
    client = login_as("analist")
    client.cookies["django_language"] = "en"
    return client
