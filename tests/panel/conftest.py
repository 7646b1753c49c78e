"""Fixtures for panel tests: a small profile form, panels, members, fieldwork, an SMTP sink."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from peiling.accounts.services import organisation_default
from peiling.fieldwork import services as fieldwork_services
from peiling.forms.xlsform import read_xlsform
from peiling.panel.models import Member, Panel
from peiling.panel.sink import MailSink
from peiling.questionnaires.models import FormVersion, Questionnaire
from tests.xlsform import write_workbook

PROFILE = """
## survey
| type              | name       | label            | required |
| select_one org    | org_type   | Type organisatie | yes      |
| select_one dom    | domain     | Werkterrein      |          |
| integer           | birth_year | Geboortejaar     |          |
## choices
| list_name | name      | label         |
| org       | gemeente  | Gemeente      |
| org       | rijk      | Rijksoverheid |
| org       | onderwijs | Onderwijs     |
| dom       | ict       | ICT           |
| dom       | overig    | Overig        |
## settings
| form_title | form_id |
| Profiel    | profiel |
"""

QUESTIONNAIRE = """
## survey
| type          | name | label                  | required |
| select_one yn | q1   | Werkt u graag thuis?   | yes      |
## choices
| list_name | name | label |
| yn        | ja   | Ja    |
| yn        | nee  | Nee   |
## settings
| form_title   | form_id |
| Thuiswerken  | thuis   |
"""

_PARSED: dict[str, tuple] = {}


def workbook_bytes(markdown: str, directory: Path) -> bytes:
    return write_workbook(markdown, directory / "form.xlsx").read_bytes()


def stored_version(markdown: str, directory: Path) -> FormVersion:
    """Store a markdown form as a version; each form is read with pyxform once a session."""
    if markdown not in _PARSED:
        source = workbook_bytes(markdown, directory)
        _PARSED[markdown] = (read_xlsform(source), source)
    form, source = _PARSED[markdown]
    questionnaire, _ = Questionnaire.objects.get_or_create(organisation=organisation_default(), form_id=form.form_id,
                                                           defaults={"title": form.title})
    existing = questionnaire.versions.filter(content_hash=form.content_hash()).first()
    if existing is not None:
        return existing
    return FormVersion.objects.create(
        questionnaire=questionnaire, number=questionnaire.versions.count() + 1,
        version=form.version, content_hash=form.content_hash(), definition=form.to_dict(),
        source=source, question_count=len(form.questions()), page_count=len(form.pages()))


@pytest.fixture
def panel(db, tmp_path) -> Panel:
    return Panel.objects.create(organisation=organisation_default(), slug="testpanel", name="Testpanel",
                                profile=stored_version(PROFILE, tmp_path),
                                max_invitations_per_30_days=2, min_days_between_invitations=7)


@pytest.fixture
def add_member(panel):
    counter = iter(range(1, 100_000))

    def add(email: str | None = None, *, status: str = Member.Status.ACTIVE,
            language: str = "nl", name: str = "", on: Panel | None = None, **profile) -> Member:
        number = next(counter)
        return Member.objects.create(
            panel=on or panel, email=email or f"lid{number}@example.org", name=name,
            language=language, status=status, status_changed_at=timezone.now(),
            profile=profile, profile_updated=dict.fromkeys(profile, "2024-01-01"))

    return add


@pytest.fixture
def make_fieldwork(db, tmp_path):
    counter = iter(range(1000))

    def make(*, opens_in: dt.timedelta = dt.timedelta(days=-1),
             closes_in: dt.timedelta = dt.timedelta(days=30)):
        now = timezone.now()
        return fieldwork_services.fieldwork_create(
            form_version=stored_version(QUESTIONNAIRE, tmp_path),
            slug=f"veldwerk-{next(counter)}", name="Thuiswerken 2024",
            opens_at=now + opens_in, closes_at=now + closes_in)

    return make


@pytest.fixture
def fieldwork(make_fieldwork):
    return make_fieldwork()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1, a free port, for the whole session; it
    refuses ``weg@example.org`` with 550 like a server without that mailbox."""
    from django.core.mail.utils import DNS_NAME

    DNS_NAME._fqdn = "peiling.test"  # the SMTP backend's EHLO name; skips a slow DNS lookup
    with MailSink(refuse=["weg@example.org"]) as sink:
        yield sink


@pytest.fixture
def sink(smtp_server, settings):
    """The SMTP server, emptied, with Django's SMTP backend pointed at it."""
    smtp_server.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "panel@peiling.example"
    settings.PEILING_BASE_URL = "https://peiling.example"
    return smtp_server
