"""Researcher pages and the admin upload for questionnaires."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from peiling.forms.xlsform import read_xlsform
from peiling.questionnaires.models import FormVersion
from peiling.questionnaires.services import form_version_import
from tests.xlsform import write_workbook

pytestmark = pytest.mark.django_db

FORM = """
## survey
| type | name | label::Nederlands (nl) | label::English (en) | relevant |
| select_one yn | q1 | Werkt u bij een <b>gemeente</b>? | Do you work for a municipality? | |
| text | q2 | Waarom? | Why? | ${q1} = 'ja' |
## choices
| list_name | name | label::Nederlands (nl) | label::English (en) |
| yn | ja | Ja | Yes |
| yn | nee | Nee | No |
## settings
| form_title | form_id | default_language |
| Gemeentepeiling | gp | Nederlands (nl) |
"""


@pytest.fixture
def researcher(login_as) -> Client:
    return login_as("analist")  # the role with the fewest rights that reads questionnaires


@pytest.fixture
def version(tmp_path: Path) -> FormVersion:
    return form_version_import(
        source=write_workbook(FORM, tmp_path / "f.xlsx").read_bytes()
    ).version


def test_pages_need_login(client: Client, version: FormVersion) -> None:
    for url in (
        reverse("questionnaires:detail", args=[version.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_detail_shows_the_form_escaped(researcher: Client, version: FormVersion) -> None:
    response = researcher.get(reverse("questionnaires:detail", args=[version.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Werkt u bij een &lt;b&gt;gemeente&lt;/b&gt;?" in html
    assert "<b>gemeente</b>" not in html
    assert "${q1} = &#x27;ja&#x27;" in html


def test_detail_in_english(researcher: Client, version: FormVersion) -> None:
    html = researcher.get(reverse("questionnaires:detail", args=[version.pk]) + "?taal=en").content
    assert b"Do you work for a municipality?" in html


def test_unknown_version_is_404(researcher: Client) -> None:
    assert researcher.get(reverse("questionnaires:detail", args=[999])).status_code == 404


def test_xlsform_download_reads_back(researcher: Client, version: FormVersion) -> None:
    response = researcher.get(reverse("questionnaires:xlsform", args=[version.pk]))
    assert response.status_code == 200
    assert read_xlsform(response.content) == version.form


@pytest.fixture
def back_office(client: Client) -> Client:
    client.force_login(get_user_model().objects.create_superuser("kantoor", password="y" * 16))
    return client


def test_admin_upload_imports(back_office: Client, tmp_path: Path) -> None:
    path = write_workbook(FORM, tmp_path / "f.xlsx")
    url = reverse("admin:questionnaires_formversion_upload")
    with path.open("rb") as handle:
        response = back_office.post(url, {"file": handle})
    assert response.status_code == 302
    assert FormVersion.objects.get().form == read_xlsform(path)


def test_admin_upload_lists_every_problem_and_stores_nothing(back_office: Client) -> None:
    upload = io.BytesIO(b"type,name,label\n")
    upload.name = "vragen.csv"
    response = back_office.post(reverse("admin:questionnaires_formversion_upload"), {"file": upload})
    assert response.status_code == 200
    assert "this is a text or CSV file" in response.content.decode()
    assert FormVersion.objects.count() == 0


def test_admin_upload_needs_csrf(version: FormVersion) -> None:
    client = Client(enforce_csrf_checks=True)
    user = get_user_model().objects.create_superuser("a", password="y" * 16)
    client.force_login(user)
    response = client.post(reverse("admin:questionnaires_formversion_upload"), {})
    assert response.status_code == 403


def test_versions_cannot_be_edited_in_admin(client: Client, version: FormVersion) -> None:
    client.force_login(get_user_model().objects.create_superuser("a", password="y" * 16))
    url = reverse("admin:questionnaires_formversion_change", args=[version.pk])
    response = client.post(url, {"version": "hacked"})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.version == ""


def test_pages_are_dutch_by_default_and_english_on_request(researcher: Client) -> None:
    dutch = researcher.get(reverse("web:studies")).content.decode()
    assert '<h1 class="utrecht-heading-1">Onderzoeken</h1>' in dutch and 'lang="nl"' in dutch
    researcher.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = researcher.get(reverse("web:studies")).content.decode()
    assert '<h1 class="utrecht-heading-1">Studies</h1>' in english and 'lang="en"' in english
