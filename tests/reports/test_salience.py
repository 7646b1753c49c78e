"""The selection rules of the key findings, on tables made here: what is found, what never is,
and the order."""

from __future__ import annotations

from peiling.analysis import Column, Row, Table
from peiling.reports.model import FindingHint, TableBlock
from peiling.reports.salience import LIMIT, candidates, key_findings

COLUMNS = (Column("org:gemeente", "Gemeente", 300, 300.0, 300.0, "A"),
           Column("org:rijk", "Rijksoverheid", 200, 200.0, 200.0, "B"),
           Column("total", "Totaal", 500, 500.0, 500.0))


def _block(number: str, name: str, rows: list[tuple[str, tuple[float, float, float],
                                                    tuple[int, int, int]]],
           *, question: str = "Hoe vindt u het?", who=()) -> TableBlock:
    table = Table(name, question, "frequency", COLUMNS, tuple(
        Row(key, key.capitalize(), "category", values, rest=rest)
        for key, values, rest in rows))
    hint = FindingHint(question, "[antwoordt|antwoorden] {label}", "ambtenaren", who)
    return TableBlock(number, question, True, "%", table, hint=hint)


def test_a_significant_difference_is_found_with_both_numbers() -> None:
    block = _block("3.1", "oordeel", [("goed", (70, 40, 58), (1, -1, 0)),
                                      ("slecht", (30, 60, 42), (-1, 1, 0))],
                   who=(("org:rijk", "rijksambtenaren"),))
    findings = key_findings([block])
    # the largest of the two significant gaps: Rijksoverheid, 18 points below the total
    assert ("3.1", "Rijksambtenaren antwoorden minder vaak ‘goed’ op de vraag ‘Hoe vindt u "
            "het?’: 40% tegen 58% gemiddeld (tabel 3.1).") in findings


def test_a_difference_that_is_not_significant_is_never_stated() -> None:
    block = _block("3.1", "oordeel", [("goed", (70, 40, 58), (0, 0, 0)),
                                      ("slecht", (30, 60, 42), (0, 0, 0))])
    assert [c.kind for c in candidates([block])] == []
    assert key_findings([block]) == []


def test_a_clear_majority_says_what_was_asked_and_where() -> None:
    block = _block("3.2", "wens", [("wenselijk", (80, 70, 74), (0, 0, 0)),
                                   ("onwenselijk", (20, 30, 26), (0, 0, 0))],
                   question="Hoe wenselijk is online aanbieden?")
    assert key_findings([block]) == [
        ("3.2", "Op de vraag ‘Hoe wenselijk is online aanbieden?’ antwoordt bijna driekwart van "
                "de ambtenaren (74%) ‘wenselijk’ (tabel 3.2).")]


def test_findings_are_ranked_by_salience_and_a_difference_weighs_more() -> None:
    majority_65 = _block("3.1", "a", [("ja", (65, 65, 65), (0, 0, 0)),
                                      ("nee", (35, 35, 35), (0, 0, 0))])
    majority_85 = _block("3.2", "b", [("ja", (85, 85, 85), (0, 0, 0)),
                                      ("nee", (15, 15, 15), (0, 0, 0))])
    gap_20 = _block("3.3", "c", [("ja", (52, 22, 40), (1, -1, 0)),
                                 ("nee", (48, 78, 60), (-1, 1, 0))])
    order = [(c.table, c.kind) for c in candidates([majority_65, majority_85, gap_20])]
    # 85% is 35 from half; Rijksoverheid 18 points below the total counts 27; 65% is 15
    # from half; 3.3's own largest answer, 60%, is 10.
    assert order == [("3.2", "level"), ("3.3", "difference"), ("3.1", "level"),
                     ("3.3", "level")]


def test_at_most_eight_findings_and_one_level_per_table() -> None:
    blocks = [_block(f"3.{i}", f"q{i}", [("ja", (90, 90, 90), (0, 0, 0)),
                                         ("nee", (10, 10, 10), (0, 0, 0))])
              for i in range(1, 13)]
    findings = key_findings(blocks)
    assert len(findings) == LIMIT == 8
    assert len({number for number, _ in findings}) == 8


def test_methodological_variables_and_unnumbered_tables_give_no_findings() -> None:
    source = _block("3.1", "bron", [("panel", (90, 90, 90), (0, 0, 0)),
                                    ("link", (10, 10, 10), (0, 0, 0))])
    unnumbered = _block("", "oordeel", [("goed", (90, 90, 90), (0, 0, 0)),
                                        ("slecht", (10, 10, 10), (0, 0, 0))])
    assert key_findings([source, unnumbered], leave_out=["bron"]) == []


def test_the_same_words_for_a_share_are_not_used_twice() -> None:
    blocks = [_block(f"3.{i}", f"q{i}", [("ja", (74, 74, 74), (0, 0, 0)),
                                         ("nee", (26, 26, 26), (0, 0, 0))]) for i in (1, 2)]
    first, second = (sentence for _, sentence in key_findings(blocks))
    assert "bijna driekwart van de ambtenaren (74%)" in first
    assert "74 procent van de ambtenaren" in second and "driekwart" not in second


def test_a_small_minority_of_a_short_scale_is_a_finding_when_nothing_is_a_majority() -> None:
    block = _block("3.1", "oordeel", [("goed", (45, 45, 45), (0, 0, 0)),
                                      ("matig", (52, 52, 52), (0, 0, 0)),
                                      ("slecht", (3, 3, 3), (0, 0, 0))])
    assert key_findings([block]) == [
        ("3.1", "Op de vraag ‘Hoe vindt u het?’ antwoordt een kleine groep ambtenaren (3%) "
                "‘slecht’ (tabel 3.1).")]


def test_a_difference_after_its_table_s_level_does_not_quote_the_question_again() -> None:
    block = _block("3.1", "wens", [("wenselijk", (88, 60, 77), (1, -1, 0)),
                                   ("onwenselijk", (12, 40, 23), (-1, 1, 0))],
                   who=(("org:rijk", "rijksambtenaren"),))
    level, gap = (sentence for _, sentence in key_findings([block]))
    assert level.startswith("Op de vraag ‘Hoe vindt u het?’ antwoordt ruim driekwart")
    assert gap == ("Rijksambtenaren antwoorden minder vaak ‘wenselijk’: 60% tegen 77% "
                   "gemiddeld (tabel 3.1).")
