"""The chapter "Ontwikkeling": per question its most telling change over the waves, a rise or
fall only when significant, ordered by salience, with a trend chart for each change told."""

from __future__ import annotations

import numpy as np

from peiling.analysis import Category, Dataset, Variable
from peiling.analysis.trends import Wave
from peiling.reports.development import changes, development_chapter, sentence
from peiling.reports.model import FigureBlock, Paragraph

CHOICES = (Category("ja", "Tevreden"), Category("nee", "Ontevreden"),
           Category("weet_niet", "Weet niet"))


def wave(label: str, yes: int, grade_shift: float = 0.0, n: int = 400) -> Wave:
    choice = np.array([0] * yes + [1] * (n - yes - 20) + [2] * 20)
    grade = np.repeat([6.0 + grade_shift, 7.4 + grade_shift], n // 2)
    stable = np.array([0] * (n // 2) + [1] * (n // 2))
    variables = [Variable("tevreden", "single", label="Tevreden over de gemeente?",
                          categories=CHOICES),
                 Variable("cijfer", "numeric", label="Rapportcijfer dienstverlening"),
                 Variable("stabiel", "single", label="Stabiel?", categories=CHOICES)]
    return Wave(label, Dataset(variables, {"tevreden": choice, "cijfer": grade,
                                           "stabiel": stable}))


WAVES = [wave("2008", 160), wave("2012", 170, 0.1), wave("2015", 220, 0.2)]
QUESTIONS = [("tevreden", ""), ("cijfer", ""), ("stabiel", "ja")]


def test_rises_are_told_when_significant_and_ordered_by_salience() -> None:
    found = changes(WAVES, QUESTIONS)
    assert [c.table.name for c in found] == ["tevreden", "cijfer", "stabiel"]
    shares, grade, stable = found
    # 40% -> 55% from 2008 (15 points, x 1.5) outranks 6,7 -> 6,9 (0.2 = 2 points, x 1.5).
    assert (shares.start, shares.end, shares.direction) == (0, 2, 1)
    assert shares.salience == 1.5 * 15
    assert sentence(shares) == ("Het aandeel ‘Tevreden’ bij ‘Tevreden over de gemeente?’ steeg "
                                "van 40% in 2008 naar 55% in 2015; de stijging is significant.")
    assert sentence(grade) == ("Het gemiddelde van ‘Rapportcijfer dienstverlening’ steeg van "
                               "6,7 in 2008 naar 6,9 in 2015; de stijging is significant.")
    assert not stable.significant and stable.direction == 0
    assert sentence(stable) == ("Het aandeel ‘Tevreden’ bij ‘Stabiel?’ bleef gelijk: 50% in "
                                "2008 en in 2015.")


def test_a_change_that_is_not_significant_is_never_a_rise() -> None:
    small = [wave("2008", 40, n=100), wave("2015", 45, n=100)]
    [change] = changes(small, [("tevreden", "")])
    assert not change.significant
    assert sentence(change) == ("Het aandeel ‘Tevreden’ bij ‘Tevreden over de gemeente?’ was "
                                "40% in 2008 en 45% in 2015; dat verschil is niet significant.")


def test_the_chapter_has_a_sentence_per_question_and_a_chart_per_change() -> None:
    chapter = development_chapter(changes(WAVES, QUESTIONS), "4",
                                  figure_numbers=["4.1", "4.2"])
    assert (chapter.number, chapter.title, chapter.role) == ("4", "Ontwikkeling", "development")
    blocks = chapter.sections[0].blocks
    assert isinstance(blocks[0], Paragraph) and "(2008, 2012)" in blocks[0].text
    figures = [b for b in blocks if isinstance(b, FigureBlock)]
    assert [f.number for f in figures] == ["4.1", "4.2"]
    assert figures[0].chart.kind == "trend" and "Lijngrafiek" in figures[0].description
    assert sum(isinstance(b, Paragraph) for b in blocks) == 4
