"""The table explorer and the study's weighting targets, in the browser's requests.

Expected figures are counted here from the stored answers (the responses' JSON), not taken
from the analysis code the pages use.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response
from peiling.panel.models import PanelInvitation
from peiling.reports.datasets import fieldwork_dataset
from peiling.reports.models import WeightingTargets
from tests.panel.conftest import QUESTIONNAIRE, stored_version
from tests.panel.helpers import invite_all, respond

pytestmark = pytest.mark.django_db

ORG_TYPES = ("gemeente", "rijk", "provincie_waterschap", "uitvoering", "veiligheid",
             "onderwijs", "zorg_welzijn", "overig")


@pytest.fixture
def fieldwork(example_fieldwork):
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=80, seed=5,
                                          source="panel")
    return example_fieldwork


def _answers() -> list[dict]:
    return [r.answers for r in Response.objects.filter(status="completed")]


def _url(fieldwork, **query) -> str:
    from urllib.parse import urlencode

    return f"/veldwerk/{fieldwork.slug}/tabellen/?{urlencode(query, doseq=True)}"


def _rows(html: str) -> dict[str, list[str]]:
    """The table's rows: label -> cell texts (marks and letters left out)."""
    body = re.search(r'<table class="data[^"]*">.*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr class=\"role-[^\"]+\">(.*?)</tr>", body, re.S):
        label = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1))
        cells = [re.sub(r"<sup.*?</sup>|<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "",
                        cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[label.strip()] = cells
    return rows


def _percent(part: int, whole: int) -> str:
    return f"{int(100 * part / whole + 0.5)}%"


def test_a_question_against_a_banner_as_the_report_shows_it(analist, fieldwork) -> None:
    response = analist.get(_url(fieldwork, vraag="desirability", banner="org_type"))
    assert response.status_code == 200
    html = response.content.decode()
    answers = [a for a in _answers() if "desirability" in a]
    total = Counter(a["desirability"] for a in answers)
    wanted = _percent(total["wenselijk"], len(answers))
    rows = _rows(html)
    assert rows["Wenselijk"][-1] == wanted  # the total column
    gemeente = [a for a in answers if a.get("org_type") == "gemeente"]
    share = _percent(sum(a["desirability"] == "wenselijk" for a in gemeente), len(gemeente))
    assert rows["Wenselijk"][0] == share  # the first banner column: gemeente
    assert f"n\u00a0=\u00a0{len(gemeente)}" in html and "(A)" in html  # base, letter
    assert '<img src="data:image/svg+xml;base64,' in html  # the chart, as the report draws it
    assert "Next question" in html


def test_the_address_holds_the_choices_and_htmx_gets_the_table_only(analist, fieldwork) -> None:
    url = _url(fieldwork, vraag="desirability", banner=["org_type", "domain"],
               filter="${org_type} = 'rijk'")
    page = analist.get(url).content.decode()
    assert '<option value="desirability" selected>' in page
    assert '<option value="domain" selected>' in page
    rijk = [a for a in _answers() if a.get("org_type") == "rijk" and "desirability" in a]
    assert f"n\u00a0=\u00a0{len(rijk)}" in page  # the total of the filtered table
    part = analist.get(url, headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="result"') and "<html" not in part
    assert _rows(part) == _rows(page)


@pytest.mark.parametrize(("query", "message"), [
    ({"vraag": "bestaat_niet"}, "Select a valid choice"),
    ({"vraag": "desirability", "banner": "bestaat_niet"}, "Select a valid choice"),
    ({"vraag": "desirability", "banner": ["org_type", "domain", "function", "satisfaction"]},
     "Choose at most 3 banners."),
    ({"vraag": "desirability", "filter": "${org_type} = "},
     "filter: expression &#x27;${org_type} =&#x27;: the expression ends too early"),
    ({"vraag": "desirability", "filter": "${onbekend} = 1"}, "filter: unknown variable"),
    ({"vraag": "desirability", "banner": "org_type", "gewogen": "on"},
     "there are no weighting targets yet"),
])
def test_bad_choices_say_what_is_wrong(analist, fieldwork, query, message) -> None:
    response = analist.get(_url(fieldwork, **query))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_table_needs_a_choice_or_number_question(analist, fieldwork) -> None:
    dataset = fieldwork_dataset(fieldwork=fieldwork)
    text = next(name for name, v in dataset.variables.items() if v.kind == "text")
    response = analist.get(_url(fieldwork, vraag=text))
    assert response.status_code == 400  # not offered, so not a valid choice either


def test_every_table_downloads(analist, fieldwork) -> None:
    query = {"vraag": "desirability", "banner": "org_type"}
    base = f"/veldwerk/{fieldwork.slug}/tabellen/bestand"
    answers = [a for a in _answers() if "desirability" in a]
    wenselijk = sum(a["desirability"] == "wenselijk" for a in answers) / len(answers)

    xlsx = analist.get(base, {**query, "formaat": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == (
        f'attachment; filename="{fieldwork.slug}-desirability.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content))["desirability"]
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    total = rows["Wenselijk"][2 * len(ORG_TYPES) + 1]  # value, marks per column; total last
    assert total.value == pytest.approx(wenselijk) and total.number_format == "0%"
    assert sheet.freeze_panes == "B6"

    text = analist.get(base, {**query, "formaat": "csv"}).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    wenselijk_row = next(line for line in lines if line and line[0] == "Wenselijk")
    assert wenselijk_row[len(ORG_TYPES) + 1] == str(round(100 * wenselijk))

    svg = analist.get(base, {**query, "formaat": "svg"})
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = analist.get(base, {**query, "formaat": "png"})
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert analist.get(base, {**query, "formaat": "exe"}).status_code == 404
    refused = analist.get(base, {"vraag": "desirability", "filter": "${", "formaat": "csv"})
    assert refused.status_code == 400 and b"filter" in refused.content


def test_weighting_targets_are_checked_saved_and_used(analist, fieldwork) -> None:
    url = f"/veldwerk/{fieldwork.slug}/weging/"
    page = analist.get(url, {"variabele": "org_type"})
    assert page.status_code == 200
    form = page.context["form"]
    keys = list(form.keys)
    assert [form.keys[key] for key in keys] == [("org_type", name) for name in ORG_TYPES]
    targets = dict.fromkeys(keys, "12.5")
    # wrong first: 8 x 10% is not 100%; nothing saved
    wrong = analist.post(url, {"variabele": "org_type", **dict.fromkeys(keys, "10")})
    assert wrong.status_code == 400
    assert "the targets of &#x27;org_type&#x27; sum to 80%" in wrong.content.decode()
    assert not WeightingTargets.objects.exists()
    saved = analist.post(url, {"variabele": "org_type", **targets})
    assert (saved.status_code, saved["Location"]) == (302, url)
    stored = WeightingTargets.objects.get()
    assert stored.targets == {"org_type": dict.fromkeys(ORG_TYPES, 12.5)}
    assert stored.questionnaire == fieldwork.form_version.questionnaire
    shown = analist.get(url).content.decode()
    assert 'id="weighting-result"' in shown and "Efficiency" in shown

    weighted = analist.get(_url(fieldwork, vraag="org_type", gewogen="on")).content.decode()
    assert 'id="weighting-summary"' in weighted
    # raked to 12.5% each, every type of organisation is 12.5% (rounded: 13%) of the total
    assert {cells[-1] for label, cells in _rows(weighted).items()
            if label not in ("Totaal", "Total")} == {"13%"}
    # no targets any more
    removed = analist.post(url, {})
    assert removed.status_code == 302 and not WeightingTargets.objects.exists()


def test_a_target_for_an_empty_category_is_refused(analist, fieldwork) -> None:
    Response.objects.filter(answers__org_type="overig").delete()
    url = f"/veldwerk/{fieldwork.slug}/weging/"
    form = analist.get(url, {"variabele": "org_type"}).context["form"]
    values = {key: ("30" if form.keys[key][1] == "overig" else "10") for key in form.keys}
    response = analist.post(url, {"variabele": "org_type", **values})
    assert response.status_code == 400
    assert ("org_type = overig: a target of 30% but no respondent in this category"
            in response.content.decode())
    assert not WeightingTargets.objects.exists()


def test_without_completed_responses_there_is_nothing_to_tabulate(analist,
                                                                  example_fieldwork) -> None:
    page = analist.get(f"/veldwerk/{example_fieldwork.slug}/tabellen/")
    assert page.status_code == 200 and 'id="unavailable"' in page.content.decode()
    weighting = analist.get(f"/veldwerk/{example_fieldwork.slug}/weging/")
    assert weighting.status_code == 200 and 'id="unavailable"' in weighting.content.decode()


def test_the_prepared_answers_follow_the_data(fieldwork) -> None:
    first = fieldwork_dataset(fieldwork=fieldwork)
    assert fieldwork_dataset(fieldwork=fieldwork) is first  # kept in memory
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=1, seed=9, source="panel")
    again = fieldwork_dataset(fieldwork=fieldwork)
    assert (first.n, again.n) == (80, 81)


def test_the_pages_are_dutch_by_default(login_as, fieldwork) -> None:
    page = login_as("analist").get(_url(fieldwork, vraag="desirability")).content.decode()
    assert "Tabellen" in page and "Volgende vraag" in page


def test_a_tab_book_is_saved_built_in_the_background_and_made_again(analist,
                                                                    fieldwork) -> None:
    from peiling.jobs.models import Job
    from peiling.jobs.services import job_run
    from peiling.reports.explorer import question_variables
    from peiling.reports.models import TabBook

    url = f"/veldwerk/{fieldwork.slug}/tabellenboeken/"
    assert analist.get(url).status_code == 200
    response = analist.post(url, {"name": "Alles naar organisatie", "banners": "org_type"})
    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/taken/{job.pk}/")
    book = TabBook.objects.get()
    assert (book.questions, book.banners, book.weighted) == ([], ["org_type"], False)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    questions = [name for name, _ in question_variables(fieldwork_dataset(fieldwork=fieldwork))]
    assert (job.status, job.result["tables"], job.result["left_out"]) == (
        "done", len(questions), [])
    download = analist.get(f"/taken/{job.pk}/bestand")
    workbook = load_workbook(io.BytesIO(download.content))
    assert workbook.sheetnames[0] == "Inhoud"
    assert workbook.sheetnames[1:] == questions
    index = workbook["Inhoud"]
    assert index.cell(3, 1).value == questions[0]
    sheet = workbook["desirability"]
    assert [sheet.cell(3, c).value for c in (2, 4)] == ["Gemeente", "Rijksoverheid"]
    assert "tables in the workbook" in analist.get(f"/taken/{job.pk}/").content.decode()
    # the saved book, made again from the list
    assert "Alles naar organisatie" in analist.get(url).content.decode()
    again = analist.post(f"/veldwerk/{fieldwork.slug}/tabellenboeken/{book.pk}/maken/")
    assert again.status_code == 302 and Job.objects.count() == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "x", "banners": "bestaat_niet"}, "Select a valid choice"),
    ({"name": "x", "filter": "${org_type} ="}, "filter: expression"),
    ({"name": "x", "weighted": "on"}, "there are no weighting targets yet"),
    ({"name": ""}, "This field is required."),
])
def test_a_tab_book_that_cannot_be_made_is_not_saved(analist, fieldwork, data, message) -> None:
    from peiling.jobs.models import Job
    from peiling.reports.models import TabBook

    response = analist.post(f"/veldwerk/{fieldwork.slug}/tabellenboeken/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TabBook.objects.exists() and not Job.objects.exists()


def test_a_question_that_cannot_be_tabulated_is_left_out_with_the_reason(fieldwork) -> None:
    from peiling.reports.explorer import TableChoice, tab_book_tables

    dataset = fieldwork_dataset(fieldwork=fieldwork)
    tables, left_out = tab_book_tables(
        fieldwork.form_version.form, dataset, ["desirability", "bestaat_niet"],
        TableChoice(question="", banners=("org_type",)))
    assert [table.name for table in tables] == ["desirability"]
    assert left_out == ["bestaat_niet: 'bestaat_niet' is not a question of this questionnaire"]


def test_the_answers_of_a_large_fieldwork_are_prepared_by_a_worker_first(analist, fieldwork,
                                                                          monkeypatch) -> None:
    from peiling.jobs.models import Job
    from peiling.jobs.services import job_run
    from peiling.reports import datasets

    monkeypatch.setattr(datasets, "READ_IN_REQUEST", 50)  # the fixture has 80 responses
    url = _url(fieldwork, vraag="desirability", banner="org_type")
    waiting = analist.get(url)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert 'id="preparing"' in html and '<table class="data' not in html
    job = Job.objects.get(kind="dataset_prepare")
    assert job.payload["fieldwork"] == fieldwork.pk
    analist.get(url)
    assert Job.objects.filter(kind="dataset_prepare").count() == 1  # started once
    datasets.forget_in_memory()
    job_run(job_id=job.pk)  # the worker reads the answers into the shared cache
    datasets.forget_in_memory()  # the web process has not seen them: it finds them there
    ready = analist.get(url).content.decode()
    assert '<table class="data' in ready and 'id="preparing"' not in ready
    assert Job.objects.filter(kind="dataset_prepare").count() == 1


def test_the_source_of_the_responses_is_a_banner(analist, example_fieldwork) -> None:
    for n, source in ((30, "panel"), (20, "nieuwsbrief")):
        fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=n, seed=n,
                                              source=source)
    page = analist.get(_url(example_fieldwork, vraag="desirability", banner="bron"))
    assert page.status_code == 200
    html = page.content.decode()
    asked = {source: [r.answers for r in Response.objects.filter(source=source)
                      if "desirability" in r.answers] for source in ("panel", "nieuwsbrief")}
    assert f"n\u00a0=\u00a0{len(asked['nieuwsbrief'])}" in html
    assert "Open link ‘nieuwsbrief’" in html and ">Panel<" in html
    form = page.context["form"]
    assert "bron" not in dict(form.fields["vraag"].choices)  # a banner, not a question


def test_panel_profile_variables_the_questionnaire_does_not_ask_are_banners(
        analist, panel, add_member, tmp_path) -> None:
    now = timezone.now()
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=stored_version(QUESTIONNAIRE, tmp_path), slug="thuis", name="Thuiswerken",
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30))
    for i in range(7):
        add_member(org_type="gemeente" if i % 2 else "rijk", domain="ict", birth_year=1970 + i)
    invite_all(panel, fieldwork)
    for item in PanelInvitation.objects.filter(fieldwork=fieldwork):
        respond(item)
    fieldwork_services.responses_simulate(fieldwork=fieldwork, n=2, seed=3, source="link")
    page = analist.get(_url(fieldwork, vraag="q1", banner="org_type"))
    assert page.status_code == 200
    banners = dict(page.context["form"].fields["banner"].choices)
    assert banners["org_type"].startswith("Type organisatie (profiel)")
    assert banners["domain"].startswith("Werkterrein (profiel)")
    assert "birth_year" not in banners  # a number, no banner
    table = page.context["exploration"].table.table
    bases = {c.label: c.base for c in table.columns}
    # three members of a gemeente answered, four of the Rijk; the open link has no profile
    assert (bases["Gemeente"], bases["Rijksoverheid"]) == (3, 4)
    assert bases[table.columns[-1].label] == 9


def test_picked_answers_filter_as_or_within_a_question_and_and_across(analist,
                                                                      fieldwork) -> None:
    page = analist.get(_url(fieldwork, vraag="desirability",
                            alleen=["org_type:gemeente", "org_type:rijk", "domain:ict"]))
    assert page.status_code == 200
    answers = [a for a in _answers() if "desirability" in a
               and a.get("org_type") in ("gemeente", "rijk") and a.get("domain") == "ict"]
    assert answers  # the simulated data has such respondents
    wanted = _percent(sum(a["desirability"] == "wenselijk" for a in answers), len(answers))
    assert _rows(page.content.decode())["Wenselijk"][-1] == wanted
    assert page.context["exploration"].choice.filter == (
        "(${org_type} = 'gemeente' or ${org_type} = 'rijk') and ${domain} = 'ict'")
    # picked answers and an expression together
    both = analist.get(_url(fieldwork, vraag="desirability", alleen=["org_type:gemeente"],
                            filter="${domain} = 'ict'"))
    assert both.context["exploration"].choice.filter == (
        "(${org_type} = 'gemeente') and (${domain} = 'ict')")
    assert analist.get(_url(fieldwork, vraag="desirability",
                            alleen=["org_type:bestaat_niet"])).status_code == 400
