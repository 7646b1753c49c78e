"""Coding open answers in the web app: the open questions, starting a codebook, coding an
answer (with and without htmx), filters, undo, the codebook's changes, a theme proposal made
by a worker and taken over as suggestions, and bad input answered with a 400 and nothing
stored."""

from __future__ import annotations

import pytest

from peiling.jobs.models import Job
from peiling.jobs.services import job_run
from peiling.openanswers import selectors, services
from peiling.openanswers.models import Code, Codebook, Coding, Suggestion
from tests.openanswers.conftest import QUESTION, answered  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _url(fieldwork, part: str = "") -> str:
    return f"/veldwerk/{fieldwork.slug}/open-antwoorden/{QUESTION}/{part}"


@pytest.fixture
def codebook(answered):  # noqa: F811
    return services.codebook_create(fieldwork=answered, question=QUESTION)


def test_the_open_questions_are_listed_with_their_answers(analist, answered) -> None:  # noqa: F811
    page = analist.get(f"/veldwerk/{answered.slug}/open-antwoorden/")
    assert page.status_code == 200
    rows = {row["name"]: row for row in page.context["rows"]}
    assert set(rows) == {"desirability_why", "promise_causes", "programmes_other"}
    assert rows[QUESTION]["total"] == len(answered.themes) and rows[QUESTION]["codebook"] is None


def test_coding_starts_with_a_codebook(analist, answered) -> None:  # noqa: F811
    page = analist.get(_url(answered))
    assert page.status_code == 200 and 'id="no-codebook"' in page.content.decode()
    assert len(page.context["rows"]) == min(50, len(answered.themes))
    assert analist.post(_url(answered, "starten/")).status_code == 302
    assert [c.name for c in Codebook.objects.get().codes.all()] == [
        "overig", "geen_zinvol_antwoord"]
    assert analist.get(f"/veldwerk/{answered.slug}/open-antwoorden/desirability/").status_code \
        == 404  # not an open question


def test_an_answer_is_coded_without_and_with_htmx(analist, answered, codebook) -> None:  # noqa: F811
    first, second = list(selectors.answer_texts(codebook=codebook))[:2]
    other = codebook.codes.get(name="overig")
    privacy = services.code_add(codebook=codebook, label="Privacy")
    back = _url(answered) + "?status=uncoded"
    done = analist.post(_url(answered, "coderen/"), {
        "respons": first, "code": [other.pk, privacy.pk], "terug": back})
    assert (done.status_code, done["Location"]) == (302, back)
    assert set(Coding.objects.filter(response_id=first).values_list("code__name", flat=True)) \
        == {"overig", "privacy"}
    swapped = analist.post(_url(answered, "coderen/"), {"respons": second, "code": privacy.pk},
                           HTTP_HX_REQUEST="true")
    html = swapped.content.decode()
    assert swapped.status_code == 200 and html.startswith("<form")
    assert f'id="antwoord-{second}"' in html and "Saved" in html
    assert f'value="{privacy.pk}" data-key="3" checked' in html
    assert 'id="coding-progress" hx-swap-oob="true"' in html  # the progress bar follows
    assert f"2 of {len(selectors.answer_texts(codebook=codebook))} answers coded" in html
    uncoded = analist.get(_url(answered), {"status": "uncoded"})
    assert {row["item"].response_id for row in uncoded.context["rows"]}.isdisjoint(
        {first, second})
    assert uncoded.context["page"].coded == 2


@pytest.mark.parametrize("data", [
    {"respons": "x", "code": "1"}, {"respons": "1", "code": "y"}, {"code": "1"},
])
def test_bad_codings_are_refused(analist, answered, codebook, data) -> None:  # noqa: F811
    answer = next(iter(selectors.answer_texts(codebook=codebook)))
    data = {**data, "respons": str(answer) if data.get("respons") == "1" else
            data.get("respons", "")}
    assert analist.post(_url(answered, "coderen/"), data).status_code == 400
    unknown = analist.post(_url(answered, "coderen/"), {"respons": answer, "code": 999_999})
    assert unknown.status_code == 400 and "Unknown codes" in unknown.content.decode()
    assert not Coding.objects.exists()


def test_bad_filters_are_said(analist, answered, codebook) -> None:  # noqa: F811
    for query in ({"status": "raar"}, {"code": "abc"}, {"code": "999999"},
                  {"subgroep": "org_type=maan"}):
        page = analist.get(_url(answered), query)
        assert page.status_code == 400 and 'id="filter-problem"' in page.content.decode()
    found = analist.get(_url(answered), {"zoek": "privacy", "subgroep": "org_type=gemeente"})
    assert found.status_code == 200
    assert all("privacy" in row["item"].text.lower() for row in found.context["rows"])


def test_undo_from_the_page(analist, answered, codebook) -> None:  # noqa: F811
    first = next(iter(selectors.answer_texts(codebook=codebook)))
    other = codebook.codes.get(name="overig")
    analist.post(_url(answered, "coderen/"), {"respons": first, "code": other.pk})
    assert analist.post(_url(answered, "ongedaan/")).status_code == 302
    assert not Coding.objects.exists()
    nothing = analist.post(_url(answered, "ongedaan/"), follow=True)
    assert "nothing of yours to undo" in nothing.content.decode()


def test_the_codebook_page_changes_codes(analist, answered, codebook) -> None:  # noqa: F811
    url = _url(answered, "codeboek/")
    assert analist.post(url, {"actie": "add", "label": "Privacy"}).status_code == 302
    privacy = Code.objects.get(label="Privacy")
    assert analist.post(url, {"actie": "add", "label": "Lekken", "onder": privacy.pk}
                        ).status_code == 302
    assert analist.post(url, {"actie": "rename", "code": privacy.pk, "label": "Privacy!",
                              "beschrijving": "zorgen"}).status_code == 302
    assert analist.post(url, {"actie": "split", "code": privacy.pk,
                              "labels": "Fraude\nHackers"}).status_code == 302
    assert Code.objects.filter(parent=privacy).count() == 3
    leaks = Code.objects.get(label="Lekken")
    assert analist.post(url, {"actie": "merge", "code": leaks.pk,
                              "naar": Code.objects.get(label="Hackers").pk}).status_code == 302
    assert analist.post(url, {"actie": "up", "code": privacy.pk}).status_code == 302
    page = analist.get(url)
    assert [c.label for c in page.context["codes"]] == [
        "Overig", "Privacy!", "Fraude", "Hackers", "Geen zinvol antwoord"]
    for bad in ({"actie": "add", "label": ""}, {"actie": "add", "label": "overig"},
                {"actie": "vreemd"}, {"actie": "delete", "code": "abc"},
                {"actie": "merge", "code": privacy.pk, "naar": "999999"},
                {"actie": "delete", "code": privacy.pk}):
        refused = analist.post(url, bad)
        assert refused.status_code == 400, bad
        assert 'id="codebook-problem"' in refused.content.decode()
    assert Code.objects.filter(codebook=codebook).count() == 5


def test_themes_are_proposed_by_a_worker_and_taken_over_as_suggestions(
        analist, answered, codebook, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    with django_capture_on_commit_callbacks():
        started = analist.post(_url(answered, "themas/"))
    job = Job.objects.get(kind="themes_propose")
    assert started["Location"] == f"/taken/{job.pk}/"
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done", job.error
    page = analist.get(_url(answered, "themas/"))
    rows = page.context["rows"]
    assert len(rows) >= 2 and all(row["examples"] for row in rows)
    data = {f"label-{i}": row["theme"]["label"] for i, row in enumerate(rows)}
    data.update({f"neem-{i}": "on" for i in range(len(rows) - 1)})  # the last one dropped
    data["label-0"] = "Eerste thema"
    data["samen-1"] = "1"  # theme 2 merged into theme 1
    taken = analist.post(_url(answered, "themas/overnemen/"), data)
    assert taken.status_code == 302 and taken["Location"].endswith("?status=suggested")
    assert not Coding.objects.exists()  # nothing coded yet
    codes = set(Code.objects.filter(codebook=codebook).values_list("label", flat=True))
    assert "Eerste thema" in codes and rows[-1]["theme"]["label"] not in codes
    assert len(codes) == 2 + len(rows) - 2
    sizes = [row["theme"]["size"] for row in rows]
    assert Suggestion.objects.filter(code__label="Eerste thema").count() == sizes[0] + sizes[1]
    confirmed = analist.post(_url(answered, "suggesties/"), {"minimum": "0"})
    assert confirmed.status_code == 302
    assert Coding.objects.count() == sum(sizes[:-1]) and not Suggestion.objects.exists()
    bad = analist.post(_url(answered, "themas/overnemen/"), {"label-0": "", "neem-0": "on"})
    assert bad.status_code == 400 and 'id="themes-problem"' in bad.content.decode()
    assert analist.post(_url(answered, "suggesties/"), {"minimum": "200"}).status_code == 400


def test_two_coders_code_a_sample_blind_and_see_their_kappa(
        analist, answered, codebook, make_user, organisation) -> None:  # noqa: F811
    from django.test import Client

    url = _url(answered, "overeenstemming/")
    assert analist.post(url + "trekken/", {"grootte": "5"}).status_code == 400  # < 10
    assert analist.post(url + "trekken/", {"grootte": "x"}).status_code == 400
    assert analist.post(url + "trekken/", {"grootte": "20"}).status_code == 302
    page = analist.get(url)
    sample = page.context["sample"].responses
    assert len(sample) == 20 and len(page.context["rows"]) == 20
    other, none = codebook.codes.get(name="overig"), codebook.codes.get(
        name="geen_zinvol_antwoord")
    first_coding = {pk: Coding.objects.filter(response_id=pk).count() for pk in sample}
    colleague = Client()  # a second browser: another coder
    colleague.force_login(make_user("onderzoeker", organisation, "collega@example.nl"))
    for i, pk in enumerate(sample):
        analist.post(url + "coderen/", {"respons": pk, "code": other.pk})
        colleague.post(url + "coderen/", {"respons": pk,
                                          "code": other.pk if i < 15 else none.pk})
    assert {pk: Coding.objects.filter(response_id=pk).count() for pk in sample} == first_coding
    mine = analist.get(url)
    assert all(checked for row in mine.context["rows"]
               for code, checked, _p in row["choices"] if code.pk == other.pk)
    result = mine.context["state"].result
    assert result.answers == 20
    # "overig": 20 vs 15 yes -> p_o .75, p_e .75 -> kappa 0; pooled over the two codes:
    # p_o = 30/40, p1 = 20/40, p2 = 20/40 -> p_e .5 -> kappa .5
    assert result.codes[0].kappa == pytest.approx(0.0)
    assert result.overall == pytest.approx(0.5)
    assert len(mine.context["disagreements"]) == 5
    assert 'id="kappa-overall">0.50<' in mine.content.decode()
    refused = analist.post(url + "coderen/", {"respons": 0, "code": other.pk})
    assert refused.status_code == 400 and "not in the sample" in refused.content.decode()


def test_personal_data_is_scanned_by_a_worker_and_released_on_the_coding_page(
        analist, answered, codebook, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    from peiling.fieldwork.models import Response
    from peiling.openanswers.models import AnswerScan

    pk = next(iter(selectors.answer_texts(codebook=codebook)))
    response = Response.objects.get(pk=pk)
    response.answers = {**response.answers,
                        QUESTION: "Bel Jan Jansen op 06-12345678, hij weet het."}
    response.save(update_fields=["answers"])
    selectors.forget_in_memory()  # answers changed in place, as no user can
    overview = analist.get(f"/veldwerk/{answered.slug}/open-antwoorden/")
    assert 'id="scan-button"' in overview.content.decode()
    with django_capture_on_commit_callbacks():
        started = analist.post(f"/veldwerk/{answered.slug}/open-antwoorden/scannen/")
    job = Job.objects.get(kind="personal_data_scan")
    assert started["Location"] == f"/taken/{job.pk}/"
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done", job.error
    overview = analist.get(f"/veldwerk/{answered.slug}/open-antwoorden/")
    row = {r["name"]: r for r in overview.context["rows"]}[QUESTION]
    assert (row["flagged"], row["unscanned"]) == (1, 0)
    assert 'id="scan-button"' not in overview.content.decode()
    flagged = analist.get(_url(answered) + "?status=personal")
    html = flagged.content.decode()
    assert [r["item"].response_id for r in flagged.context["rows"]] == [pk]
    assert "[naam] op [telefoonnummer], hij weet het." in html  # what reports show
    assert "Bel Jan Jansen op 06-12345678" in html  # what the coder reads
    released = analist.post(_url(answered, "vrijgeven/"), {"respons": pk, "vrijgeven": "1"},
                            HTTP_HX_REQUEST="true")
    assert released.status_code == 200 and released.content.decode().startswith("<form")
    assert AnswerScan.objects.get(response=pk, question=QUESTION).released_by is not None
    assert analist.get(_url(answered) + "?status=personal").context["rows"] == []
    again = analist.post(_url(answered, "vrijgeven/"), {"respons": pk, "vrijgeven": "0"})
    assert again.status_code == 302
    assert AnswerScan.objects.get(response=pk, question=QUESTION).released_at is None
    for bad in ({"respons": pk, "vrijgeven": "ja"}, {"respons": "x", "vrijgeven": "1"},
                {"respons": 10**9, "vrijgeven": "1"}):
        assert analist.post(_url(answered, "vrijgeven/"), bad).status_code == 400
    clean = next(p for p in selectors.answer_texts(codebook=codebook) if p != pk)
    refused = analist.post(_url(answered, "vrijgeven/"), {"respons": clean, "vrijgeven": "1"})
    assert refused.status_code == 400
    assert AnswerScan.objects.exclude(released_at=None).count() == 0


def test_quotes_by_theme_are_put_in_the_report_from_the_coding_page(
        analist, answered, codebook) -> None:  # noqa: F811
    from peiling.reports.models import ReportDefinitionVersion
    from peiling.reports.selectors import report_for_fieldwork, stored_definition

    url = f"/veldwerk/{answered.slug}/rapportbouwer/citaten-per-thema/{QUESTION}/"
    privacy = services.code_add(codebook=codebook, label="Privacy")
    ids = list(selectors.answer_texts(codebook=codebook))[:12]
    services.codings_set(codebook=codebook, codes={pk: [privacy.pk] for pk in ids},
                         user=None)
    page = analist.get(_url(answered))
    assert 'id="report-quotes-form"' in page.content.decode()
    done = analist.post(url)
    assert done.status_code == 302 and done["Location"] == _url(answered)
    version = ReportDefinitionVersion.objects.get()
    assert f"quotes: {QUESTION}" in version.text and "Citaten per thema" in version.text
    assert analist.post(url).status_code == 302
    assert ReportDefinitionVersion.objects.count() == 1  # once is enough
    report = report_for_fieldwork(reference=answered.slug,
                                  definition=stored_definition(fieldwork=answered))
    blocks = [b for c in report.chapters for s in c.sections for b in s.blocks
              if getattr(b, "title", "") == "Citaten per thema"]
    assert [t.heading for t in blocks[0].themes] == ["Privacy (100%)"]
    assert analist.post(f"/veldwerk/{answered.slug}/rapportbouwer/citaten-per-thema/"
                        "promise_causes/").status_code == 404  # no codebook
