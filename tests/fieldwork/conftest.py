"""Fixtures for fieldwork tests: the example questionnaire, fieldwork periods, small forms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from peiling.accounts.services import organisation_default
from peiling.fieldwork import services
from peiling.fieldwork.flow import Flow
from peiling.forms.xlsform import read_xlsform
from peiling.questionnaires.models import FormVersion, Questionnaire
from tests.xlsform import write_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"


@pytest.fixture(scope="session")
def example_form():
    return read_xlsform(EXAMPLE.read_bytes())


@pytest.fixture(scope="session")
def example_flow(example_form):
    return Flow(example_form)


@pytest.fixture
def example_version(db, example_form):
    """The example as a stored version; built from the session's parsed form, since reading
    the workbook with pyxform for every test would cost more than half a second each."""
    return version_of(example_form, EXAMPLE.read_bytes())


def version_of(form, source: bytes = b"") -> FormVersion:
    questionnaire, _ = Questionnaire.objects.get_or_create(
        organisation=organisation_default(), form_id=form.form_id, defaults={"title": form.title})
    return FormVersion.objects.create(
        questionnaire=questionnaire, number=questionnaire.versions.count() + 1,
        version=form.version, content_hash=form.content_hash(), definition=form.to_dict(),
        source=source, question_count=sum(q.is_answered_by_respondent for q in form.questions()),
        page_count=len(form.pages()))


_PARSED: dict[str, tuple] = {}


@pytest.fixture
def make_version(db, tmp_path_factory):
    """Store a form written as markdown tables (see tests/xlsform.py) as a version; each
    distinct form is read with pyxform once per test session."""

    def make(markdown: str):
        if markdown not in _PARSED:
            path = write_workbook(markdown, tmp_path_factory.mktemp("form") / "form.xlsx")
            _PARSED[markdown] = (read_xlsform(path.read_bytes()), path.read_bytes())
        return version_of(*_PARSED[markdown])

    return make


@pytest.fixture
def make_fieldwork(db):
    counter = iter(range(1000))

    def make(version, *, opens_in: dt.timedelta = dt.timedelta(days=-1),
             closes_in: dt.timedelta = dt.timedelta(days=30), **texts):
        now = timezone.now()
        return services.fieldwork_create(
            form_version=version, slug=f"veldwerk-{next(counter)}", name="Veldwerk",
            opens_at=now + opens_in, closes_at=now + closes_in, **texts)

    return make


@pytest.fixture
def example_fieldwork(example_version, make_fieldwork):
    return make_fieldwork(example_version, intro={"nl": "Welkom bij het onderzoek.",
                                                  "en": "Welcome to the study."},
                          thank_you={"nl": "Hartelijk dank!", "en": "Thank you very much!"})


def form_of(markdown: str, tmp_path: Path):
    """Return the Form model of a markdown form (no database)."""
    path = write_workbook(markdown, tmp_path / "form.xlsx")
    return read_xlsform(path.read_bytes())
