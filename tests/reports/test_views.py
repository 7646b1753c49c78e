"""The report page behind login, its downloads, and the facts read from fieldwork."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from peiling.accounts.services import organisation_default
from peiling.fieldwork import services
from peiling.questionnaires.models import FormVersion, Questionnaire
from peiling.reports import selectors
from tests.reports.conftest import EXAMPLE

pytestmark = pytest.mark.django_db
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def fieldwork(form):
    questionnaire = Questionnaire.objects.create(organisation=organisation_default(), form_id=form.form_id, title=form.title)
    version = FormVersion.objects.create(
        questionnaire=questionnaire, number=1, version=form.version,
        content_hash=form.content_hash(), definition=form.to_dict(), source=EXAMPLE.read_bytes(),
        question_count=10, page_count=10,
    )  # fmt: skip
    fieldwork = services.fieldwork_create(
        form_version=version, slug="digitalisering-2018", name="Digitalisering 2018",
        opens_at=dt.datetime(2018, 2, 27, 8, tzinfo=AMSTERDAM),
        closes_at=dt.datetime(2018, 3, 9, 0, tzinfo=AMSTERDAM),
    )  # fmt: skip
    services.responses_simulate(fieldwork=fieldwork, n=30, seed=1, source="panel")
    services.responses_simulate(fieldwork=fieldwork, n=10, seed=2, source="nieuwsbrief")
    return fieldwork


@pytest.fixture
def researcher(login_as) -> Client:
    return login_as("analist")  # results, reports and anonymous exports: the analist's work


def test_facts_come_from_the_fieldwork(fieldwork) -> None:
    facts = selectors.fieldwork_facts(fieldwork=fieldwork, n=40)
    assert (facts.start, facts.end) == (dt.date(2018, 2, 27), dt.date(2018, 3, 8))
    assert [(s.key, s.label, s.count) for s in facts.sources] == [
        ("nieuwsbrief", "de open link ‘nieuwsbrief’", 10),
        ("panel", "het panel", 30),
    ]
    assert (facts.invited, facts.response_rates) == (None, ())


def test_the_default_report_of_a_fieldwork(fieldwork) -> None:
    report = selectors.report_for_fieldwork(reference="digitalisering-2018")
    assert report.facts.n == 40
    first = report.tables()[0]
    assert first.table.columns[0].label == "Gemeente"
    text = report.chapters[0].sections[-1].blocks[0].text
    assert text == (
        "Aan het onderzoek werkten 40 respondenten mee. Het onderzoek liep van dinsdag 27 "
        "februari tot en met donderdag 8 maart 2018. Het grootste deel van de respons (75%) is "
        "afkomstig via het panel (n = 30). Daarnaast vulden 10 respondenten (25%) via de open "
        "link ‘nieuwsbrief’ de vragenlijst in."
    )


def test_a_fieldwork_without_responses_says_what_to_do(form, fieldwork) -> None:
    fieldwork.responses.all().delete()
    with pytest.raises(selectors.ReportSourceError, match="has no completed responses yet"):
        selectors.report_source(reference=fieldwork.slug)


def test_pages_need_login(client: Client, fieldwork) -> None:
    for url in (reverse("reports:page", args=[fieldwork.slug]),
                reverse("reports:download", args=[fieldwork.slug, "docx"])):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_page_shows_the_report_and_every_download(researcher: Client, fieldwork) -> None:
    response = researcher.get(reverse("reports:page", args=[fieldwork.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Hoe beoordelen ambtenaren de digitalisering bij de overheid?</h1>" in html
    assert f'action="/rapporten/{fieldwork.slug}/maken/"' in html  # made as a job
    for fmt in ("html", "docx", "xlsx", "pdf", "json"):
        assert f'name="format" value="{fmt}"' in html


def test_a_report_file_is_made_as_a_job(researcher: Client, fieldwork) -> None:
    """The page's download buttons start a job; its page then offers the same file that the
    report's own address gives (which stays, for scripts)."""
    from docx import Document

    from peiling.jobs.models import Job
    from peiling.jobs.services import job_run

    response = researcher.post(reverse("reports:render", args=[fieldwork.slug]),
                               {"format": "docx"})
    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/taken/{job.pk}/")
    job_run(job_id=job.pk)
    download = researcher.get(f"/taken/{job.pk}/bestand")
    assert download["Content-Disposition"] == (
        f'attachment; filename="rapport-{fieldwork.slug}.docx"')
    texts = [p.text for p in Document(io.BytesIO(download.content)).paragraphs]
    assert "Hoe beoordelen ambtenaren de digitalisering bij de overheid?" in texts[:5]
    assert "1. Belangrijkste uitkomsten" in texts
    assert researcher.post(reverse("reports:render", args=[fieldwork.slug]),
                           {"format": "odt"}).status_code == 400


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "json", "html"])
def test_downloads(researcher: Client, fieldwork, fmt: str) -> None:
    response = researcher.get(reverse("reports:download", args=[fieldwork.slug, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="rapport-{fieldwork.slug}.{fmt}"'
    )
    if fmt == "xlsx":
        from openpyxl import load_workbook

        assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "Inhoud"


def test_the_command_reports_a_fieldwork(fieldwork, tmp_path, capsys) -> None:
    from peiling.cli import main

    output = tmp_path / "rapport.xlsx"
    assert main(["report", fieldwork.slug, "-o", str(output)]) == 0
    assert capsys.readouterr().out.startswith(f"peiling report: wrote {output} (")
    from openpyxl import load_workbook

    workbook = load_workbook(output)
    assert "Tabel 4.1" in workbook.sheetnames


def test_unknown_fieldwork_and_format_are_404(researcher: Client, fieldwork) -> None:
    assert researcher.get(reverse("reports:page", args=["nergens"])).status_code == 404
    assert researcher.get(reverse("reports:download", args=[fieldwork.slug, "odt"])).status_code == 404


def test_data_downloads_next_to_the_report(researcher: Client, fieldwork, tmp_path) -> None:
    import pyreadstat

    from peiling.fieldwork.models import Response

    html = researcher.get(reverse("reports:page", args=[fieldwork.slug])).content.decode()
    assert f'action="/rapporten/{fieldwork.slug}/export/"' in html  # made as a job
    for name in ("data.sav", "data.csv", "data.xlsx", "data.parquet", "codebook.html"):
        assert f'name="name" value="{name}"' in html
    # The same files stay at their own address, for scripts.
    response = researcher.get(reverse("reports:data", args=[fieldwork.slug, "data.sav"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{fieldwork.slug}-data.sav"')
    path = tmp_path / "data.sav"
    path.write_bytes(response.content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == Response.objects.filter(fieldwork=fieldwork, status="completed").count()
    assert meta.variable_value_labels["org_type"][1] == "Gemeente"
    csv = researcher.get(reverse("reports:data", args=[fieldwork.slug, "data.csv"]))
    assert csv.status_code == 200 and csv.content.decode().splitlines()[0].startswith("org_type")


def test_data_downloads_need_login_and_a_known_format(client: Client, researcher: Client,
                                                      fieldwork) -> None:
    url = reverse("reports:data", args=[fieldwork.slug, "data.sav"])
    assert Client().get(url).status_code == 302
    assert researcher.get(reverse("reports:data", args=[fieldwork.slug, "data.odt"])).status_code == 404
    assert researcher.get(reverse("reports:data", args=["nergens", "data.sav"])).status_code == 404


def test_the_page_the_files_and_the_command_use_the_study_s_definition(
        researcher: Client, fieldwork, tmp_path, capsys) -> None:
    from peiling.cli import main
    from peiling.reports.models import ReportDefinitionVersion

    ReportDefinitionVersion.objects.create(
        questionnaire=fieldwork.form_version.questionnaire, number=1,
        text="title: Onze eigen titel\npopulation: ambtenaren\n")
    html = researcher.get(reverse("reports:page", args=[fieldwork.slug])).content.decode()
    assert "<h1>Onze eigen titel</h1>" in html
    output = tmp_path / "rapport.json"
    assert main(["report", fieldwork.slug, "-o", str(output)]) == 0
    assert '"title": "Onze eigen titel"' in output.read_text(encoding="utf-8")
    assert "using the study's report definition" in capsys.readouterr().err
    # a definition that does not fit the fieldwork's questionnaire version: said, no 500
    ReportDefinitionVersion.objects.create(
        questionnaire=fieldwork.form_version.questionnaire, number=2,
        text="sections:\n  - title: Weg\n    items:\n      - question: bestaat_niet\n")
    page = researcher.get(reverse("reports:page", args=[fieldwork.slug]))
    assert page.status_code == 404
    assert main(["report", fieldwork.slug, "-o", str(output)]) == 1
    assert "does not fit questionnaire version" in capsys.readouterr().err
