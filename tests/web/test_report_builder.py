"""The report in the browser: the definition edited, checked and versioned; builds kept with
their files; share links for a client that expire and can be revoked."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from docx import Document

from peiling.fieldwork import services as fieldwork_services
from peiling.jobs.models import Job
from peiling.jobs.services import job_run
from peiling.reports.definition import parse_definition
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


# -- key findings edited in the browser ---------------------------------------------------------


def _findings(build) -> list[dict]:
    data = json.loads(bytes(build.files.get(format="json").data))
    return [{"text": s, **n} for f in data["findings"] for s, n in zip(f["sentences"], f["notes"],
                                                                        strict=True)]


def test_an_edited_finding_survives_a_rebuild_and_is_flagged_when_its_numbers_change(
        researcher, fieldwork) -> None:
    build = _build(researcher, fieldwork)
    first = _findings(build)[0]
    assert not first["edited"] and first["numbers"]
    page = researcher.get(f"/rapportversies/{build.pk}/").content.decode()
    assert first["key"] in page  # the edit form of each finding
    saved = researcher.post(f"/rapportversies/{build.pk}/kernpunt/",
                            {"key": first["key"], "text": "  Onze eigen   zin.  ", "action": "save"})
    assert saved.status_code == 302
    version = ReportDefinitionVersion.objects.get()
    definition = parse_definition(version.text)
    assert [(e.key, e.text, e.numbers) for e in definition.findings] == [
        (first["key"], "Onze eigen zin.", tuple(first["numbers"]))]
    # rebuilt on the same answers: the edited text, marked, not flagged
    rebuilt = _build(researcher, fieldwork)
    [edited] = [f for f in _findings(rebuilt) if f["key"] == first["key"]]
    assert (edited["text"], edited["edited"], edited["flag"]) == ("Onze eigen zin.", True, "")
    page = researcher.get(f"/rapportversies/{rebuilt.pk}/").content.decode()
    assert "Onze eigen zin." in page and "(bewerkt)" in page
    # the text was written against other numbers (as after new answers): flagged, everywhere
    other = (first["numbers"][0] + 1) % 100
    changed = version.text.replace(f"- {first['numbers'][0]}", f"- {other}", 1)
    assert changed != version.text
    assert researcher.post(_url(fieldwork), {"text": changed}).status_code == 302
    flagged = _build(researcher, fieldwork)
    [edited] = [f for f in _findings(flagged) if f["key"] == first["key"]]
    assert f"toen {other}%" in edited["flag"] and f"nu {first['numbers'][0]}%" in edited["flag"]
    docx = researcher.get(f"/rapportversies/{flagged.pk}/bestand/docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Onze eigen zin. [Let op: de cijfers zijn veranderd" in text
    # back to the drafted text
    researcher.post(f"/rapportversies/{flagged.pk}/kernpunt/",
                    {"key": first["key"], "action": "reset"})
    assert parse_definition(ReportDefinitionVersion.objects.first().text).findings == ()
    assert _findings(_build(researcher, fieldwork))[0]["text"] == first["text"]


def test_a_finding_edit_needs_a_known_key_and_a_text(researcher, fieldwork, login_as) -> None:
    build = _build(researcher, fieldwork)
    key = _findings(build)[0]["key"]
    unknown = researcher.post(f"/rapportversies/{build.pk}/kernpunt/",
                              {"key": "nergens|ja", "text": "Tekst."})
    assert unknown.status_code == 400
    empty = researcher.post(f"/rapportversies/{build.pk}/kernpunt/",
                            {"key": key, "text": "   ", "action": "save"}, follow=True)
    assert any("required" in str(m) for m in empty.context["messages"])
    too_long = researcher.post(f"/rapportversies/{build.pk}/kernpunt/",
                               {"key": key, "text": "x" * 1001, "action": "save"})
    assert too_long.status_code == 302
    assert not ReportDefinitionVersion.objects.exists()


# -- quotes picked from the open answers --------------------------------------------------------


def test_quotes_are_searched_by_subgroup_picked_under_a_theme_and_shown_in_the_report(
        researcher, fieldwork) -> None:
    url = f"/veldwerk/{fieldwork.slug}/rapportbouwer/citaten/"
    everyone = researcher.get(url, {"vraag": "desirability_why"})
    assert everyone.status_code == 200
    found = everyone.context["found"]
    assert found.answers and found.respondents >= len(found.answers)
    dataset = everyone.context["search"].fields  # the subgroups offered come from the data
    assert "org_type:gemeente" in dict(dataset["groep"].choices)
    some = researcher.get(url, {"vraag": "desirability_why", "groep": "org_type:gemeente"})
    assert some.context["found"].respondents < found.respondents
    text, _count = found.answers[0]
    word = text.split()[0]
    searched = researcher.get(url, {"vraag": "desirability_why", "zoek": word.upper()})
    assert all(word.casefold() in t.casefold() for t, _ in searched.context["found"].answers)
    picked = researcher.post(f"{url}?vraag=desirability_why",
                             {"thema": "Aansluiten bij inwoners", "citaat": [text]})
    assert picked.status_code == 302
    definition = parse_definition(ReportDefinitionVersion.objects.get().text)
    [item] = [i for s in definition.sections for i in s.items if i.kind == "quotes"]
    assert [(t.theme, t.quotes) for t in item.themes] == [("Aansluiten bij inwoners", (text,))]
    page = researcher.get(f"/rapportversies/{_build(researcher, fieldwork).pk}/").content.decode()
    assert "Aansluiten bij inwoners" in page and escape(text) in page


@pytest.mark.parametrize(("query", "data"), [
    ({"vraag": "desirability_why"}, {"thema": "Thema", "citaat": ["Dit heeft niemand gezegd."]}),
    ({"vraag": "desirability_why"}, {"thema": "", "citaat": []}),
    ({"vraag": "desirability"}, {"thema": "Thema", "citaat": ["x"]}),  # not an open question
    ({"vraag": "desirability_why", "groep": "org_type:bestaat_niet"}, {}),
])
def test_bad_quote_picks_are_refused_and_store_nothing(researcher, fieldwork, query,
                                                        data) -> None:
    url = f"/veldwerk/{fieldwork.slug}/rapportbouwer/citaten/"
    if data:
        response = researcher.post(f"{url}?{urlencode(query)}", data)
    else:
        response = researcher.get(url, query)
    assert response.status_code == 400
    assert not ReportDefinitionVersion.objects.exists()


# -- the outline without YAML -------------------------------------------------------------------


def _chapters_post(page) -> dict[str, object]:
    """The chapters form as the page fills it in."""
    formset = page.context["chapters"]
    data: dict[str, object] = {"part": "chapters", **{
        f"hoofdstuk-{k}": v for k, v in formset.management_form.initial.items()}}
    for i, chapter in enumerate(formset):
        data[f"hoofdstuk-{i}-title"] = chapter.initial.get("title", "")
        data[f"hoofdstuk-{i}-tables"] = chapter.initial.get("tables", [])
        data[f"hoofdstuk-{i}-ORDER"] = chapter.initial.get("ORDER", i + 1)
    return data


def test_the_outline_sets_the_words_banner_and_chapters_without_yaml(researcher,
                                                                     fieldwork) -> None:
    url = f"/veldwerk/{fieldwork.slug}/rapportbouwer/opzet/"
    page = researcher.get(url)
    assert page.status_code == 200
    saved = researcher.post(url, {"part": "settings", "title": "Digitaal 2026",
                                  "population": "ambtenaren", "banner": "org_type",
                                  "summary": "Een korte opening.", "draft": "on"})
    assert saved.status_code == 302
    definition = parse_definition(ReportDefinitionVersion.objects.get().text)
    assert (definition.title, definition.population) == ("Digitaal 2026", "ambtenaren")
    assert definition.banner_named(None).columns == ("org_type",)
    assert definition.text("summary") == "Een korte opening." and definition.draft
    # the chapters: the last one first, and a new one with the desirability table
    data = _chapters_post(researcher.get(url))
    count = int(data["hoofdstuk-TOTAL_FORMS"])
    data[f"hoofdstuk-{count - 2}-ORDER"] = 0
    data[f"hoofdstuk-{count - 1}-title"] = "Extra"
    data[f"hoofdstuk-{count - 1}-tables"] = ["question:desirability"]
    assert researcher.post(url, data).status_code == 302
    after = parse_definition(ReportDefinitionVersion.objects.first().text)
    assert after.title == "Digitaal 2026"  # the settings stay
    titles = [s.title for s in after.sections]
    assert titles[-1] == "Extra" and len(titles) == count
    assert [i.questions for i in after.sections[-1].items] == [("desirability",)]
    # the report follows it
    build = _build(researcher, fieldwork)
    page = researcher.get(f"/rapportversies/{build.pk}/").content.decode()
    assert "Digitaal 2026" in page and "Extra" in page


def test_a_bad_outline_is_refused_and_stores_nothing(researcher, fieldwork) -> None:
    url = f"/veldwerk/{fieldwork.slug}/rapportbouwer/opzet/"
    data = _chapters_post(researcher.get(url))
    data["hoofdstuk-0-title"] = ""  # tables without a title
    assert researcher.post(url, data).status_code == 400
    data = _chapters_post(researcher.get(url))
    data["hoofdstuk-0-tables"] = ["question:bestaat_niet"]
    assert researcher.post(url, data).status_code == 400
    assert researcher.post(url, {"part": "settings", "banner": "geen_vraag"}).status_code == 400
    assert researcher.post(url, {"part": "settings", "title": "x" * 301}).status_code == 400
    assert not ReportDefinitionVersion.objects.exists()
