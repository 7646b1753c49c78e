"""A fieldwork's own invitation and reminder text: edited with a preview, tested on oneself,
saved, and then what members really receive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from peiling.fieldwork import services as fieldwork_services
from peiling.panel import mailing
from peiling.panel import services as panel_services
from peiling.panel.errors import PanelError
from peiling.panel.models import MessageText
from peiling.questionnaires.services import form_version_import
from tests.panel.helpers import csv_bytes, invite_all

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
URL = "/veldwerk/peiling-2026/berichten/invitation/"
OWN = {"subject": "Doe mee: {onderzoek}",
       "body": "{aanhef}\n\nHelp ons met {onderzoek}: {link}\nTot {sluitdatum}.\n\n"
               "Afmelden: {afmelden}\n"}


@pytest.fixture
def fieldwork(organisation):
    version = form_version_import(source=(EXAMPLES / "digitalisering-overheid.xlsx")
                                  .read_bytes(), organisation=organisation).version
    now = timezone.now()
    return fieldwork_services.fieldwork_create(
        form_version=version, slug="peiling-2026", name="Peiling 2026",
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=14))


@pytest.fixture
def researcher(login_as):
    client = login_as("onderzoeker")
    client.cookies["django_language"] = "en"
    return client


def test_the_page_starts_from_the_standard_text_with_placeholders(researcher,
                                                                  fieldwork) -> None:
    html = researcher.get(URL).content.decode()
    assert 'value="Uitnodiging: {onderzoek}"' in html  # the form's language: Dutch
    assert "{aanhef}" in html and "{link}" in html and "{afmelden}" in html
    assert "Uitnodiging: Peiling 2026" in html  # the preview, filled in
    assert MessageText.objects.count() == 0


@pytest.mark.parametrize(("change", "problem"), [
    ({"body": "Geen link hier. {afmelden}"}, "The text must hold {link}"),
    ({"body": "{link} maar geen afmelden"}, "The text must hold {afmelden}"),
    ({"body": OWN["body"] + "{wachtwoord}"}, "{wachtwoord} is not a placeholder"),
    ({"subject": ""}, "This field is required."),
])
def test_a_text_that_cannot_be_sent_is_not_saved(researcher, fieldwork, change,
                                                 problem) -> None:
    response = researcher.post(URL, {**OWN, **change, "action": "save"})
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert MessageText.objects.count() == 0


def test_the_live_preview_renders_the_text_or_says_what_is_wrong(researcher,
                                                                 fieldwork) -> None:
    good = researcher.post(URL + "voorbeeld/", OWN, HTTP_HX_REQUEST="true")
    html = good.content.decode()
    assert good.status_code == 200 and "<html" not in html
    assert "Doe mee: Peiling 2026" in html and "/s/voorbeeld/" in html
    bad = researcher.post(URL + "voorbeeld/", {**OWN, "body": "kaal"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "The text must hold {link}" in bad.content.decode()


def test_a_test_message_goes_to_the_researcher_only(researcher, fieldwork, sink) -> None:
    response = researcher.post(URL, {**OWN, "action": "test"})
    assert response.status_code == 200
    assert [list(message.rcpt_tos) for message in sink.messages] == [["onderzoeker@standaard.nl"]]
    assert MessageText.objects.count() == 0  # testing does not save


@pytest.mark.django_db(transaction=True)  # the worker commits each e-mail on its own
def test_members_receive_the_saved_text(researcher, fieldwork, sink, settings,
                                        organisation) -> None:
    response = researcher.post(URL, {**OWN, "action": "save"})
    assert (response.status_code, response["Location"]) == (302, URL + "?taal=nl")
    panel = panel_services.panel_create(
        slug="ambtenaren", profile_source=(EXAMPLES / "panel-profiel.xlsx").read_bytes(),
        profile_name="panel-profiel.xlsx", organisation=organisation)
    panel_services.members_import(panel=panel, name="leden.csv", data=csv_bytes(
        "email,name,org_type,domain,function,gender,age_band",
        "jan@example.org,Jan Jansen,rijk,ict,beleid,man,35_44",
        "anoniem@example.org,,rijk,ict,beleid,man,35_44"))
    invite_all(panel, fieldwork)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    mailing.invitations_queue(fieldwork=fieldwork)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    received = {message.rcpt_tos[0]: message for message in sink.messages}
    jan = received["jan@example.org"].content.decode()
    assert "Subject: Doe mee: Peiling 2026" in jan
    assert "Beste Jan Jansen," in jan and "Help ons met Peiling 2026: https://" in jan
    assert "/panel/afmelden/" in jan and "{" not in jan.split("\r\n\r\n", 1)[1]
    assert "Beste panellid," in received["anoniem@example.org"].content.decode()


def test_back_to_the_standard_text(researcher, fieldwork) -> None:
    mailing.message_text_set(fieldwork=fieldwork, kind="invitation", language="nl", **OWN)
    response = researcher.post(URL, {**OWN, "action": "reset", "taal": "nl"})
    assert response.status_code == 302 and MessageText.objects.count() == 0


def test_the_service_lists_every_problem(fieldwork) -> None:
    with pytest.raises(PanelError) as raised:
        mailing.message_text_set(fieldwork=fieldwork, kind="brief", language="nl",
                                 subject="a\nb", body="{x}")
    assert raised.value.problems == (
        "The subject must be one line.",
        "{x} is not a placeholder; use one of {aanhef}, {naam}, {panel}, {onderzoek}, "
        "{sluitdatum}, {link}, {afmelden}, {ledenpagina}.",
        "The text must hold {link}: every member needs it.",
        "The text must hold {afmelden}: every member needs it.",
        "kind must be one of ['invitation', 'reminder'] (got 'brief')",
    )


def test_an_unknown_kind_or_language_is_404(researcher, fieldwork) -> None:
    assert researcher.get("/veldwerk/peiling-2026/berichten/brief/").status_code == 404
    assert researcher.get(URL + "?taal=xx").status_code == 404
