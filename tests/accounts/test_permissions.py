"""Who may open which researcher page: every researcher URL × who asks.

Seen as an attacker would (issue 25): a logged-in staff user without the matching permission
gets 403 for every page and file, never the answers; nobody logged out gets past the log-in;
and no researcher page or file may be kept by a cache.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from peiling.accounts.permissions import ACTIONS, researcher_page, user_may
from peiling.fieldwork import services
from peiling.questionnaires.services import form_version_import

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"

#: Every researcher URL (``{v}``: a questionnaire version, ``{f}``: a fieldwork) and the one
#: action that opens it (``peiling.accounts.permissions.ACTIONS``).
PAGES = [
    ("/vragenlijsten/", "questionnaire.view"),
    ("/vragenlijsten/versie/{v}/", "questionnaire.view"),
    ("/vragenlijsten/versie/{v}/xlsform.xlsx", "questionnaire.view"),
    ("/s/voorbeeld/{v}/", "questionnaire.view"),
    ("/rapporten/{f}/", "report.view"),
    ("/rapporten/{f}/rapport.html", "report.view"),
    ("/rapporten/{f}/rapport.docx", "report.view"),
    ("/rapporten/{f}/rapport.xlsx", "report.view"),
    ("/rapporten/{f}/rapport.pdf", "report.view"),
    ("/rapporten/{f}/rapport.json", "report.view"),
    ("/rapporten/{f}/data.csv", "responses.export"),
    ("/rapporten/{f}/data.sav", "responses.export"),
    ("/rapporten/{f}/data.xlsx", "responses.export"),
    ("/rapporten/{f}/data.parquet", "responses.export"),
    ("/rapporten/{f}/codebook.html", "responses.export"),
]


@pytest.fixture
def urls() -> list[tuple[str, str]]:
    version = form_version_import(source=EXAMPLE.read_bytes()).version
    fieldwork = services.fieldwork_create(
        form_version=version, slug="digitalisering-2018", name="Digitalisering 2018",
        opens_at=dt.datetime(2018, 2, 27, 8, tzinfo=dt.UTC),
        closes_at=dt.datetime(2018, 3, 9, tzinfo=dt.UTC))
    services.responses_simulate(fieldwork=fieldwork, n=20, seed=1, source="panel")
    return [(url.format(v=version.pk, f=fieldwork.slug), action) for url, action in PAGES]


def _user(django_user_model, name: str, *actions: str):
    user = django_user_model.objects.create_user(name, password="x" * 16, is_staff=True)
    for action in actions:
        app_label, codename = ACTIONS[action].split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                         codename=codename))
    return user


def test_logged_out_visitors_are_sent_to_the_log_in(client: Client, urls) -> None:
    for url, _action in urls:
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (
            302, "/admin/login/"), url


def test_staff_without_the_permission_get_403(client: Client, django_user_model, urls) -> None:
    """Staff with every permission but the page's own (and with none) are refused."""
    for number, (url, action) in enumerate(urls):
        others = [other for other in ACTIONS if other != action]
        for user in (_user(django_user_model, f"niets-{number}"),
                     _user(django_user_model, f"ander-{number}", *others)):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 403, (url, user.username)
            page = response.content.decode()
            assert "<h1>Geen toegang</h1>" in page and "Gemeente" not in page


def test_the_matching_permission_opens_the_page_uncached(client: Client, django_user_model,
                                                         urls) -> None:
    for number, (url, action) in enumerate(urls):
        client.force_login(_user(django_user_model, f"mag-{number}", action))
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control, url


def test_an_inactive_user_may_do_nothing(django_user_model) -> None:
    user = django_user_model.objects.create_superuser("oud", password="x" * 16)
    assert user_may(user, "report.view")
    user.is_active = False
    assert not user_may(user, "report.view")


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="action must be one of"):
        researcher_page("report.edit")  # type: ignore[arg-type]
