"""Fixtures of the API tests: the fieldwork tests' example questionnaire in the field."""

from tests.fieldwork.conftest import (  # noqa: F401  (fixtures)
    example_fieldwork,
    example_flow,
    example_form,
    example_version,
    make_fieldwork,
)
