"""A study's trends in the web app: its fieldworks as waves, one question side by side with
the change tested, a wave mapping applied, and bad choices answered with a 400."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from peiling.analysis.tables import frequency_table
from peiling.exchange.services import fieldwork_export_data
from peiling.fieldwork import services as fieldwork_services
from peiling.reports.models import WaveMap
from tests.fieldwork.conftest import (  # noqa: F401  (fixtures)
    example_form,
    example_version,
    make_fieldwork,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(example_version, make_fieldwork):  # noqa: F811
    """Two waves of the example study, a year apart."""
    first = make_fieldwork(example_version, opens_in=dt.timedelta(days=-400))
    second = make_fieldwork(example_version)
    first.name, second.name = "Meting 2024", "Meting 2025"
    first.save(update_fields=["name"])
    second.save(update_fields=["name"])
    fieldwork_services.responses_simulate(fieldwork=first, n=60, seed=1, source="panel")
    fieldwork_services.responses_simulate(fieldwork=second, n=80, seed=2, source="panel")
    example_version.questionnaire.waves = (first, second)
    return example_version.questionnaire


def test_a_question_side_by_side_over_the_waves(analist, study) -> None:
    page = analist.get(f"/onderzoeken/{study.pk}/")
    assert 'id="trends-link"' in page.content.decode()
    page = analist.get(f"/onderzoeken/{study.pk}/trends/")
    assert page.status_code == 200
    assert [wave.label for _f, wave in page.context["waves"]] == ["Meting 2024", "Meting 2025"]
    page = analist.get(f"/onderzoeken/{study.pk}/trends/", {"vraag": "desirability"})
    assert page.status_code == 200
    table = page.context["table"]
    for i, fieldwork in enumerate(study.waves):
        own = frequency_table(fieldwork_export_data(fieldwork=fieldwork).dataset,
                              "desirability", significance=False)
        assert table.bases[i] == own.columns[0].base
        for row in own.rows:
            assert table.row(row.key).values[i] == pytest.approx(row.values[0])
    html = page.content.decode()
    assert 'id="trend-table"' in html and "z-toets voor twee proporties" in html


def test_a_mapped_question_is_not_asked_in_the_other_wave(analist, study) -> None:
    first, _second = study.waves
    WaveMap.objects.create(questionnaire=study, fieldwork=first, question="satisfaction",
                           to="tevredenheid_oud")
    page = analist.get(f"/onderzoeken/{study.pk}/trends/", {"vraag": "tevredenheid_oud"})
    assert page.status_code == 200
    table = page.context["table"]
    assert table.asked == (True, False) and table.bases[1] == 0
    assert all(row.values[1] is None for row in table.rows)
    assert "niet gevraagd" in page.content.decode()


@pytest.mark.parametrize("query", [{"vraag": "onbekend"},
                                   {"vraag": "desirability", "drempel": "zes"}])
def test_bad_choices_are_a_400(analist, study, query) -> None:
    page = analist.get(f"/onderzoeken/{study.pk}/trends/", query)
    assert page.status_code == 400 and 'id="choice-problems"' in page.content.decode()


def test_the_trend_has_a_chart_with_a_text_alternative(analist, study) -> None:
    import base64

    page = analist.get(f"/onderzoeken/{study.pk}/trends/", {"vraag": "desirability"})
    html = page.content.decode()
    assert 'id="trend-chart"' in html
    assert page.context["description"].startswith("Lijngrafiek van")
    svg = base64.b64decode(page.context["chart"].split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "Meting 2024" in svg and "Meting 2025" in svg


def test_the_report_of_a_later_wave_has_the_chapter_ontwikkeling(study) -> None:
    from peiling.reports.renderers import renderer_for
    from peiling.reports.selectors import report_for_fieldwork

    first, second = study.waves
    report = report_for_fieldwork(reference=second.slug)
    titles = [(c.number, c.title) for c in report.chapters]
    assert ("4", "Ontwikkeling") in titles and ("5", "Onderzoeksverantwoording") in titles
    development = next(c for c in report.chapters if c.title == "Ontwikkeling")
    text = " ".join(getattr(b, "text", "") for s in development.sections for b in s.blocks)
    assert "Meting 2024" in text and "Meting 2025" in text
    introduction = next(c for c in report.chapters if c.number == "2")
    assert "Zie hoofdstuk 5" in " ".join(getattr(b, "text", "") for s in
                                          introduction.sections for b in s.blocks)
    for fmt in ("html", "docx", "xlsx", "json"):
        assert renderer_for(fmt).render(report)
    # The first wave has nothing to compare with: no such chapter.
    earlier = report_for_fieldwork(reference=first.slug)
    assert "Ontwikkeling" not in [c.title for c in earlier.chapters]


def test_the_demo_monitor_has_three_waves_a_mapping_and_a_trend_chapter(
        analist, organisation) -> None:
    from peiling.commands.monitor_demo import SLUG, monitor_demo
    from peiling.reports.selectors import report_for_fieldwork

    study = monitor_demo(organisation, None)
    assert monitor_demo(organisation, None) == study  # once
    page = analist.get(f"/onderzoeken/{study}/trends/", {"vraag": "tevreden_contact"})
    assert page.status_code == 200 and page.context["problems"] == []
    table = page.context["table"]
    assert table.asked == (True, True, True)  # renamed after 2021, mapped
    grades = analist.get(f"/onderzoeken/{study}/trends/", {"vraag": "rapportcijfer"})
    mean = grades.context["table"].row("mean")
    assert mean.values[0] == pytest.approx(6.7, abs=0.15) and mean.first[2] == 1
    assert grades.context["threshold"] == 6.0  # a grade: the share onvoldoende too
    channel = analist.get(f"/onderzoeken/{study}/trends/", {"vraag": "kanaal"})
    assert channel.context["table"].row("website").values[0] > 0  # 'internet' recoded
    report = report_for_fieldwork(reference=SLUG.format(year=2025))
    chapter = next(c for c in report.chapters if c.title == "Ontwikkeling")
    text = " ".join(getattr(b, "text", "") for s in chapter.sections for b in s.blocks)
    assert "‘Welk rapportcijfer geeft u de dienstverlening van uw gemeente?’ steeg" in text


def test_mappings_are_added_checked_and_removed_on_the_trends_page(analist, study) -> None:
    first, _second = study.waves
    url = f"/onderzoeken/{study.pk}/trends/koppelingen/"
    done = analist.post(url, {"golf": first.pk, "vraag": "desirability", "nu": "wens",
                              "codes": "wenselijk=ja; onwenselijk=nee"})
    assert done.status_code == 302 and done["Location"].endswith("/trends/#mappings")
    mapping = WaveMap.objects.get()
    assert (mapping.question, mapping.to, mapping.codes) == (
        "desirability", "wens", [["wenselijk", "ja"], ["onwenselijk", "nee"]])
    page = analist.get(f"/onderzoeken/{study.pk}/trends/")
    assert 'id="mapping-list"' in page.content.decode()
    # No other wave has 'wens' to take its answer codes from: said on the page.
    assert any("no other wave has 'wens'" in p for p in page.context["problems"])
    for bad, message in [
        ({"golf": first.pk, "vraag": "onbekend", "nu": "x"}, "is not a question of that wave"),
        ({"golf": first.pk, "vraag": "satisfaction", "nu": "x y"}, "is not a question name"),
        ({"golf": first.pk, "vraag": "satisfaction", "nu": "satisfaction"}, "renames"),
        ({"golf": first.pk, "vraag": "satisfaction", "nu": "s", "codes": "zeer"}, "old=new"),
        ({"golf": first.pk, "vraag": "satisfaction", "nu": "s", "codes": "nooit=x"},
         "not an answer code"),
        ({"golf": first.pk, "vraag": "desirability", "nu": "w2"}, "has a mapping already"),
    ]:
        response = analist.post(url, bad, follow=True)
        assert message in response.content.decode(), message
    assert WaveMap.objects.count() == 1
    assert analist.post(url, {"golf": "x", "vraag": "a", "nu": "b"}).status_code == 400
    assert analist.post(url, {"verwijder": "999"}).status_code == 400
    assert analist.post(url, {"verwijder": mapping.pk}).status_code == 302
    assert not WaveMap.objects.exists()


def _workbook(rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_mappings_import_from_a_small_workbook_all_or_nothing(analist, study) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/onderzoeken/{study.pk}/trends/koppelingen/importeren/"
    header = ["golf", "vraag toen", "vraag nu", "code toen", "code nu"]

    def upload(rows, name="koppelingen.xlsx", data=None):
        file = SimpleUploadedFile(name, data if data is not None else _workbook(rows))
        return analist.post(url, {"bestand": file}, follow=True).content.decode()

    good = [header,
            ["Meting 2024", "desirability", "wens", "wenselijk", "zeer_wenselijk"],
            ["Meting 2024", "desirability", "wens", "onwenselijk", "niet_wenselijk"],
            ["Meting 2024", "satisfaction", "tevredenheid", None, None]]
    assert "2 mappings were imported" in upload(good)
    stored = {m.question: (m.to, m.codes) for m in WaveMap.objects.all()}
    assert stored == {"desirability": ("wens", [["wenselijk", "zeer_wenselijk"],
                                                ["onwenselijk", "niet_wenselijk"]]),
                      "satisfaction": ("tevredenheid", [])}
    WaveMap.objects.all().delete()
    for rows, data, message in [
        ([header, ["Meting 2030", "desirability", "wens"]], None, "no wave"),
        ([header, ["Meting 2024", "desirability", "wens", "nooit", "x"],
          ["Meting 2024", "satisfaction", "tevredenheid"]], None, "row 2:"),
        ([header, ["Meting 2024", "desirability", "wens"],
          ["Meting 2024", "desirability", "wens2"]], None, "two names"),
        ([["wave", "old", "new"]], None, "must name the columns"),
        ([header], None, "no mappings under its header"),
        ([], b"not a workbook", "not an Excel workbook"),
    ]:
        assert message in upload(rows, data=data), message
        assert not WaveMap.objects.exists(), message  # nothing half
    assert analist.post(url).status_code == 400


def test_peiling_tabulate_takes_fieldworks_with_their_mappings(organisation, capsys) -> None:
    from peiling.cli import main
    from peiling.commands.monitor_demo import SLUG, monitor_demo

    monitor_demo(organisation, None)
    slugs = [SLUG.format(year=year) for year in (2021, 2023, 2025)]
    assert main(["tabulate", *slugs, "--by-wave", "--questions",
                 "rapportcijfer,tevreden_contact", "--threshold", "6"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["Burgerpeiling", "2021", "Burgerpeiling", "2023",
                                           "Burgerpeiling", "2025"]
    assert "tevreden_contact — Hoe tevreden bent u over dat laatste contact?" in out
    assert "niet gevraagd" not in out  # the 2021 name is mapped
    assert main(["tabulate", *slugs[:2], "--waves", "2021,2023", "--banner", "golf",
                 "--questions", "kanaal"]) == 0
    assert "Website of app" in capsys.readouterr().out  # 'internet' of 2021 recoded
    assert main(["tabulate", "bestaat-niet", slugs[0], "--by-wave"]) == 2
    assert "no fieldwork 'bestaat-niet'" in capsys.readouterr().err


def test_a_wave_can_have_targets_of_its_own_and_is_weighted_to_them(analist, study) -> None:
    from peiling.reports.models import WaveTargets, WeightingTargets
    from peiling.reports.waves import study_waves

    first, second = study.waves
    form = analist.get(f"/veldwerk/{first.slug}/weging/",
                       {"variabele": "org_type"}).context["form"]
    # Only the types of organisation both waves have respondents of get a share.
    present = set.intersection(*({r.answers.get("org_type") for r in f.responses.all()}
                                 for f in (first, second)))
    names = [form.keys[key][1] for key in form.keys if form.keys[key][1] in present]
    assert "gemeente" in names and len(names) >= 3

    def shares(gemeente: int | None) -> dict[str, str]:
        """Whole percentages summing to 100: gemeente's given (or the rest), the others
        split evenly."""
        others = [n for n in names if n != "gemeente"]
        each = (100 - (gemeente or 0)) // len(others) if gemeente else 100 // len(names)
        values = dict.fromkeys(others, each)
        values["gemeente"] = 100 - sum(values.values())
        return {key: str(values.get(form.keys[key][1], 0)) for key in form.keys}

    even = shares(None)
    saved = analist.post(f"/veldwerk/{first.slug}/weging/", {"variabele": "org_type", **even})
    assert saved.status_code == 302
    skewed = shares(30)
    own = analist.post(f"/veldwerk/{second.slug}/weging/",
                       {"variabele": "org_type", "eigen": "1", **skewed})
    assert own.status_code == 302
    assert WeightingTargets.objects.count() == 1 and WaveTargets.objects.get().fieldwork == second
    assert 'id="own-targets"' in analist.get(f"/veldwerk/{second.slug}/weging/").content.decode()
    waves = study_waves(questionnaire=study, weighted=True).waves
    weighted_share = []
    for wave in waves:
        codes, weights = wave.dataset.codes("org_type"), wave.dataset.weights
        gemeente = wave.dataset.variable("org_type").code_of("gemeente")
        weighted_share.append(100 * weights[codes == gemeente].sum() / weights.sum())
    assert weighted_share[0] == pytest.approx(float(even[next(k for k in form.keys
                                                      if form.keys[k][1] == "gemeente")]),
                                      abs=1e-3)
    assert weighted_share[1] == pytest.approx(30, abs=1e-3)  # its own targets
    # Removing the wave's own targets falls back on the study's.
    assert analist.post(f"/veldwerk/{second.slug}/weging/", {}).status_code == 302
    assert not WaveTargets.objects.exists() and WeightingTargets.objects.count() == 1


def test_peiling_export_writes_the_waves_as_one_file_with_golf(organisation, tmp_path,
                                                              capsys) -> None:
    import pyreadstat

    from peiling.cli import main
    from peiling.commands.monitor_demo import SLUG, monitor_demo

    monitor_demo(organisation, None)
    slugs = [SLUG.format(year=year) for year in (2021, 2023, 2025)]
    path = tmp_path / "monitor.sav"
    assert main(["export", *slugs, "-o", str(path)]) == 0
    assert "2100 responses of 3 waves" in capsys.readouterr().out
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 2100
    labels = meta.variable_value_labels["golf"]
    assert [labels[code] for code in (1.0, 2.0, 3.0)] == [
        "Burgerpeiling 2021", "Burgerpeiling 2023", "Burgerpeiling 2025"]
    assert frame["golf"].value_counts().to_dict() == {1.0: 700, 2.0: 700, 3.0: 700}
    assert "contact_tevreden" not in frame.columns  # mapped to its name now
    assert frame["tevreden_contact"].notna().sum() == 2100
    assert main(["export", slugs[0], "bestaat-niet", "-o", str(path)]) == 2
    assert main(["export", *slugs, "--paradata", "-o", str(path)]) == 2
    assert "completed responses only" in capsys.readouterr().err


def test_the_table_explorer_links_a_question_to_its_trend(analist, study) -> None:
    _first, second = study.waves
    page = analist.get(f"/veldwerk/{second.slug}/tabellen/", {"vraag": "desirability"})
    assert page.context["trends"] == f"/onderzoeken/{study.pk}/trends/?vraag=desirability"
    assert 'id="trends-link"' in page.content.decode()


def test_the_table_explorer_stacks_the_waves_with_a_banner_per_wave_and_subgroup(
        analist, study) -> None:
    first, second = study.waves
    url = f"/veldwerk/{second.slug}/tabellen/"
    assert 'name="golven"' in analist.get(url).content.decode()
    assert 'name="golven"' not in analist.get(f"/veldwerk/{first.slug}/tabellen/").content.decode()
    page = analist.get(url, {"vraag": "desirability", "golven": "1"})
    assert page.status_code == 200
    table = page.context["exploration"].table.table
    assert [c.label for c in table.columns] == ["Meting 2024", "Meting 2025", "Totaal"]
    for column, fieldwork in zip(table.columns, study.waves, strict=False):
        own = frequency_table(fieldwork_export_data(fieldwork=fieldwork).dataset,
                              "desirability", significance=False)
        assert column.base == own.columns[0].base
        for i, row in enumerate(own.rows):
            assert table.rows[i].values[table.columns.index(column)] == pytest.approx(
                row.values[0])
    assert 'id="trend-figure"' in page.content.decode()
    # A subgroup crossed with the wave: a column per wave and type of organisation.
    page = analist.get(url, {"vraag": "desirability", "golven": "1", "banner": "org_type"})
    assert page.status_code == 200
    table = page.context["exploration"].table.table
    labels = [c.label for c in table.columns]
    assert any(label.startswith("Meting 2024 · ") for label in labels)
    assert any(label.startswith("Meting 2025 · ") for label in labels)
    gemeente = next(c for c in table.columns if c.label.startswith("Meting 2024 · ")
                    and c.label.endswith("Gemeente"))
    answered = [r for r in first.responses.filter(status="completed")
                if r.answers.get("org_type") == "gemeente"
                and r.answers.get("desirability") not in (None, "")]
    assert gemeente.base == len(answered)


def test_stacking_waves_that_differ_without_a_mapping_names_them(analist, study) -> None:
    first, second = study.waves
    # The first wave's 'satisfaction' (a choice) now stands for a number question.
    WaveMap.objects.create(questionnaire=study, fieldwork=first, question="satisfaction",
                           to="pct_digital")
    page = analist.get(f"/veldwerk/{second.slug}/tabellen/",
                       {"vraag": "desirability", "golven": "1"})
    assert page.status_code == 400
    problems = " ".join(page.context["problems"])
    assert "pct_digital" in problems and "Meting 2024" in problems
    assert "exploration" not in page.context
    page = analist.get(f"/veldwerk/{first.slug}/tabellen/",
                       {"vraag": "desirability", "golven": "1"})
    assert page.status_code == 400 and "no earlier wave" in " ".join(page.context["problems"])


def test_a_threshold_is_kept_per_question_and_used_by_the_trend(analist, study,
                                                                capsys) -> None:
    from peiling.cli import main
    from peiling.reports.models import TrendThreshold

    url = f"/onderzoeken/{study.pk}/trends/"
    page = analist.get(url, {"vraag": "pct_digital"})
    assert page.context["threshold"] is None  # a percentage is no grade
    assert "below" not in [row.kind for row in page.context["table"].rows]
    assert 'id="threshold-form"' in page.content.decode()
    save = analist.post(url + "drempel/", {"vraag": "pct_digital", "drempel": "50,5"})
    assert save.status_code == 302
    assert TrendThreshold.objects.get().below == 50.5
    page = analist.get(url, {"vraag": "pct_digital"})
    assert page.context["threshold"] == 50.5
    below = page.context["table"].row("below")
    for i, fieldwork in enumerate(study.waves):
        x = fieldwork_export_data(fieldwork=fieldwork).dataset.numbers("pct_digital")
        x = x[~np.isnan(x)]
        assert below.values[i] == pytest.approx(100 * (x < 50.5).mean())
    # The command line uses it too.
    assert main(["tabulate", *(f.slug for f in study.waves), "--by-wave",
                 "--questions", "pct_digital"]) == 0
    assert "50,5" in capsys.readouterr().out
    # Bad input: not a number, not a number question; nothing changes.
    bad = analist.post(url + "drempel/", {"vraag": "pct_digital", "drempel": "zes"},
                       follow=True)
    assert "must be a number" in bad.content.decode() or "moet een getal" in bad.content.decode()
    assert analist.post(url + "drempel/", {"vraag": "desirability",
                                           "drempel": "3"}).status_code == 400
    assert TrendThreshold.objects.get().below == 50.5
    # Empty removes it.
    assert analist.post(url + "drempel/", {"vraag": "pct_digital", "drempel": ""}
                        ).status_code == 302
    assert not TrendThreshold.objects.exists()


def test_a_tab_book_over_the_waves_has_a_column_per_wave_and_subgroup(analist, study) -> None:
    import io

    from openpyxl import load_workbook

    from peiling.jobs.models import Job
    from peiling.jobs.services import job_run
    from peiling.reports.models import TabBook

    first, second = study.waves
    url = f"/veldwerk/{second.slug}/tabellenboeken/"
    assert 'name="waves"' in analist.get(url).content.decode()
    # Bad input first: the waves as a banner of their own, and a first wave with none before.
    bad = analist.post(url, {"name": "Golven", "banners": "golf", "waves": "on"})
    assert bad.status_code == 400 and not TabBook.objects.exists()
    bad = analist.post(f"/veldwerk/{first.slug}/tabellenboeken/", {"name": "Golven",
                                                                   "waves": "on"})
    assert bad.status_code == 400 and "no earlier wave" in bad.content.decode()
    assert not TabBook.objects.exists() and not Job.objects.exists()
    response = analist.post(url, {"name": "Golven", "banners": "org_type", "waves": "on",
                                  "questions": ["desirability", "pct_digital"]})
    assert response.status_code == 302
    book = TabBook.objects.get()
    assert book.waves
    job = Job.objects.get()
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.result["tables"], job.result["left_out"]) == ("done", 2, [])
    workbook = load_workbook(io.BytesIO(analist.get(f"/taken/{job.pk}/bestand").content))
    heads = [c.value for c in workbook["desirability"][3] if c.value]
    assert heads[:2] == ["Meting 2024", "Meting 2025"]
    assert any(str(h).startswith("Meting 2024 · ") for h in heads)
