"""The magazine article drafted from a report: the lead's numbers, who took part, every number
traced to its table, no rise where nothing rose, Dutch number style, the Markdown.

Expected sentences are worked out by hand from the tables made here, in the wording of the
reference articles (shared/reference/000 and 004: "Van de ambtenaren die deelnamen aan het
onderzoek is 52 procent man en 48 procent vrouw", "5 Procent is bureauhoofd", "In totaal
deden aan het onderzoek 577 ambtenaren mee"); the share words ("bijna negen op de tien" for
85%) are those of ``findings.SHARE_WORDS``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from peiling.analysis import Column, Row, Table
from peiling.reports import article
from peiling.reports.article import ArticleDraft, draft_article, methods_sentence
from peiling.reports.model import (
    Chapter,
    FindingHint,
    MethodsFacts,
    Paragraph,
    QuoteBlock,
    QuoteTheme,
    Report,
    Section,
    SourceCount,
    TableBlock,
)
from peiling.reports.salience import key_findings

COLUMNS = (Column("org:gemeente", "Gemeente", 300, 300.0, 300.0, "A"),
           Column("org:rijk", "Rijksoverheid", 200, 200.0, 200.0, "B"),
           Column("total", "Totaal", 500, 500.0, 500.0))
RIJK = (("org:rijk", "rijksambtenaren"),)
PANEL = MethodsFacts(n=577, population="ambtenaren", organisation="Publiek Denken",
                     start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 17),
                     sources=(SourceCount("panel", "het panel", 577),))
ANSWERS = "[antwoordt|antwoorden] {label}"


def _block(number: str, name: str, rows, *, question: str = "Hoe vindt u het?", who=(),
           subject: str = "", phrase: str = ANSWERS, headline_row: str | None = None,
           kind: str = "frequency", row_kind: str = "category") -> TableBlock:
    """A table against gemeente / rijk / total; rows are (key, values, rest marks)."""
    table = Table(name, question, kind, COLUMNS, tuple(
        Row(key, key.capitalize(), "dont_know" if key == "weet niet" else row_kind, values,
            rest=rest) for key, values, rest in rows))
    hint = FindingHint(question, phrase, "ambtenaren", who, headline_row, subject)
    return TableBlock(number, question, True, "%", table, hint=hint)


def _flat(number: str, name: str, shares, **options) -> TableBlock:
    """A table whose every column has the same share: no subgroup differs."""
    return _block(number, name, [(key, (v, v, v), (0, 0, 0)) for key, v in shares], **options)


def _distribution(number: str, name: str, title: str, counts) -> TableBlock:
    """A profile table as the methods chapter shows it: count and % of everyone."""
    total = sum(count for _, count in counts)
    table = Table(name, title, "frequency", (Column("total", "Totaal", total, total, total),),
                  tuple(Row(label.lower(), label, "category", (100.0 * count / total,),
                            counts=(count,)) for label, count in counts))
    return TableBlock(number, f"Verdeling deelnemers naar ‘{title}’", False, "aantal en %",
                      table, total_row=True, layout="distribution")


GENDER = _distribution("4.1", "gender", "Geslacht", [("Man", 298), ("Vrouw", 279)])
AGE = _distribution("4.2", "age", "Leeftijd", [("Jonger dan 40 jaar", 181),
                                               ("40 tot 65 jaar", 392),
                                               ("Ouder dan 65 jaar", 4)])
LAYER = _distribution("4.3", "layer", "Bij welke overheidslaag werkt u?",
                      [("Rijk", 193), ("Provincie", 192), ("Gemeente", 192)])


def _report(*sections: Section, profile=(GENDER, AGE, LAYER), facts: MethodsFacts = PANEL,
            title: str = "Thuiswerken bij de overheid") -> Report:
    methods = Section("", "", (Paragraph("Dit onderzoek is uitgevoerd onder 577 ambtenaren."),
                               *profile))
    chapters = (Chapter("3", "Resultaten", "results", sections),
                Chapter("4", "Onderzoeksverantwoording", "methods", (methods,)))
    return Report(title, "", "Publiek Denken", "", "", chapters, facts)


def _three_findings() -> Report:
    """Salience (``salience.candidates``): rijk 18 points under the total counts 27 (3.1);
    65% is 15 from half (3.2); 85% is 35 from half (3.3), the most striking, last."""
    allowed = _block("3.1", "mag", [("ja", (52, 22, 40), (1, -1, 0)),
                                    ("nee", (48, 78, 60), (-1, 1, 0))],
                     question="Mag u thuiswerken van uw leidinggevende?", who=RIJK,
                     subject="toestemming om thuis te werken")
    liked = _flat("3.2", "prettig", [("ja", 65), ("nee", 35)],
                  question="Vindt u thuiswerken prettig?")
    home = _flat("3.3", "thuis", [("ja", 85), ("nee", 15)], question="Werkt u weleens thuis?")
    return _report(Section("3.1", "Toestemming", (allowed,)),
                   Section("3.2", "Thuiswerken", (liked, home)))


def _text(draft: ArticleDraft) -> str:
    return " ".join([draft.headline, *(p.text for p in draft.paragraphs())])


# -- headline and lead --------------------------------------------------------------------------


def test_the_lead_gives_the_two_most_salient_findings_the_most_striking_first() -> None:
    draft = draft_article(_three_findings())
    assert draft.lead.text == (
        "Op de vraag ‘Werkt u weleens thuis?’ antwoordt 85 procent van de ambtenaren ‘ja’. "
        "Gevraagd naar toestemming om thuis te werken, antwoorden rijksambtenaren minder vaak "
        "‘ja’: 22 procent, tegen 40 procent gemiddeld. "
        "Dat blijkt uit onderzoek van Publiek Denken onder ambtenaren.")
    assert draft.lead.tables == ("3.3", "3.1")


def test_the_lead_s_findings_are_those_the_key_findings_choose_first() -> None:
    report = _three_findings()
    blocks = [b for b in report.tables() if b.number.startswith("3.")]
    first_two = {f.table for f in key_findings(blocks, population="ambtenaren", limit=2)}
    assert set(draft_article(report).lead.tables) == first_two


def test_the_headline_puts_the_most_striking_finding_in_words() -> None:
    draft = draft_article(_three_findings())
    # 85% is "bijna negen op de tien" (plural); no subject, so the theme names the question.
    assert draft.headline == "Thuiswerken: bijna negen op de tien ambtenaren antwoorden ‘ja’"
    assert draft.headline_tables == ("3.3",)


def test_the_headline_is_a_level_even_when_a_difference_is_more_striking() -> None:
    """Rijk 30 points under the total counts 45 in salience (3.1), more than 70% is 20 from
    half (3.2): the difference leads, the level is the headline (a difference needs both its
    numbers, which a headline does not give)."""
    allowed = _block("3.1", "mag", [("ja", (80, 20, 50), (1, -1, 0)),
                                    ("nee", (20, 80, 50), (-1, 1, 0))],
                     question="Mag u thuiswerken van uw leidinggevende?", who=RIJK,
                     subject="toestemming om thuis te werken")
    liked = _flat("3.2", "prettig", [("ja", 70), ("nee", 30)],
                  question="Vindt u thuiswerken prettig?")
    draft = draft_article(_report(Section("3.1", "Thuiswerken", (allowed, liked))))
    assert draft.lead.tables[0] == "3.1"
    assert draft.headline == "Thuiswerken: zeven op de tien ambtenaren antwoorden ‘ja’"
    assert draft.headline_tables == ("3.2",)


def test_the_headline_uses_the_definition_s_own_predicate() -> None:
    phrase = "[vindt|vinden] het {answer} dat alle overheidsdiensten ook online worden aangeboden"
    block = _flat("3.1", "wens", [("wenselijk", 72), ("neutraal", 23), ("onwenselijk", 4),
                                  ("weet niet", 1)], phrase=phrase, headline_row="wenselijk")
    draft = draft_article(_report(Section("3.1", "Wenselijkheid", (block,))))
    assert draft.headline == ("Ruim zeven op de tien ambtenaren vinden het wenselijk dat alle "
                              "overheidsdiensten ook online worden aangeboden")
    assert draft.sections[0].paragraphs[0].text == (
        "72 Procent van de ambtenaren vindt het wenselijk dat alle overheidsdiensten ook online "
        "worden aangeboden. Verder antwoordt 23 procent ‘neutraal’, 4 procent ‘onwenselijk’ en "
        "1 procent ‘weet niet’.")


def test_a_small_minority_in_the_lead_is_slechts_so_many() -> None:
    block = _flat("3.1", "oordeel", [("goed", 45), ("matig", 52), ("slecht", 3)])
    draft = draft_article(_report(Section("3.1", "Oordeel", (block,))))
    assert draft.lead.text.startswith(
        "Op de vraag ‘Hoe vindt u het?’ antwoordt slechts 3 procent van de ambtenaren ‘slecht’.")


def test_without_a_finding_the_title_is_the_headline_and_that_is_said() -> None:
    block = _flat("3.1", "oordeel", [("goed", 50), ("slecht", 50)])
    draft = draft_article(_report(Section("3.1", "Oordeel", (block,))))
    assert draft.headline == "Thuiswerken bij de overheid"
    assert draft.lead.text == ""
    assert draft.problems == ("no table has a finding striking enough for the headline and the "
                              "lead; the report's title is the headline",)


# -- who took part ------------------------------------------------------------------------------


def test_who_took_part_is_told_with_the_table_s_percentages() -> None:
    draft = draft_article(_three_findings())
    # 298/577 = 51.6%, 279/577 = 48.4%; 181, 392, 4 of 577 = 31.4, 67.9, 0.7%;
    # 193, 192, 192 of 577 = 33.4, 33.3, 33.3%.
    assert draft.profile is not None
    assert draft.profile.text == (
        "Van de ambtenaren die aan het onderzoek deelnamen, is 52 procent man en 48 procent "
        "vrouw. Naar leeftijd is 31 procent jonger dan 40 jaar, 68 procent 40 tot 65 jaar en "
        "1 procent ouder dan 65 jaar. Op de vraag ‘Bij welke overheidslaag werkt u?’ antwoordt "
        "33 procent ‘rijk’, 33 procent ‘provincie’ en 33 procent ‘gemeente’.")
    assert draft.profile.tables == ("4.1", "4.2", "4.3")


def test_the_percentages_of_a_profile_variable_add_up_as_the_table_s_do() -> None:
    profile = draft_article(_three_findings()).profile
    assert profile is not None
    sentences = re.split(r"(?<=\.) ", profile.text)
    sums = [sum(int(n) for n in re.findall(r"(\d+) procent", s)) for s in sentences]
    # 48 + 52 = 100 and 31 + 68 + 1 = 100; the three layers print 33% each: 99, not 100.
    assert sums == [100, 100, 99]
    assert sums == [sum(r.rounded[-1] for r in b.table.rows) for b in (GENDER, AGE, LAYER)]


def test_profile_variables_choose_and_order_the_tables_and_a_missing_one_is_said() -> None:
    draft = draft_article(_three_findings(), profile_variables=["age", "gender", "income"])
    assert draft.profile is not None
    assert draft.profile.text.startswith(
        "Van de ambtenaren die aan het onderzoek deelnamen, is 31 procent jonger dan 40 jaar")
    assert draft.profile.tables == ("4.2", "4.1")
    assert draft.problems == ("profile variable “income” has no table in the report; who took "
                              "part is told without it",)


# -- themes -------------------------------------------------------------------------------------


def test_a_theme_tells_each_table_and_its_significant_subgroup() -> None:
    draft = draft_article(_three_findings())
    assert [s.title for s in draft.sections] == ["Toestemming", "Thuiswerken"]
    liked, home = draft.sections[1].paragraphs
    assert liked.text == ("Op de vraag ‘Vindt u thuiswerken prettig?’ antwoordt 65 procent van "
                          "de ambtenaren ‘ja’ en 35 procent ‘nee’.")
    assert (liked.tables, home.tables) == (("3.2",), ("3.3",))
    [allowed] = draft.sections[0].paragraphs
    assert allowed.text == (
        "Gevraagd naar toestemming om thuis te werken, antwoordt 40 procent van de ambtenaren "
        "‘ja’ en 60 procent ‘nee’. Rijksambtenaren antwoorden minder vaak ‘ja’: 22 procent, "
        "tegen 40 procent gemiddeld.")


def test_a_grid_a_multiple_choice_and_a_long_list_in_running_text() -> None:
    grid = _block("3.1", "stellingen", [("thuis werk ik geconcentreerder", (54, 54, 54), ()),
                                        ("ik mis mijn collega's", (26, 26, 26), ()),
                                        ("ik heb een goede werkplek", (41, 41, 41), ())],
                  kind="grid", row_kind="statement",
                  phrase="[is|zijn] het eens met de stelling {label}")
    where = _flat("3.2", "waar", [("keukentafel", 40), ("werkkamer", 35), ("zolder", 12),
                                  ("tuinhuis", 2)], kind="multiple", row_kind="choice",
                  subject="de plek waar men thuis werkt")
    days = _flat("3.3", "dagen", [("geen", 10), ("een", 25), ("twee", 30), ("drie", 20),
                                  ("vier", 8), ("vijf", 5), ("weet niet", 2)],
                 subject="het aantal thuiswerkdagen")
    draft = draft_article(_report(Section("3.1", "Thuis", (grid, where, days))))
    texts = [p.text for p in draft.sections[0].paragraphs]
    assert texts == [
        "54 Procent van de ambtenaren is het eens met de stelling ‘thuis werk ik "
        "geconcentreerder’. Het minst vaak geldt dat voor ‘ik mis mijn collega's’ (26 procent).",
        "Gevraagd naar de plek waar men thuis werkt, noemt 40 procent van de ambtenaren "
        "‘keukentafel’, 35 procent ‘werkkamer’ en 12 procent ‘zolder’.",
        "Gevraagd naar het aantal thuiswerkdagen, zijn de meest gegeven antwoorden ‘twee’ "
        "(30 procent), ‘een’ (25 procent) en ‘drie’ (20 procent).",
    ]


def test_a_theme_quotes_once_from_its_most_mentioned_theme_never_masked_text() -> None:
    quotes = QuoteBlock("", "", (
        QuoteTheme("Rust", ("Thuis is het stil.",), share=20.0),
        QuoteTheme("Reistijd", ("Ik bel [naam] nooit meer vanuit de trein.",
                                "Geen file meer, dat scheelt uren."), share=45.0),
    ))
    block = _flat("3.1", "prettig", [("ja", 65), ("nee", 35)])
    draft = draft_article(_report(Section("3.1", "Thuiswerken", (block, quotes, quotes))))
    paragraphs = draft.sections[0].paragraphs
    assert [p.kind for p in paragraphs] == ["body", "quote"]
    assert paragraphs[1].text == "‘Geen file meer, dat scheelt uren.’"


# -- every number from a table, no rise that is not one ------------------------------------------


def _table_text(block: TableBlock) -> str:
    table, hint = block.table, block.hint
    parts = [block.title, table.title, *(r.label for r in table.rows),
             *(c.label for c in table.columns)]
    if hint is not None:
        parts += [hint.question, hint.subject]
    return " ".join(parts)


def _printed(block: TableBlock) -> set[str]:
    """Every value as the table prints it: "44" for 44%, "2,3" for a mean of 2.25."""
    values = set()
    for row in block.table.rows:
        for value in row.rounded:
            if value is not None:
                values.add(str(value).replace(".", ","))
    return values


def _untraced(draft: ArticleDraft, report: Report) -> list[tuple[str, str]]:
    """(paragraph, number) for every number a paragraph states that its tables do not hold:
    a percentage must be one its tables print, any other number one they print or name."""
    tables = {b.number: b for b in report.tables()}
    untraced = []
    cited = [(draft.headline, draft.headline_tables)]
    cited += [(p.text, p.tables) for p in draft.paragraphs() if p.kind not in ("methods", "quote")]
    for text, numbers in cited:
        blocks = [tables[n] for n in numbers]
        printed = set().union(*(_printed(b) for b in blocks))
        named = set(re.findall(r"\d+", " ".join(_table_text(b) for b in blocks)))
        for share in re.findall(r"(\d+) [Pp]rocent", text):
            if share not in printed:
                untraced.append((text, share))
        for value in re.findall(r"\d+(?:,\d+)?", re.sub(r"\d+ [Pp]rocent", "", text)):
            if value not in printed and value not in named:
                untraced.append((text, value))
    return untraced


def test_every_number_in_the_article_comes_from_the_tables_its_paragraph_names() -> None:
    report = _three_findings()
    draft = draft_article(report)
    assert _untraced(draft, report) == []
    assert all(p.tables for p in draft.paragraphs() if p.kind in ("lead", "profile", "body"))


def test_every_number_in_the_example_report_s_article_is_traced(report: Report) -> None:
    draft = draft_article(report, leave_out=["source"])
    assert _untraced(draft, report) == []
    assert len(draft.sections) >= 5


def test_a_paragraph_whose_number_is_not_in_its_table_is_caught() -> None:
    report = _three_findings()
    draft = draft_article(report)
    wrong = article.ArticleParagraph("Op de vraag antwoordt 66 procent ‘ja’.", ("3.2",))
    forged = ArticleDraft(draft.headline, draft.headline_tables, wrong, None, (),
                          draft.closing)
    assert _untraced(forged, report) == [("Op de vraag antwoordt 66 procent ‘ja’.", "66")]


RISE = re.compile(r"\b(vaker|minder vaak|hoger|lager|meer dan|minder dan|stijg\w*|steeg|"
                  r"gestegen|daal\w*|daling|gedaald|toegenomen|afgenomen)\b")


def test_a_difference_that_is_not_significant_is_never_called_a_rise_or_fall() -> None:
    # Rijk 24 points under the total, but not significant (no marks).
    block = _block("3.1", "oordeel", [("goed", (80, 40, 64), (0, 0, 0)),
                                      ("slecht", (20, 60, 36), (0, 0, 0))], who=RIJK)
    draft = draft_article(_report(Section("3.1", "Oordeel", (block,))))
    assert RISE.findall(_text(draft)) == []


def test_a_significant_difference_too_small_to_tell_is_not_told_either() -> None:
    # Significant, but 4 whole points from the total (salience.MIN_GAP is 5).
    block = _block("3.1", "oordeel", [("goed", (68, 61, 64), (1, -1, 0)),
                                      ("slecht", (32, 39, 36), (-1, 1, 0))], who=RIJK)
    draft = draft_article(_report(Section("3.1", "Oordeel", (block,))))
    assert RISE.findall(_text(draft)) == []


def test_the_same_difference_marked_significant_is_told() -> None:
    block = _block("3.1", "oordeel", [("goed", (80, 40, 64), (1, -1, 0)),
                                      ("slecht", (20, 60, 36), (-1, 1, 0))], who=RIJK)
    draft = draft_article(_report(Section("3.1", "Oordeel", (block,))))
    assert ("Rijksambtenaren antwoorden minder vaak ‘goed’: 40 procent, tegen 64 procent "
            "gemiddeld.") in draft.sections[0].paragraphs[0].text


# -- Dutch number style --------------------------------------------------------------------------


def test_percentages_are_words_rounded_half_up_and_a_sentence_never_starts_with_procent() -> None:
    # 42.5 rounds half up to 43 (Python's round() gives 42); 57.5 to 58.
    own = _flat("3.1", "tevreden", [("tevreden", 42.5), ("ontevreden", 57.5)],
                phrase="[is|zijn] {answer}", headline_row="tevreden")
    draft = draft_article(_report(Section("3.1", "Tevredenheid", (own,))))
    text = draft.sections[0].paragraphs[0].text
    assert text == "43 Procent van de ambtenaren is tevreden. Verder antwoordt 58 procent ‘ontevreden’."
    assert "%" not in _text(draft)


def test_a_mean_has_a_decimal_comma_rounded_half_up() -> None:
    table = Table("dagen", "Aantal thuiswerkdagen", "numeric", COLUMNS[2:], (
        Row("mean", "Gemiddelde", "statistic", (2.25,), decimals=1),
        Row("median", "Mediaan", "statistic", (2.0,), decimals=1)))
    block = TableBlock("3.1", "Aantal thuiswerkdagen", False, "", table)
    draft = draft_article(_report(Section("3.1", "Dagen", (block,))))
    assert draft.sections[0].paragraphs[0].text == (
        "Gevraagd naar aantal thuiswerkdagen, is het gemiddelde antwoord 2,3 (mediaan 2,0).")


@pytest.mark.parametrize(("facts", "sentence"), [
    (PANEL, "Aan het onderzoek, dat van 3 tot en met 17 maart 2025 liep, deden 577 leden van "
            "het panel mee."),
    (MethodsFacts(n=1415, start=dt.date(2018, 2, 27), end=dt.date(2018, 3, 8),
                  sources=(SourceCount("panel", "het panel", 1093),
                           SourceCount("brief", "de open link ‘nieuwsbrief’", 322))),
     "Aan het onderzoek, dat van 27 februari tot en met 8 maart 2018 liep, deden 1.415 "
     "ambtenaren mee: 1.093 via het panel en 322 via de open link ‘nieuwsbrief’."),
    (MethodsFacts(n=212, start=dt.date(2024, 12, 28), end=dt.date(2025, 1, 10),
                  sources=(SourceCount("brief", "de open link ‘nieuwsbrief’", 212),)),
     "Aan het onderzoek, dat van 28 december 2024 tot en met 10 januari 2025 liep, deden 212 "
     "ambtenaren mee via de open link ‘nieuwsbrief’."),
    (MethodsFacts(n=90), "Aan het onderzoek deden 90 ambtenaren mee."),
])
def test_the_methods_in_one_closing_sentence(facts: MethodsFacts, sentence: str) -> None:
    assert methods_sentence(facts, "ambtenaren") == sentence


# -- Markdown ------------------------------------------------------------------------------------


def test_the_markdown_has_headline_themes_quote_and_closing_sentence() -> None:
    block = _flat("3.1", "thuis", [("ja", 85), ("nee", 15)], question="Werkt u weleens thuis?")
    quotes = QuoteBlock("", "", (QuoteTheme("Rust", ("Thuis is het stil.",)),))
    report = _report(Section("3.1", "Thuiswerken", (block, quotes)), profile=(GENDER,))
    assert draft_article(report).markdown() == (
        "# Thuiswerken: bijna negen op de tien ambtenaren antwoorden ‘ja’\n\n"
        "Op de vraag ‘Werkt u weleens thuis?’ antwoordt 85 procent van de ambtenaren ‘ja’. "
        "Dat blijkt uit onderzoek van Publiek Denken onder ambtenaren.\n\n"
        "Van de ambtenaren die aan het onderzoek deelnamen, is 52 procent man en 48 procent "
        "vrouw.\n\n"
        "## Thuiswerken\n\n"
        "Op de vraag ‘Werkt u weleens thuis?’ antwoordt 85 procent van de ambtenaren ‘ja’ en "
        "15 procent ‘nee’.\n\n"
        "> ‘Thuis is het stil.’\n\n"
        "Aan het onderzoek, dat van 3 tot en met 17 maart 2025 liep, deden 577 leden van het "
        "panel mee.\n")


def test_the_markdown_can_name_each_paragraph_s_tables() -> None:
    markdown = draft_article(_three_findings()).markdown(sources=True)
    assert "<!-- tabel 3.3, 3.1 -->" in markdown
    assert "<!-- tabel 4.1, 4.2, 4.3 -->" in markdown


def test_labels_stay_text_in_the_markdown() -> None:
    block = _flat("3.1", "tool", [("<script>x</script>", 85), ("*vet* & [link](x)", 15)],
                  question="Welk hulpmiddel?")
    markdown = draft_article(_report(Section("3.1", "# Hulpmiddelen", (block,)))).markdown()
    assert "<script>" not in markdown and "*vet*" not in markdown
    assert "## \\# Hulpmiddelen" in markdown
    assert "‘\\<script\\>x\\</script\\>’" in markdown
    assert "‘\\*vet\\* \\& \\[link\\](x)’" in markdown


def test_the_public_api() -> None:
    assert sorted(article.__all__) == ["ArticleDraft", "ArticleParagraph", "ArticleSection",
                                       "draft_article", "methods_sentence"]
