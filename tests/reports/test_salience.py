"""The selection rules of the key findings, on tables made here: what is found, what never is,
and the order."""

from __future__ import annotations

from peiling.analysis import Column, Row, Table
from peiling.reports.definition import FindingEdit
from peiling.reports.model import FindingHint, TableBlock
from peiling.reports.salience import LIMIT, candidates, key_findings


def _pairs(blocks, **options) -> list[tuple[str, str]]:
    return [(f.table, f.text) for f in key_findings(blocks, **options)]

COLUMNS = (Column("org:gemeente", "Gemeente", 300, 300.0, 300.0, "A"),
           Column("org:rijk", "Rijksoverheid", 200, 200.0, 200.0, "B"),
           Column("total", "Totaal", 500, 500.0, 500.0))


def _block(number: str, name: str, rows: list[tuple[str, tuple[float, float, float],
                                                    tuple[int, int, int]]],
           *, question: str = "Hoe vindt u het?", who=(), subject: str = "",
           phrase: str = "[antwoordt|antwoorden] {label}") -> TableBlock:
    table = Table(name, question, "frequency", COLUMNS, tuple(
        Row(key, key.capitalize(), "category", values, rest=rest)
        for key, values, rest in rows))
    hint = FindingHint(question, phrase, "ambtenaren", who, subject=subject)
    return TableBlock(number, question, True, "%", table, hint=hint)


def test_a_significant_difference_is_found_with_both_numbers() -> None:
    block = _block("3.1", "oordeel", [("goed", (70, 40, 58), (1, -1, 0)),
                                      ("slecht", (30, 60, 42), (-1, 1, 0))],
                   who=(("org:rijk", "rijksambtenaren"),))
    findings = _pairs([block])
    # the largest of the two significant gaps: Rijksoverheid, 18 points below the total
    assert ("3.1", "Rijksambtenaren antwoorden minder vaak ‘goed’ op de vraag ‘Hoe vindt u "
            "het?’: 40% tegen 58% gemiddeld (tabel 3.1).") in findings


def test_a_difference_that_is_not_significant_is_never_stated() -> None:
    block = _block("3.1", "oordeel", [("goed", (70, 40, 58), (0, 0, 0)),
                                      ("slecht", (30, 60, 42), (0, 0, 0))])
    assert [c.kind for c in candidates([block])] == []
    assert _pairs([block]) == []


def test_a_clear_majority_says_what_was_asked_and_where() -> None:
    block = _block("3.2", "wens", [("wenselijk", (80, 70, 74), (0, 0, 0)),
                                   ("onwenselijk", (20, 30, 26), (0, 0, 0))],
                   question="Hoe wenselijk is online aanbieden?")
    assert _pairs([block]) == [
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
    findings = _pairs(blocks)
    assert len(findings) == LIMIT == 8
    assert len({number for number, _ in findings}) == 8


def test_methodological_variables_and_unnumbered_tables_give_no_findings() -> None:
    source = _block("3.1", "bron", [("panel", (90, 90, 90), (0, 0, 0)),
                                    ("link", (10, 10, 10), (0, 0, 0))])
    unnumbered = _block("", "oordeel", [("goed", (90, 90, 90), (0, 0, 0)),
                                        ("slecht", (10, 10, 10), (0, 0, 0))])
    assert _pairs([source, unnumbered], leave_out=["bron"]) == []


def test_the_same_words_for_a_share_are_not_used_twice() -> None:
    blocks = [_block(f"3.{i}", f"q{i}", [("ja", (74, 74, 74), (0, 0, 0)),
                                         ("nee", (26, 26, 26), (0, 0, 0))]) for i in (1, 2)]
    first, second = (sentence for _, sentence in _pairs(blocks))
    assert "bijna driekwart van de ambtenaren (74%)" in first
    assert "74 procent van de ambtenaren" in second and "driekwart" not in second


def test_a_small_minority_of_a_short_scale_is_a_finding_when_nothing_is_a_majority() -> None:
    block = _block("3.1", "oordeel", [("goed", (45, 45, 45), (0, 0, 0)),
                                      ("matig", (52, 52, 52), (0, 0, 0)),
                                      ("slecht", (3, 3, 3), (0, 0, 0))])
    assert _pairs([block]) == [
        ("3.1", "Op de vraag ‘Hoe vindt u het?’ antwoordt een kleine groep ambtenaren (3%) "
                "‘slecht’ (tabel 3.1).")]


def test_a_difference_after_its_table_s_level_does_not_quote_the_question_again() -> None:
    block = _block("3.1", "wens", [("wenselijk", (88, 60, 77), (1, -1, 0)),
                                   ("onwenselijk", (12, 40, 23), (-1, 1, 0))],
                   who=(("org:rijk", "rijksambtenaren"),))
    level, gap = (sentence for _, sentence in _pairs([block]))
    assert level.startswith("Op de vraag ‘Hoe vindt u het?’ antwoordt ruim driekwart")
    assert gap == ("Rijksambtenaren antwoorden minder vaak ‘wenselijk’: 60% tegen 77% "
                   "gemiddeld (tabel 3.1).")


# -- what a finding is about --------------------------------------------------------------------


def test_a_subject_says_what_was_asked_instead_of_the_question() -> None:
    block = _block("3.2", "wens", [("wenselijk", (80, 70, 74), (0, 0, 0)),
                                   ("onwenselijk", (20, 30, 26), (0, 0, 0))],
                   question="Vindt u het wenselijk dat de overheid alle diensten online aanbiedt?",
                   subject="het online aanbieden van alle overheidsdiensten")
    assert _pairs([block]) == [
        ("3.2", "Gevraagd naar het online aanbieden van alle overheidsdiensten, antwoordt bijna "
                "driekwart van de ambtenaren (74%) ‘wenselijk’ (tabel 3.2).")]


def test_a_difference_names_the_subject_and_the_group_in_running_text() -> None:
    block = _block("3.1", "oordeel", [("goed", (70, 40, 58), (1, -1, 0)),
                                      ("slecht", (30, 60, 42), (-1, 1, 0))],
                   who=(("org:rijk", "rijksambtenaren"),), subject="de dienstverlening")
    assert ("3.1", "Gevraagd naar de dienstverlening, antwoorden rijksambtenaren minder vaak "
                   "‘goed’: 40% tegen 58% gemiddeld (tabel 3.1).") in _pairs([block])


def test_a_short_label_that_is_no_question_serves_as_subject() -> None:
    block = _block("3.1", "tevr", [("tevreden", (80, 80, 80), (0, 0, 0)),
                                   ("ontevreden", (20, 20, 20), (0, 0, 0))],
                   question="Tevredenheid over de digitalisering")
    [(_, sentence)] = _pairs([block])
    assert sentence.startswith("Gevraagd naar tevredenheid over de digitalisering, antwoorden "
                               "acht op de tien ambtenaren (80%)")


def test_the_definition_s_own_phrase_makes_the_sentence() -> None:
    block = _block("3.1", "tevr", [("tevreden", (70, 70, 70), (0, 0, 0)),
                                   ("ontevreden", (30, 30, 30), (0, 0, 0))],
                   phrase="[is|zijn] tevreden over de resultaten van de digitalisering")
    assert _pairs([block]) == [
        ("3.1", "Zeven op de tien ambtenaren (70%) zijn tevreden over de resultaten van de "
                "digitalisering (tabel 3.1).")]


# -- edited findings ----------------------------------------------------------------------------

WENS = [("wenselijk", (80, 70, 74), (0, 0, 0)), ("onwenselijk", (20, 30, 26), (0, 0, 0))]


def test_an_edited_finding_replaces_the_draft_and_is_marked() -> None:
    block = _block("3.2", "wens", WENS)
    [drafted] = key_findings([block])
    assert drafted.note.key == "wens|wenselijk" and drafted.note.numbers == (74,)
    edit = FindingEdit("wens|wenselijk", "Driekwart (74%) wil alles online.", (74,))
    [finding] = key_findings([block], edits=[edit])
    assert (finding.table, finding.text) == ("3.2", "Driekwart (74%) wil alles online.")
    assert finding.note.edited and finding.note.flag == ""


def test_an_edited_finding_whose_numbers_changed_is_flagged_with_both() -> None:
    rebuilt = _block("3.2", "wens", [("wenselijk", (80, 70, 76), (0, 0, 0)),
                                     ("onwenselijk", (20, 30, 24), (0, 0, 0))])
    edit = FindingEdit("wens|wenselijk", "Driekwart (74%) wil alles online.", (74,))
    [finding] = key_findings([rebuilt], edits=[edit])
    assert finding.text == "Driekwart (74%) wil alles online."
    assert "toen 74%, nu 76%" in finding.note.flag


def test_an_edit_without_its_numbers_is_checked_against_the_percentages_it_names() -> None:
    block = _block("3.2", "wens", WENS)
    right = FindingEdit("wens|wenselijk", "Bijna driekwart (74 procent) wil alles online.")
    wrong = FindingEdit("wens|wenselijk", "Bijna driekwart (72%) wil alles online.")
    assert key_findings([block], edits=[right])[0].note.flag == ""
    assert "toen 72%, nu 74%" in key_findings([block], edits=[wrong])[0].note.flag


def test_an_edited_finding_survives_when_the_numbers_no_longer_select_it() -> None:
    # 55% is no clear majority: nothing would be drafted, the edited text stays, flagged.
    block = _block("3.2", "wens", [("wenselijk", (55, 55, 55), (0, 0, 0)),
                                   ("onwenselijk", (45, 45, 45), (0, 0, 0))])
    assert _pairs([block]) == []
    edit = FindingEdit("wens|wenselijk", "Driekwart (74%) wil alles online.", (74,))
    [finding] = key_findings([block], edits=[edit])
    assert finding.table == "3.2" and finding.note.edited
    assert "nu 55%" in finding.note.flag


def test_an_edited_finding_whose_table_is_gone_is_kept_and_flagged() -> None:
    block = _block("3.2", "wens", WENS)
    edit = FindingEdit("verwijderd|ja", "Iedereen zei ja.", (100,))
    findings = key_findings([block], edits=[edit])
    assert [f.table for f in findings] == ["3.2", ""]
    assert findings[1].text == "Iedereen zei ja." and "niet meer in het rapport" in \
        findings[1].note.flag


def test_a_difference_on_a_statement_reads_as_agreeing_more_or_less() -> None:
    table = Table("st", "Stellingen", "grid", COLUMNS, (
        Row("st_law", "Wetgeving maakt het moeilijk", "statement", (20, 50, 42), rest=(-1, 1, 0)),))
    hint = FindingHint("Stellingen", "[is|zijn] het eens met {label}", "ambtenaren",
                       (("org:gemeente", "onder gemeenteambtenaren"),))
    block = TableBlock("3.4", "Stellingen", False, "%", table, hint=hint)
    assert ("3.4", "Onder gemeenteambtenaren is men minder vaak het eens met ‘wetgeving maakt "
                   "het moeilijk’: 20% tegen 42% gemiddeld (tabel 3.4).") in _pairs([block])


def test_a_significant_but_small_difference_is_no_key_finding() -> None:
    # 62% against 58%: significant in a large sample, four points, no news
    block = _block("3.1", "oordeel", [("goed", (62, 52, 58), (1, -1, 0)),
                                      ("slecht", (38, 48, 42), (-1, 1, 0))],
                   who=(("org:rijk", "rijksambtenaren"),))
    assert [c.kind for c in candidates([block])] == ["difference"]  # Rijksoverheid: 6 points
    small = _block("3.1", "oordeel", [("goed", (60, 55, 58), (1, -1, 0)),
                                      ("slecht", (40, 45, 42), (-1, 1, 0))])
    assert [c.kind for c in candidates([small])] == []
