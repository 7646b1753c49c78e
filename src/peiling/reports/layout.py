"""How a table block is laid out, once for every format: heads with n, cells, marks, notes.

Renderers draw a ``Grid``; none of them decides what a cell says. So "44%" in the HTML is
"44%" in Word, 0.44 with format ``0%`` in Excel, and the same underlined cell everywhere.

Marks: a percentage significantly *lower* than the rest of the total is underlined, a
*higher* one bold (as Tabel 3.4 of the reference report underlines); letters name the columns
a percentage is significantly higher than, as SPSS and Q print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from peiling.analysis import Row, Table, round_half_up
from peiling.reports.model import TableBlock
from peiling.reports.text import decimal, number, quoted

__all__ = ["Cell", "Grid", "GridRow", "Head", "caption_title", "table_grid"]

RowRole: TypeAlias = Literal[
    "category", "dont_know", "net", "net_score", "total", "statistic", "statement"
]
SMALL_BASE_MARK = "†"
MARK_WORDS = {1: "significant hoger", -1: "significant lager"}


@dataclass(frozen=True)
class Head:
    """A column head: label, "n = 532" (with † for a small base), significance letter."""

    label: str
    base: str
    letter: str = ""
    span: int = 1


@dataclass(frozen=True)
class Cell:
    """One value: its text, the number a spreadsheet stores and how it shows it, its marks."""

    text: str
    value: float | int | None
    number_format: str = "0%"
    mark: int = 0
    letters: str = ""

    @property
    def spoken(self) -> str:
        """Return the text with the marks in words, for screen readers and plain text."""
        words = [self.text]
        if self.mark:
            words.append(f"({MARK_WORDS[self.mark]})")
        if self.letters:
            words.append(f"(hoger dan {', '.join(self.letters)})")
        return " ".join(words)


@dataclass(frozen=True)
class GridRow:
    label: str
    role: RowRole
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Grid:
    """A table ready to draw: heads (and sub-heads for count/% pairs), rows, footnotes."""

    stub: str
    heads: tuple[Head, ...]
    subheads: tuple[str, ...]
    rows: tuple[GridRow, ...]
    footnotes: tuple[str, ...]


def shown_marks(table: Table) -> set[int]:
    """Return which marks a table shows: +1 (higher, bold) and/or -1 (lower, underlined).

    With two groups and their total (ICT / Overig / Totaal, as Tabel 3.4 of the reference
    report) a higher mark on one group is the lower mark on the other, so only the lower
    marks are shown.
    """
    marks = {m for row in table.rows for m in row.rest[: len(table.columns) - 1]} - {0}
    if _two_groups(table):
        marks.discard(1)
    return marks


def _two_groups(table: Table) -> bool:
    return len(table.columns) == 3 and table.columns[-1].key == "total"


def caption_title(block: TableBlock) -> str:
    """Return the title as printed: a question in quotes, then the breakdown in brackets."""
    title = quoted(block.title) if block.quoted else block.title
    return f"{title} ({block.breakdown})" if block.breakdown else title


def table_grid(block: TableBlock) -> Grid:
    """Return the grid of a table block."""
    if block.layout == "distribution":
        return _distribution_grid(block)
    table = block.table
    heads = tuple(
        Head(
            c.label,
            f"n\u00a0=\u00a0{number(c.base)}" + (SMALL_BASE_MARK if c.small_base else ""),
            c.letter,
        )
        for c in table.columns
    )
    marks = shown_marks(table)
    rows = [
        GridRow(r.label, _role(r), tuple(_cell(r, j, marks) for j in range(len(r.values))))
        for r in table.rows
    ]
    if block.total_row:
        cells = tuple(
            Cell("100%" if c.base else "–", 1.0 if c.base else None) for c in table.columns
        )
        rows.insert(_total_position(rows), GridRow("Totaal", "total", cells))
    stub = "Stelling" if table.kind == "grid" else ""
    return Grid(stub, heads, (), tuple(rows), block.footnotes)


def _role(row: Row) -> RowRole:
    if row.kind in ("category", "choice", "band"):
        return "category"
    if row.kind in ("dont_know", "net", "net_score", "statistic", "statement"):
        return row.kind  # type: ignore[return-value]
    raise ValueError(f"row kind must be one the analysis engine makes (got {row.kind!r})")


def _total_position(rows: list[GridRow]) -> int:
    """Put "Totaal" after the categories and "weet niet", before nets and net scores."""
    for i, row in enumerate(rows):
        if row.role in ("net", "net_score"):
            return i
    return len(rows)


def _cell(row: Row, j: int, marks: set[int] | frozenset[int] = frozenset()) -> Cell:
    value = row.values[j]
    mark = row.rest[j] if j < len(row.rest) else 0
    mark = mark if mark in marks else 0
    letters = row.sig[j] if j < len(row.sig) else ""
    if value is None:
        return Cell("–", None)
    if row.kind == "statistic":
        return Cell(decimal(value, row.decimals), value, "0." + "0" * row.decimals)
    if row.kind == "net_score":
        points = int(round_half_up(value))
        return Cell(f"{points:+d}" if points else "0", value, "+0;-0;0")
    return Cell(f"{int(round_half_up(value))}%", value / 100.0, "0%", mark, letters)


def _distribution_grid(block: TableBlock) -> Grid:
    """Count and % per column, as Tabel 4.1/4.2: "Gemeente 532 38%"."""
    table = block.table
    heads = tuple(Head(c.label, f"n\u00a0=\u00a0{number(c.base)}", span=2) for c in table.columns)
    rows = []
    for row in table.rows:
        if row.kind not in ("category", "dont_know"):
            continue
        cells: list[Cell] = []
        for j in range(len(table.columns)):
            count = row.counts[j] if row.counts else 0
            value = row.values[j]
            cells.append(Cell(number(count), count, "#,##0"))
            cells.append(_cell(row, j) if value is not None else Cell("–", None))
        rows.append(GridRow(row.label, "category", tuple(cells)))
    totals: list[Cell] = []
    for column in table.columns:
        totals.append(Cell(number(column.base), column.base, "#,##0"))
        totals.append(Cell("100%" if column.base else "–", 1.0 if column.base else None))
    rows.append(GridRow("Totaal", "total", tuple(totals)))
    subheads = ("Aantal", "%") * len(table.columns)
    return Grid("", heads, subheads, tuple(rows), block.footnotes)
