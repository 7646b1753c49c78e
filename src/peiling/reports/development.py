"""The chapter "Ontwikkeling" of a report on a wave of a monitor: how its questions moved over
the waves, in sentences chosen as the key findings are. Pure.

Per question of the report (single choice and numeric; grids' statements count one by one)
that two waves or more asked, a trend table (``analysis.trends``) gives the candidates, with
the rules of ``salience``:

- a share: the headline row of the question (the report's headline answer, else its largest
  answer in the newest wave; "weet niet" never), its change from the first wave that asked it
  to the newest, and from the previous wave to the newest;
- a mean: the same changes of the mean (a report-card grade: "het rapportcijfer").

A change is a rise or a fall only when it is significant (z-test or Welch, α of the report);
a share's change is a candidate only from ``salience.MIN_GAP`` points; salience is the change
in points times ``salience.DIFFERENCE_WEIGHT`` (a mean: the change in tenths of its scale, so
0.2 on a grade counts as 2 points). The most salient change per question is told; the
questions are ordered by salience, those without a significant change last ("bleef ... gelijk"
with both numbers, never called a rise). Each told change gets the trend chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from peiling.analysis.trends import TrendError, TrendRow, TrendTable, Wave, trend_table
from peiling.reports.figures import trend_chart
from peiling.reports.model import Block, Chapter, FigureBlock, Paragraph, Section
from peiling.reports.salience import DIFFERENCE_WEIGHT, MIN_GAP
from peiling.reports.text import capitalise, quoted

__all__ = ["Change", "changes", "development_chapter", "sentence"]

TITLE = "Ontwikkeling"


@dataclass(frozen=True)
class Change:
    """A question's most telling change over the waves: from wave ``start`` to ``end``
    (positions), the values then and now, whether it is significant, and its salience."""

    table: TrendTable
    row: TrendRow
    start: int
    end: int
    significant: bool
    salience: float

    @property
    def direction(self) -> int:
        if not self.significant:
            return 0
        return 1 if self.row.values[self.end] > self.row.values[self.start] else -1


def changes(waves: Sequence[Wave], questions: Sequence[tuple[str, str]], *,
            alpha: float = 0.05) -> list[Change]:
    """The most telling change of each question (name, headline answer or "") over
    ``waves``, the significant ones first by salience, then the others in report order."""
    found: list[Change] = []
    for name, headline in questions:
        asked = [w for w in waves if name in w.dataset.variables]
        if len(asked) < 2:
            continue
        variable = asked[-1].dataset.variable(name)
        if variable.kind not in ("single", "numeric"):
            continue
        try:
            table = trend_table(waves, name, alpha=alpha)
        except TrendError:
            continue  # the trend page names the conflict; a report leaves the question out
        change = _most_telling(table, headline)
        if change is not None:
            found.append(change)
    told = sorted((c for c in found if c.significant), key=lambda c: -c.salience)
    return told + [c for c in found if not c.significant]


def _most_telling(table: TrendTable, headline: str) -> Change | None:
    newest = max((i for i, asked in enumerate(table.asked) if asked), default=None)
    if newest is None:
        return None
    if table.kind == "means":
        row = table.row("mean")
    else:
        rows = [r for r in table.rows if r.key != "weet_niet" and r.values[newest] is not None
                and "weet" not in r.label.casefold()]
        row = next((r for r in rows if r.key == headline), None) or max(
            rows, key=lambda r: r.values[newest] or 0.0, default=None)
        if row is None:
            return None
    asked = [i for i, value in enumerate(row.values) if value is not None]
    if len(asked) < 2:
        return None
    first, previous = asked[0], asked[-2]
    options = []
    for start, mark in ((first, row.first[newest]), (previous, row.previous[newest])):
        gap = abs(row.values[newest] - row.values[start])
        points = gap if table.kind == "shares" else gap * 10
        significant = mark in (1, -1) and (table.kind == "means" or gap >= MIN_GAP)
        options.append(Change(table, row, start, newest, significant,
                              DIFFERENCE_WEIGHT * points))
    significant = [c for c in options if c.significant]
    return max(significant, key=lambda c: c.salience) if significant else options[0]


def _number(table: TrendTable, value: float) -> str:
    if table.kind == "shares":
        return f"{round(value + 1e-9):.0f}%"
    return f"{value:.1f}".replace(".", ",")


def sentence(change: Change) -> str:
    """"Het gemiddelde rapportcijfer steeg van 6,7 in 2008 naar 6,9 in 2015; de stijging is
    significant." A change that is not significant is never a rise."""
    table, row = change.table, change.row
    then, now = row.values[change.start], row.values[change.end]
    start, end = table.waves[change.start], table.waves[change.end]
    if table.kind == "means":
        what = f"het gemiddelde van {quoted(table.title)}"
    else:
        what = f"het aandeel {quoted(row.label)} bij {quoted(table.title)}"
    numbers = (f"van {_number(table, then)} in {start} naar {_number(table, now)} in {end}")
    if change.direction > 0:
        return capitalise(f"{what} steeg {numbers}; de stijging is significant.")
    if change.direction < 0:
        return capitalise(f"{what} daalde {numbers}; de daling is significant.")
    if _number(table, then) == _number(table, now):
        return capitalise(f"{what} bleef gelijk: {_number(table, now)} in {start} en in {end}.")
    return capitalise(f"{what} was {_number(table, then)} in {start} en "
                      f"{_number(table, now)} in {end}; dat verschil is niet significant.")


def development_chapter(found: Sequence[Change], number: str, *,
                        figure_numbers: Sequence[str] = ()) -> Chapter:
    """The chapter: a paragraph on the series, then per question its sentence, and the trend
    chart of each significant change (numbered ``figure_numbers``, in order)."""
    waves = found[0].table.waves if found else ()
    intro = (f"Dit hoofdstuk vergelijkt de uitkomsten met de eerdere metingen "
             f"({', '.join(waves[:-1])}). Een verschil heet alleen een stijging of daling als "
             "het statistisch significant is.") if waves else ""
    blocks: list[Block] = [Paragraph(intro)] if intro else []
    numbers = iter(figure_numbers)
    for change in found:
        blocks.append(Paragraph(sentence(change)))
        if change.significant:
            chart, text = trend_chart(change.table)
            figure_number = next(numbers, "")
            if figure_number:
                blocks.append(FigureBlock(figure_number, change.table.title, True,
                                          "% per meting" if change.table.kind == "shares"
                                          else "gemiddelde per meting, met 95%-interval",
                                          chart, text, (change.table.footnote,)))
    return Chapter(number, TITLE, "development",
                   (Section(f"{number}.1", "Ontwikkeling over de metingen", tuple(blocks)),))
