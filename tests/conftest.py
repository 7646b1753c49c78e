"""Fixtures every test package may use: organisations and their users in each role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from peiling.accounts.models import Organisation
from peiling.accounts.services import organisation_create, organisation_default, user_create

PASSWORD = "een-lang-wachtwoord-42"


@pytest.fixture(autouse=True)
def _no_prepared_datasets():
    """Every test reads its fieldwork's answers afresh (``reports.datasets`` and
    ``openanswers.selectors`` keep them)."""
    from django.core.cache import caches

    from peiling.openanswers.selectors import forget_in_memory as forget_answers
    from peiling.reports.datasets import forget_in_memory

    caches["datasets"].clear()
    forget_in_memory()
    forget_answers()


@pytest.fixture
def organisation(db) -> Organisation:
    """The default organisation: the one that imports without a named organisation go to."""
    return organisation_default()


@pytest.fixture
def other_organisation(db) -> Organisation:
    return organisation_create(name="Ander Bureau", slug="ander-bureau")


@pytest.fixture
def make_user(db) -> Callable:
    """Make a user of ``organisation`` in ``role`` (e-mail ``<role>@<organisation>.nl``)."""

    def make(role: str, organisation: Organisation, email: str = ""):
        return user_create(organisation=organisation, role=role, password=PASSWORD,
                           email=email or f"{role}@{organisation.slug}.nl")

    return make


@pytest.fixture
def login_as(client: Client, make_user, organisation) -> Callable[..., Client]:
    """Log the test client in as a new user in ``role`` (of ``organisation`` by default)."""

    def login(role: str, of: Organisation | None = None) -> Client:
        client.force_login(make_user(role, of or organisation))
        return client

    return login
