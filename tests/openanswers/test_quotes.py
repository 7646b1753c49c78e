"""Quotes by theme in the report, and personal data masked in reports and exports until a
person releases the answer."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from peiling.analysis.tables import multiple_table
from peiling.cli import main
from peiling.exchange.services import fieldwork_export, fieldwork_export_data
from peiling.fieldwork.models import Response
from peiling.openanswers import selectors, services
from peiling.openanswers.models import AnswerScan
from peiling.openanswers.themes import suggest_quotes
from peiling.reports.definition import DefinitionError, check_definition, parse_definition
from peiling.reports.model import QuoteBlock
from peiling.reports.selectors import report_for_fieldwork
from tests.openanswers.conftest import QUESTION

CODES = QUESTION + "_codes"


def quote_blocks(report) -> list[QuoteBlock]:
    return [block for chapter in report.chapters for section in chapter.sections
            for block in section.blocks if isinstance(block, QuoteBlock)]


def quotes_report(fieldwork, extra: str = ""):
    text = (f"sections:\n  - title: Waarom\n    items:\n      - quotes: {QUESTION}\n{extra}")
    definition = parse_definition(text)
    check_definition(definition, fieldwork.form_version.form)
    return report_for_fieldwork(reference=fieldwork.slug, definition=definition)


# -- suggesting quotes (pure) -------------------------------------------------------------------


def test_suggested_quotes_are_never_the_same_answer_twice() -> None:
    texts = ["De regels rond privacy zijn te streng voor ons werk."] * 5 + [
        "de regels rond  privacy zijn te streng voor ons werk.",
        "Privacy staat digitaal werken in de weg bij de gemeente.",
        "De AVG maakt het delen van gegevens tussen afdelingen lastig."]
    picks = suggest_quotes(texts, 3)
    shown = [" ".join(texts[i].casefold().split()) for i in picks]
    assert len(picks) == 3 and len(set(shown)) == 3


def test_suggested_quotes_are_typical_and_varied() -> None:
    costs = [f"De kosten van de systemen zijn te hoog voor de gemeente, zeker in {y}."
             for y in range(2010, 2020)]
    staff = [f"Er zijn te weinig mensen met kennis van ICT in afdeling {n}."
             for n in "ABCDEFGH"]
    odd = ["Vroeger was alles beter en de koffie ook, zeker op vrijdag."]
    texts = costs + staff + odd
    picks = suggest_quotes(texts, 2)
    assert {i < len(costs) for i in picks} == {True, False}  # one of each wording
    assert len(texts) - 1 not in picks  # the odd one is not typical


def test_too_few_answers_are_all_suggested_and_none_for_none() -> None:
    assert suggest_quotes(["Goed zo, prima geregeld.", "🙂", "", "asdfghjkl", "Prima"], 3) == [0]
    assert suggest_quotes([], 3) == []


# -- quotes by theme in the report --------------------------------------------------------------


@pytest.mark.django_db
def test_coded_answers_give_a_theme_per_code_with_its_share_and_quotes(coded) -> None:
    report = quotes_report(coded)
    [block] = quote_blocks(report)
    dataset = fieldwork_export_data(fieldwork=coded).dataset
    table = multiple_table(dataset, CODES)
    shares = {row.label: row.values[0] for row in table.rows if row.kind == "choice"}
    # Top-level themes only ("Datalekken" is under "Privacy"), most mentioned first.
    assert [t.theme for t in block.themes] == sorted(
        ["Privacy", "Kosten"], key=lambda label: -shares[label])
    texts = {pk: r.answers[QUESTION] for pk, r in Response.objects.in_bulk().items()
             if r.answers.get(QUESTION)}
    coded_with = {"Privacy": {texts[pk] for pk, t in coded.themes.items() if t == "privacy"},
                  "Kosten": {texts[pk] for pk, t in coded.themes.items() if t == "kosten"}}
    for theme in block.themes:
        assert theme.share == pytest.approx(shares[theme.theme])
        assert theme.heading == f"{theme.theme} ({round(shares[theme.theme])}%)"
        assert 1 <= len(theme.quotes) <= 3
        assert set(theme.quotes) <= coded_with[theme.theme]
        assert len(set(theme.quotes)) == len(theme.quotes)
    assert f"van de {coded.expected['coded']} met een gecodeerd antwoord" in block.intro


@pytest.mark.django_db
def test_chosen_quotes_go_before_suggestions_and_per_theme_is_kept(coded) -> None:
    mine = next(r.answers[QUESTION] for pk, r in Response.objects.in_bulk().items()
                if coded.themes.get(pk) == "kosten")
    report = quotes_report(coded, "        per_theme: 2\n        themes:\n"
                                  f"          - theme: Kosten\n            quotes: [{mine!r}]\n")
    themes = {t.theme: t for t in quote_blocks(report)[0].themes}
    assert themes["Kosten"].quotes == (mine,)
    assert len(themes["Privacy"].quotes) == 2


@pytest.mark.django_db
def test_a_question_not_coded_says_so_and_the_codes_table_waits(answered) -> None:
    report = quotes_report(answered, f"      - question: {CODES}\n")
    assert quote_blocks(report) == []
    assert any("not coded" in problem for problem in report.problems)
    assert any(f"“{QUESTION}” are not coded yet" in problem for problem in report.problems)


@pytest.mark.django_db
def test_the_codes_can_be_a_table_of_the_report(coded) -> None:
    report = quotes_report(coded, f"      - question: {CODES}\n        chart: bars\n")
    tables = [block for chapter in report.chapters for section in chapter.sections
              for block in section.blocks if getattr(block, "table", None) is not None
              and block.table.name == CODES]
    assert tables and "(gecodeerd)" in tables[0].title


def test_the_definition_checks_coded_names_and_per_theme(example_form) -> None:
    good = parse_definition(f"sections: [{{title: A, items: [{{question: {CODES}}}]}}]")
    check_definition(good, example_form)
    for text, message in [
        (f"sections: [{{title: A, items: [{{question: {CODES}, chart: stacked}}]}}]",
         "chart none or bars"),
        ("sections: [{title: A, items: [{question: satisfaction_codes}]}]", "unknown question"),
    ]:
        with pytest.raises(DefinitionError, match=message):
            check_definition(parse_definition(text), example_form)
    with pytest.raises(DefinitionError, match="whole number from 1 to 5"):
        parse_definition(f"sections: [{{title: A, items: [{{quotes: {QUESTION}, per_theme: 9}}]}}]")


# -- personal data masked until released ---------------------------------------------------------


@pytest.fixture
def leaky(coded):
    """Three answers coded "Kosten" carry an e-mail address, a name and a phone number."""
    kosten = sorted(pk for pk, t in coded.themes.items() if t == "kosten")[:3]
    extra = [" Mail jan.jansen@example.nl.", " Vraag het Marieke de Vries.", " Bel 06-12345678."]
    for pk, tail in zip(kosten, extra, strict=True):
        response = Response.objects.get(pk=pk)
        response.answers = {**response.answers, QUESTION: response.answers[QUESTION] + tail}
        response.save(update_fields=["answers"])
    selectors.forget_in_memory()  # answers changed in place, as no user can
    coded.leaky = kosten
    return coded


@pytest.mark.django_db
def test_exports_mask_personal_data_until_a_person_releases_it(leaky, tmp_path) -> None:
    path = tmp_path / "data.csv"
    # The command scans the answers not scanned yet (names too), then writes.
    assert main(["export", leaky.slug, "-o", str(path)]) == 0
    text = path.read_text(encoding="utf-8-sig")
    assert "jan.jansen@example.nl" not in text and "[e-mailadres]" in text
    assert "Marieke de Vries" not in text and "Vraag het [naam]." in text
    assert "06-12345678" not in text and "[telefoonnummer]" in text
    scanned = AnswerScan.objects.filter(fieldwork=leaky, question=QUESTION)
    assert scanned.count() == leaky.expected["answered"]  # every answer, once
    assert scanned.exclude(found=[]).count() >= 3
    # The original stays for coding.
    assert "jan.jansen@example.nl" in Response.objects.get(pk=leaky.leaky[0]).answers[QUESTION]
    services.personal_data_release(fieldwork=leaky, question=QUESTION,
                                   response=leaky.leaky[0], user=leaky.coder)
    fieldwork_export(reference=leaky.slug, format="csv", path=path)
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    answers = [row[QUESTION] for row in rows]
    assert any("jan.jansen@example.nl" in a for a in answers)
    assert not any("Marieke de Vries" in a for a in answers)
    assert scanned.count() == leaky.expected["answered"]  # not scanned twice


@pytest.mark.django_db
def test_answers_not_scanned_yet_are_masked_by_the_patterns(leaky) -> None:
    dataset = fieldwork_export_data(fieldwork=leaky).dataset
    values = " ".join(str(v) for v in dataset.distinct_values(QUESTION))
    assert "jan.jansen@example.nl" not in values and "06-12345678" not in values
    # No name without the scan: the page does not load deduce.
    assert "Marieke de Vries" in values
    raw = fieldwork_export_data(fieldwork=leaky, masked=False).dataset
    assert "jan.jansen@example.nl" in " ".join(str(v) for v in raw.distinct_values(QUESTION))


@pytest.mark.django_db
def test_a_masked_quote_is_shown_masked_with_a_warning(leaky) -> None:
    services.personal_data_scan(fieldwork=leaky)
    mine = Response.objects.get(pk=leaky.leaky[1]).answers[QUESTION]
    masked = selectors.masked_texts(fieldwork=leaky, texts={
        QUESTION: {leaky.leaky[1]: mine}})[QUESTION][leaky.leaky[1]]
    assert masked.endswith("Vraag het [naam].")
    report = quotes_report(leaky, "        themes:\n          - theme: Kosten\n"
                                  f"            quotes: [{masked!r}]\n")
    themes = {t.theme: t for t in quote_blocks(report)[0].themes}
    assert themes["Kosten"].quotes == (masked,)
    assert any("may hold personal data" in p for p in report.problems)
    # Suggested quotes leave masked answers out while there are enough others.
    suggested = quotes_report(leaky)
    for theme in quote_blocks(suggested)[0].themes:
        assert not any("[" in quote for quote in theme.quotes)


@pytest.mark.django_db
def test_releasing_needs_something_found(leaky) -> None:
    services.personal_data_scan(fieldwork=leaky)
    clean = next(pk for pk, t in leaky.themes.items() if t == "privacy")
    with pytest.raises(services.CodingError, match="Nothing that looks like personal data"):
        services.personal_data_release(fieldwork=leaky, question=QUESTION, response=clean,
                                       user=leaky.coder)
    with pytest.raises(services.CodingError, match="not been scanned"):
        services.personal_data_release(fieldwork=leaky, question=QUESTION, response=10**9,
                                       user=leaky.coder)
    row = services.personal_data_release(fieldwork=leaky, question=QUESTION,
                                         response=leaky.leaky[2], user=leaky.coder)
    assert row.released_by == leaky.coder
    row = services.personal_data_release(fieldwork=leaky, question=QUESTION,
                                         response=leaky.leaky[2], user=leaky.coder,
                                         release=False)
    assert row.released_at is None


def test_quote_themes_keep_their_order_without_shares() -> None:
    from peiling.reports.model import QuoteTheme

    theme = QuoteTheme("Wetgeving", ("Privacywetgeving knelt enorm.",))
    assert theme.heading == "Wetgeving"
    assert replace(theme, share=44.5).heading == "Wetgeving (45%)"
    assert np.isfinite(44.5)


@pytest.mark.django_db
def test_quotes_under_themes_that_are_no_code_stay_as_chosen(coded) -> None:
    mine = next(r.answers[QUESTION] for r in Response.objects.all()
                if r.answers.get(QUESTION))
    report = quotes_report(coded, "        themes:\n          - theme: Mijn eigen thema\n"
                                  f"            quotes: [{mine!r}]\n")
    [block] = quote_blocks(report)
    assert [(t.theme, t.quotes, t.share) for t in block.themes] == [
        ("Mijn eigen thema", (mine,), None)]


@pytest.mark.django_db
def test_the_report_page_warns_of_a_masked_quote(leaky, client, make_user, organisation) -> None:
    from django.utils import translation

    from peiling.reports.services import definition_save

    services.personal_data_scan(fieldwork=leaky)
    mine = Response.objects.get(pk=leaky.leaky[0]).answers[QUESTION]
    masked = selectors.masked_texts(fieldwork=leaky, texts={
        QUESTION: {leaky.leaky[0]: mine}})[QUESTION][leaky.leaky[0]]
    text = (f"sections:\n  - title: Waarom\n    items:\n      - quotes: {QUESTION}\n"
            f"        themes:\n          - theme: Kosten\n            quotes: [{masked!r}]\n")
    definition_save(leaky.form_version.questionnaire, text, None)
    user = make_user("analist", organisation, "lezer@example.nl")
    client.force_login(user)
    with translation.override("en"):
        page = client.get(f"/rapporten/{leaky.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="report-warnings"' in html
    assert "may hold personal data" in html and "[e-mailadres]" in html
    assert "jan.jansen@example.nl" not in html
    # The page says it in its own language: the build's notices are translated.
    with translation.override("nl"):
        html = client.get(f"/rapporten/{leaky.slug}/").content.decode()
    assert "kan persoonsgegevens bevatten" in html and "may hold" not in html
