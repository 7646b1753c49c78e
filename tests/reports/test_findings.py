"""Key findings: the number-word rule table, the sentences, and determinism.

Golden phrases are those of the reference reports (shared/reference/002: "Ruim vier op de
tien gemeenteambtenaren (44%)", "Een op de zes" for 16%, "Bijna een kwart" for 23%, "Bijna
de helft (46%)", "Iets meer dan de helft (54%)", "Vrijwel niemand (1%)", "Een kleine groep
(2%)"; and the issue's "een kwart", "een op de vijf").
"""

from __future__ import annotations

import pytest

from peiling.analysis import Column, Row, Table
from peiling.reports.build import build_report
from peiling.reports.findings import (
    SHARE_WORDS,
    apply_phrase,
    block_sentences,
    section_finding,
    share_subject,
    share_words,
)
from peiling.reports.model import FindingHint, TableBlock


@pytest.mark.parametrize(
    ("percentage", "words"),
    [
        (0, "niemand"),
        (1, "vrijwel niemand"),
        (2, "een kleine groep"),
        (7, "een kleine groep"),
        (8, "bijna een op de tien"),
        (10, "een op de tien"),
        (11, "ruim een op de tien"),
        (13, "ruim een op de tien"),
        (15, "bijna een op de zes"),
        (16, "een op de zes"),
        (17, "een op de zes"),
        (19, "bijna een op de vijf"),
        (20, "een op de vijf"),
        (22, "ruim een op de vijf"),
        (23, "bijna een kwart"),
        (24, "bijna een kwart"),
        (25, "een kwart"),
        (26, "ruim een kwart"),
        (28, "bijna drie op de tien"),
        (30, "drie op de tien"),
        (32, "bijna een derde"),
        (33, "een derde"),
        (34, "een derde"),
        (35, "ruim een derde"),
        (39, "bijna vier op de tien"),
        (40, "vier op de tien"),
        (41, "ruim vier op de tien"),
        (44, "ruim vier op de tien"),
        (45, "bijna de helft"),
        (48, "bijna de helft"),
        (49, "bijna de helft"),
        (50, "de helft"),
        (51, "iets meer dan de helft"),
        (54, "iets meer dan de helft"),
        (55, "ruim de helft"),
        (58, "bijna zes op de tien"),
        (60, "zes op de tien"),
        (64, "ruim zes op de tien"),
        (66, "bijna twee derde"),
        (67, "twee derde"),
        (70, "zeven op de tien"),
        (74, "bijna driekwart"),
        (75, "driekwart"),
        (77, "ruim driekwart"),
        (80, "acht op de tien"),
        (85, "bijna negen op de tien"),
        (90, "negen op de tien"),
        (94, "ruim negen op de tien"),
        (95, "bijna iedereen"),
        (99, "vrijwel iedereen"),
        (100, "iedereen"),
    ],
)
def test_share_words_follow_the_rule_table(percentage: int, words: str) -> None:
    assert share_words(percentage).words == words


def test_rule_table_covers_every_whole_percentage_once() -> None:
    covered = [p for rule in SHARE_WORDS for p in range(rule.low, rule.high + 1)]
    assert covered == list(range(101))


@pytest.mark.parametrize("percentage", [-1, 101])
def test_share_words_refuse_impossible_percentages(percentage: int) -> None:
    with pytest.raises(ValueError, match=f"from 0 to 100 \\(got {percentage}\\)"):
        share_words(percentage)


@pytest.mark.parametrize(
    ("percentage", "subject", "plural"),
    [
        (44, "ruim vier op de tien ambtenaren (44%)", True),
        (25, "een kwart van de ambtenaren (25%)", False),
        (48, "bijna de helft van de ambtenaren (48%)", False),
        (20, "een op de vijf ambtenaren (20%)", False),
        (70, "zeven op de tien ambtenaren (70%)", True),
        (1, "vrijwel niemand (1%)", False),
    ],
)
def test_share_subject_joins_the_population(percentage: int, subject: str, plural: bool) -> None:
    assert share_subject(percentage, "ambtenaren") == (subject, plural)


def test_share_subject_stands_alone_without_population() -> None:
    assert share_subject(22) == ("ruim een op de vijf (22%)", False)


def test_phrase_picks_the_verb_and_fills_the_answer() -> None:
    assert apply_phrase("[is|zijn] {answer}", True, "Tamelijk tot zeer tevreden") == (
        "zijn tamelijk tot zeer tevreden"
    )
    assert apply_phrase("[antwoordt|antwoorden] {label}", False, "Wenselijk") == (
        "antwoordt ‘wenselijk’"
    )
    # Proper names keep their capitals.
    assert apply_phrase("[noemt|noemen] {label}", True, "Digitale Agenda 2020") == (
        "noemen ‘Digitale Agenda 2020’"
    )


def _table(rows: list[Row], columns: tuple[Column, ...] | None = None) -> Table:
    columns = columns or (
        Column("expr:Gemeenten", "Gemeenten", 532, 532.0, 532.0),
        Column("expr:Rijk", "Rijksoverheid", 168, 168.0, 168.0),
        Column("total", "Totaal", 1415, 1415.0, 1415.0),
    )
    return Table("satisfaction", "Hoe tevreden?", "frequency", columns, tuple(rows))


def _row(key: str, label: str, values: tuple[float, ...], rest=(0, 0, 0), kind="net") -> Row:
    return Row(key, label, kind, values, sig=("", "", ""), rest=rest)


def test_sentences_of_a_table_with_nets_and_a_significant_difference() -> None:
    # As §3.2 of the reference report: 44% satisfied, 22% not; a column significantly higher.
    table = _table([
        _row("net:t", "Tamelijk tot zeer tevreden", (52.4, 43.0, 43.51), rest=(1, 0, 0)),
        _row("net:o", "Tamelijk tot zeer ontevreden", (20.0, 21.0, 22.4)),
    ])  # fmt: skip
    hint = FindingHint("Hoe tevreden?", "[is|zijn] {answer}", "ambtenaren",
                       who=(("expr:Gemeenten", "onder gemeenteambtenaren"),))  # fmt: skip
    block = TableBlock("3.2", "Hoe tevreden?", True, "%", table, hint=hint)
    assert block_sentences(block) == (
        "Ruim vier op de tien ambtenaren (44%) zijn tamelijk tot zeer tevreden.",
        "Ruim een op de vijf (22%) is tamelijk tot zeer ontevreden.",
        "Onder gemeenteambtenaren is dit aandeel significant hoger (52%) dan gemiddeld (44%).",
    )


def test_sentences_round_half_up_before_choosing_words() -> None:
    # 47.5 rounds to 48 ("bijna de helft"), never to 47 by banker's rounding.
    table = _table([_row("a", "Wenselijk", (47.5, 47.5, 47.5), kind="category")])
    hint = FindingHint("?", "[antwoordt|antwoorden] {label}", "ambtenaren")
    block = TableBlock("3.1", "?", True, "%", table, hint=hint)
    assert block_sentences(block) == (
        "Bijna de helft van de ambtenaren (48%) antwoordt ‘wenselijk’.",
    )


def test_grid_sentences_name_the_highest_and_lowest_statement() -> None:
    columns = (Column("total", "Totaal", 532, 532.0, 532.0),)
    rows = [
        Row("st_a", "Mijn gemeente is zeer innovatief.", "statement", (40.2,), sig=("",), rest=(0,)),
        Row("st_b", "Wetgeving maakt het moeilijk.", "statement", (54.0,), sig=("",), rest=(0,)),
    ]
    table = Table("grid", "Stellingen", "grid", columns, tuple(rows))
    hint = FindingHint("Stellingen", "[is|zijn] het eens met de stelling {label}", "ambtenaren")
    block = TableBlock("3.4", "Stellingen", False, "%", table, hint=hint)
    assert block_sentences(block) == (
        "Iets meer dan de helft van de ambtenaren (54%) is het eens met de stelling "
        "‘wetgeving maakt het moeilijk’.",
        "Het minst vaak geldt dat voor ‘mijn gemeente is zeer innovatief’ (40%).",
    )


def test_a_section_without_tables_has_no_finding() -> None:
    assert section_finding("Kop", []) is None


def test_key_findings_are_deterministic(form, dataset, definition, report) -> None:
    from peiling.reports.facts import data_facts

    data, facts = data_facts(dataset, definition)
    again = build_report(form, data, definition, facts)
    assert again.findings() == report.findings()
    assert [f.headline for f in report.findings()][:2] == [
        "Digitalisering overheidsdiensten breed gedragen",
        "Minder dan helft ambtenaren tevreden over resultaten digitalisering",
    ]


def test_every_key_finding_gives_its_numbers_in_matching_words_and_its_table(report) -> None:
    """One sentence each, with a table reference; where a share is put in words ("bijna
    driekwart van de ... (74%)"), the words are the ones for its number."""
    import re

    assert report.findings()
    sentences = [s for finding in report.findings() for s in finding.sentences]
    assert 1 <= len(sentences) <= 8
    for sentence in sentences:
        assert re.search(r"\(tabel 3\.\d+\)\.$", sentence), sentence
        assert re.search(r"\d+(%| procent)", sentence), sentence
        for percentage in re.findall(r"\((\d+)%\)", sentence):
            assert share_words(int(percentage)).words in sentence.lower(), sentence
