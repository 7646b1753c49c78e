"""The report in the browser: the definition edited, checked and versioned; builds kept with
their files; share links for a client that expire and can be revoked."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from docx import Document

from peiling.fieldwork import services as fieldwork_services
from peiling.jobs.models import Job
from peiling.jobs.services import job_run
from peiling.reports.models import ReportBuild, ReportDefinitionVersion, ReportShare

pytestmark = pytest.mark.django_db
EXAMPLE_DEFINITION = Path(__file__).resolve().parents[2] / "examples" / "rapport.yaml"


@pytest.fixture
def fieldwork(example_fieldwork):
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=60, seed=4,
                                          source="panel")
    return example_fieldwork


@pytest.fixture
def researcher(login_as):
    client = login_as("onderzoeker")
    client.cookies["django_language"] = "en"
    return client


def _url(fieldwork) -> str:
    return f"/veldwerk/{fieldwork.slug}/rapportbouwer/"


def test_a_definition_is_checked_and_saved_as_versions(researcher, fieldwork) -> None:
    text = EXAMPLE_DEFINITION.read_text(encoding="utf-8")
    saved = researcher.post(_url(fieldwork), {"text": text})
    assert saved.status_code == 302
    first = ReportDefinitionVersion.objects.get()
    assert (first.number, first.text) == (1, text.strip())
    # the same text again makes no new version; a changed one does
    researcher.post(_url(fieldwork), {"text": text})
    assert ReportDefinitionVersion.objects.count() == 1
    changed = text.replace("population: ambtenaren", "population: medewerkers", 1)
    assert changed != text
    researcher.post(_url(fieldwork), {"text": changed})
    assert list(ReportDefinitionVersion.objects.values_list("number", flat=True)) == [2, 1]
    # both stay downloadable as YAML, to edit elsewhere and import again
    export = researcher.get(f"{_url(fieldwork)}definitie-1.yaml")
    assert export.content.decode() == text.strip()
    assert export["Content-Disposition"] == (
        f'attachment; filename="rapport-{fieldwork.slug}-v1.yaml"')
    imported = researcher.post(_url(fieldwork), {
        "text": "", "file": SimpleUploadedFile("rapport.yaml", text.encode())})
    assert imported.status_code == 302
    assert ReportDefinitionVersion.objects.first().text == text.strip()


@pytest.mark.parametrize(("text", "problem"), [
    ("sections: [", "not valid YAML or JSON"),
    ("sections:\n  - title: Oordeel\n    items:\n      - question: bestaat_niet\n",
     "bestaat_niet"),
    ("banner: 12\n", "banner"),
])
def test_a_definition_with_problems_is_not_saved(researcher, fieldwork, text, problem) -> None:
    response = researcher.post(_url(fieldwork), {"text": text})
    assert response.status_code == 400
    problems = response.context["problems"]
    assert problems and any(problem in p for p in problems)
    assert not ReportDefinitionVersion.objects.exists()


def test_a_definition_file_that_is_not_text_is_refused(researcher, fieldwork) -> None:
    response = researcher.post(_url(fieldwork), {
        "text": "", "file": SimpleUploadedFile("rapport.yaml", b"\xff\xfe\x00bad")})
    assert response.status_code == 400
    assert "not UTF-8 text" in response.content.decode()
    assert not ReportDefinitionVersion.objects.exists()


def _build(researcher, fieldwork) -> ReportBuild:
    started = researcher.post(f"{_url(fieldwork)}maken/")
    job = Job.objects.filter(kind="report_build").latest("pk")
    assert (started.status_code, started["Location"]) == (302, f"/taken/{job.pk}/")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done", job.error
    return ReportBuild.objects.get(pk=job.result["build"])


def test_a_build_is_kept_with_its_files_and_its_definition(researcher, fieldwork) -> None:
    researcher.post(_url(fieldwork), {"text": EXAMPLE_DEFINITION.read_text(encoding="utf-8")})
    build = _build(researcher, fieldwork)
    assert (build.responses, build.definition.number) == (60, 1)
    formats = set(build.files.values_list("format", flat=True))
    assert {"html", "docx", "xlsx", "json"} <= formats
    html = researcher.get(f"/rapportversies/{build.pk}/bestand/html")
    assert html.status_code == 200 and b"Belangrijkste uitkomsten" in html.content
    assert html["Content-Disposition"].startswith("attachment")  # the stand-alone file
    page = researcher.get(f"/rapportversies/{build.pk}/").content.decode()
    # the build's report as the app shows reports: under the site's CSP, no inline style
    assert "Belangrijkste uitkomsten" in page and "<style" not in page
    assert 'style="' not in page and "data:image/svg+xml;base64," in page
    assert page.count(f"/rapportversies/{build.pk}/bestand/") >= 4
    docx = researcher.get(f"/rapportversies/{build.pk}/bestand/docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Belangrijkste uitkomsten" in text
    # more answers later: the kept build stays as it was, a new one counts them
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=5, seed=8, source="panel")
    assert _build(researcher, fieldwork).responses == 65
    assert ReportBuild.objects.get(pk=build.pk).responses == 60
    page = researcher.get(_url(fieldwork)).content.decode()
    assert page.count(f"/rapportversies/{build.pk}/bestand/") >= 4


def test_a_share_link_shows_the_build_until_it_expires_or_is_revoked(researcher,
                                                                      fieldwork) -> None:
    build = _build(researcher, fieldwork)
    made = researcher.post(f"/rapportversies/{build.pk}/delen/", {"label": "Ministerie",
                                                                  "days": "14"}, follow=True)
    message = next(str(m) for m in made.context["messages"])
    token = re.search(r"/gedeeld/([^/]+)/", message).group(1)
    share = ReportShare.objects.get()
    assert share.token_hash != token and len(share.token_hash) == 64  # only the hash kept
    client = Client()  # the client is not logged in
    page = client.get(f"/gedeeld/{token}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer" and "noindex" in page["X-Robots-Tag"]
    assert f"/gedeeld/{token}/bestand/docx" in page.content.decode()
    assert "Belangrijkste uitkomsten" in page.content.decode()  # the report itself
    assert "/rapportbouwer/" not in page.content.decode()  # and nothing else of the app
    assert client.get(f"/gedeeld/{token}/bestand/html").status_code == 200
    assert client.get(f"/gedeeld/{token}/bestand/docx")["Content-Disposition"].startswith(
        "attachment")
    assert client.get("/gedeeld/geen-geldige-sleutel/").status_code == 404
    assert client.get(f"/rapportversies/{build.pk}/bestand/html").status_code == 302  # log in
    # expired
    ReportShare.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(f"/gedeeld/{token}/").status_code == 404
    # revoked (valid again first, then revoked on the page)
    ReportShare.objects.update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(f"/gedeeld/{token}/").status_code == 200
    assert researcher.post(f"/deellinks/{share.pk}/intrekken/").status_code == 302
    assert client.get(f"/gedeeld/{token}/").status_code == 404
    assert client.get(f"/gedeeld/{token}/bestand/html").status_code == 404


def test_a_share_link_needs_a_valid_lifetime(researcher, fieldwork) -> None:
    build = _build(researcher, fieldwork)
    for days in ("0", "366", "veel"):
        researcher.post(f"/rapportversies/{build.pk}/delen/", {"days": days})
    assert not ReportShare.objects.exists()


def test_an_analist_builds_and_shares_but_another_organisation_sees_nothing(
        login_as, fieldwork, make_user, other_organisation) -> None:
    analist = login_as("analist")
    build = _build(analist, fieldwork)
    assert analist.post(f"/rapportversies/{build.pk}/delen/", {"days": "7"}).status_code == 302
    other = Client()
    other.force_login(make_user("onderzoeker", other_organisation))
    assert other.get(f"/rapportversies/{build.pk}/bestand/html").status_code == 404
    assert other.post(f"/rapportversies/{build.pk}/delen/", {"days": "7"}).status_code == 404
    share = ReportShare.objects.get()
    assert other.post(f"/deellinks/{share.pk}/intrekken/").status_code == 404
    assert ReportShare.objects.get().revoked_at is None
