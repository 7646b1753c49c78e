"""Excel: an index sheet, then one sheet per table (and per figure's data).

Numbers are stored as numbers: percentages as fractions with the format ``0%`` (so 0.4351
shows 44% and sums correctly), counts as integers, means with one decimal. Each sheet has
the number and title, the bases (n) per column, the footnotes; significance shows as in the
other formats (underlined lower, bold higher) with letters in columns of their own.

Every text cell is written as a string, never as a formula: a label or answer such as
``=HYPERLINK(...)``, ``+cmd`` or ``@SUM(A1)`` is stored as that text and marked
``quotePrefix``, so Excel keeps it text even when someone edits the cell.
"""

from __future__ import annotations

import io
from typing import Any, ClassVar

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from peiling.reports.layout import Cell, Grid, caption_title, table_grid
from peiling.reports.model import FigureBlock, Report, TableBlock
from peiling.reports.renderers import Assets, Renderer, register
from peiling.reports.text import date_long, number, safe_text

__all__ = ["XlsxRenderer", "sheet_name"]

ACCENT = "1D4F91"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TITLE = Font(bold=True, size=13, color=ACCENT)
BOLD = Font(bold=True)
HEAD = Font(bold=True, size=9, color=ACCENT)
NOTE = Font(italic=True, size=9, color="4D4D4D")
WRAP = Alignment(wrap_text=True, vertical="top")


def put(sheet: Worksheet, row: int, column: int, value: Any, font: Font | None = None) -> Any:
    """Write one cell: text always as a string (never a formula), numbers as numbers."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = safe_text(value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    if font is not None:
        cell.font = font
    return cell


def sheet_name(label: str) -> str:
    """Return an Excel sheet name for "Tabel 3.1" (at most 31 characters, no []:*?/\\)."""
    return "".join("_" if c in "[]:*?/\\" else c for c in label)[:31]


def _index(workbook: Workbook, report: Report) -> Worksheet:
    sheet = workbook.active
    sheet.title = "Inhoud"
    put(sheet, 1, 1, report.title, TITLE)
    row = 2
    if report.subtitle:
        put(sheet, row, 1, report.subtitle)
        row += 1
    facts = report.facts
    put(sheet, row, 1, f"Aantal deelnemers: {number(facts.n)}")
    row += 1
    if facts.start and facts.end:
        put(sheet, row, 1, f"Veldwerk: {date_long(facts.start)} tot en met {date_long(facts.end)}")
        row += 1
    row += 1
    for column, head in enumerate(("Nummer", "Titel", "Blad"), start=1):
        put(sheet, row, column, head, HEAD)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100
    sheet.column_dimensions["C"].width = 14
    return sheet


def _link(index: Worksheet, row: int, label: str, title: str, name: str) -> None:
    put(index, row, 1, label)
    put(index, row, 2, title).alignment = WRAP
    cell = put(index, row, 3, name)
    cell.hyperlink = f"#'{name}'!A1"
    cell.font = Font(color=ACCENT, underline="single")


def _value(sheet: Worksheet, row: int, column: int, cell: Cell) -> None:
    target = put(sheet, row, column, cell.value if cell.value is not None else "–")
    if cell.value is not None:
        target.number_format = cell.number_format
    if cell.mark == 1:
        target.font = BOLD
    elif cell.mark == -1:
        target.font = Font(underline="single")
    target.alignment = Alignment(horizontal="right")


def _table_sheet(workbook: Workbook, block: TableBlock) -> Worksheet:
    grid: Grid = table_grid(block)
    sheet = workbook.create_sheet(sheet_name(block.label))
    put(sheet, 1, 1, block.label, TITLE)
    put(sheet, 2, 1, caption_title(block)).alignment = WRAP
    row = 4
    put(sheet, row, 1, grid.stub, HEAD)
    column = 2
    for head in grid.heads:
        title = head.label + (f" ({head.letter})" if head.letter else "")
        put(sheet, row, column, title, HEAD).alignment = Alignment(
            wrap_text=True, horizontal="right"
        )
        if head.span > 1:
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row, end_column=column + head.span - 1
            )
        column += head.span
    row += 1
    put(sheet, row, 1, "n", HEAD)
    column = 2
    for head, table_column in zip(grid.heads, block.table.columns, strict=True):
        put(sheet, row, column, table_column.base).number_format = "#,##0"
        column += head.span
    if grid.subheads:
        row += 1
        for i, sub in enumerate(grid.subheads):
            put(sheet, row, 2 + i, sub, HEAD)
    letters = any(c.letters for r in grid.rows for c in r.cells)
    width = len(grid.rows[0].cells) if grid.rows else 0
    if letters:
        put(sheet, row, 2 + width, "Significant hoger dan kolom", HEAD)
    for grid_row in grid.rows:
        row += 1
        put(sheet, row, 1, grid_row.label, BOLD if grid_row.role == "total" else None)
        sheet.cell(row=row, column=1).alignment = WRAP
        for j, cell in enumerate(grid_row.cells):
            _value(sheet, row, 2 + j, cell)
            if letters and cell.letters:
                put(sheet, row, 2 + width + j, cell.letters)
    row += 1
    for note in grid.footnotes:
        row += 1
        put(sheet, row, 1, note, NOTE)
    sheet.column_dimensions["A"].width = 55
    for j in range(2, 2 + width * (2 if letters else 1)):
        sheet.column_dimensions[get_column_letter(j)].width = 15
    sheet.freeze_panes = "B6"
    return sheet


def _figure_sheet(workbook: Workbook, block: FigureBlock) -> Worksheet:
    sheet = workbook.create_sheet(sheet_name(block.label))
    put(sheet, 1, 1, block.label, TITLE)
    title = f"‘{block.title}’" if block.quoted else block.title
    put(sheet, 2, 1, f"{title} ({block.subtitle})" if block.subtitle else title).alignment = WRAP
    chart = block.chart
    heads = ([s.label for s in chart.series] if chart.kind in ("stacked", "trend")
             else ["%"])
    means = chart.kind == "trend" and chart.series[0].key == "mean"
    for j, head in enumerate([*heads, "n"], start=2):
        put(sheet, 4, j, head, HEAD)
    for i, chart_row in enumerate(chart.rows, start=5):
        put(sheet, i, 1, chart_row.label).alignment = WRAP
        for j, value in enumerate(chart_row.values, start=2):
            if value != value:  # NaN: a wave that did not ask the question
                continue
            if means:
                put(sheet, i, j, value).number_format = "0.0"
            else:
                put(sheet, i, j, value / 100.0).number_format = "0%"
        put(sheet, i, 2 + len(chart_row.values), chart_row.base)
    sheet.column_dimensions["A"].width = 60
    return sheet


@register
class XlsxRenderer(Renderer):
    format: ClassVar[str] = "xlsx"
    extension: ClassVar[str] = ".xlsx"
    content_type: ClassVar[str] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )

    def render(self, report: Report, *, assets: Assets | None = None) -> bytes:
        workbook = Workbook()
        index = _index(workbook, report)
        row = index.max_row
        for _, _, block in report.blocks():
            if isinstance(block, TableBlock):
                sheet = _table_sheet(workbook, block)
                title = caption_title(block)
            elif isinstance(block, FigureBlock):
                sheet = _figure_sheet(workbook, block)
                title = sheet.cell(row=2, column=1).value
            else:
                continue
            row += 1
            _link(index, row, block.label, str(title), sheet.title)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
