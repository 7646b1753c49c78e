"""Tables as files: an Excel workbook with a sheet per table (the tab book, "tabellenboek")
and one table as CSV. Pure Python (openpyxl), no Django.

In the workbook every percentage is stored unrounded, as a fraction with a percent format, so
Excel shows what the report shows and still computes with the exact value; significance
letters and the higher/lower-than-the-rest marks sit in a column of their own beside each
value. The heads (question, filter, column labels, letters and bases) stay in view while
scrolling (frozen panes), and a legend under each table says what the marks mean. With
``index`` the first sheet lists every table with a link to its sheet.

Texts that a spreadsheet would run as a formula (a label starting with ``=``) are written as
text (``columns.neutralise``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from peiling.analysis import Row, Table
from peiling.exchange.columns import neutralise

__all__ = ["LEGEND", "table_csv", "tables_workbook"]

#: What the marks mean, under every table that has them.
LEGEND = (
    "Letters: the percentage is significantly higher than in the column with that letter.",
    "▲ / ▼: significantly higher / lower than in the rest of the respondents.",
)
_MARKS = {1: "▲", -1: "▼"}


def tables_workbook(tables: Sequence[Table], *, title: str = "", index: bool = False,
                    legend: Sequence[str] = LEGEND) -> bytes:
    """Return an XLSX workbook with one sheet per table (and an index sheet first)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    contents = workbook.create_sheet(_sheet_name("Inhoud", used)) if index else None
    names = []
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.name, used))
        names.append(sheet.title)
        _write_table(sheet, table, legend, Font)
    if contents is not None:
        contents.append([neutralise(title or "Tabellen")])
        contents["A1"].font = Font(bold=True, size=13)
        contents.append([])
        for table, name in zip(tables, names, strict=True):
            contents.append([neutralise(table.name), neutralise(table.title)])
            cell = contents.cell(row=contents.max_row, column=1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1")
            cell.style = "Hyperlink"
        contents.column_dimensions["A"].width = 24
        contents.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_table(sheet: Any, table: Table, legend: Sequence[str], font: Any) -> None:
    sheet.append([neutralise(f"{table.name} — {table.title}" if table.title else table.name)])
    sheet["A1"].font = font(bold=True)
    sheet.append([neutralise(f"Filter: {table.filter}") if table.filter else ""])
    heads: list[Any] = [""]
    letters: list[Any] = [""]
    bases: list[Any] = ["n"]
    for column in table.columns:
        heads += [neutralise(column.label), ""]
        letters += [f"({column.letter})" if column.letter else "", ""]
        bases += [column.base, ""]
    sheet.append(heads)
    sheet.append(letters)
    sheet.append(bases)
    if table.weighted:
        sheet.append(["n gewogen", *(x for c in table.columns for x in (c.weighted_base, ""))])
    for cell in sheet[3]:
        cell.font = font(bold=True)
    sheet.freeze_panes = f"B{sheet.max_row + 1}"
    marked = False
    for row in table.rows:
        cells: list[Any] = [neutralise(row.label)]
        for i, value in enumerate(row.rounded):
            marks = _marks(row, i)
            marked = marked or bool(marks)
            cells += [_excel_value(row.values[i], row.kind, value), marks]
        sheet.append(cells)
        for position, kind_format in _number_formats(row.kind, row.decimals, len(row.values)):
            sheet.cell(row=sheet.max_row, column=position).number_format = kind_format
    sheet.append([])
    for note in table.notes:
        sheet.append([neutralise(note)])
    if marked:
        for line in legend:
            sheet.append([line])
    sheet.column_dimensions["A"].width = 45


def _marks(row: Row, column: int) -> str:
    """The significance letters and the higher/lower-than-the-rest mark of one cell."""
    letters = row.sig[column] if row.sig else ""
    return letters + (_MARKS.get(row.rest[column], "") if row.rest else "")


def _excel_value(exact: float | None, kind: str, rounded: float | int | None) -> Any:
    """Store the unrounded value; Excel's format shows it rounded (percent as a fraction)."""
    if exact is None:
        return None
    if kind in ("statistic", "net_score"):
        return exact
    return exact / 100.0


def _number_formats(kind: str, decimals: int, count: int) -> list[tuple[int, str]]:
    if kind == "statistic":
        fmt = "0." + "0" * decimals if decimals else "0"
    elif kind == "net_score":
        fmt = "+0;-0;0"
    else:
        fmt = "0%"
    return [(2 + 2 * i, fmt) for i in range(count)]


def _sheet_name(name: str, used: set[str]) -> str:
    """Return a unique Excel sheet name (31 characters, none of []:*?/\\) for ``name``."""
    base = re.sub(r"[\[\]:*?/\\']", "_", name)[:31] or "tabel"
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f"~{number}"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


def table_csv(table: Table, *, delimiter: str = ";") -> str:
    """Return ``table`` as CSV text: a head row of column labels with their letters, a row of
    bases, then a row per answer with the rounded values and, after them, the marks. With
    ``;`` (Dutch Excel) numbers get a decimal comma."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    comma = delimiter == ";"

    def number(value: float | int | None) -> str:
        if value is None:
            return ""
        text = str(value)
        return text.replace(".", ",") if comma else text

    writer.writerow([neutralise(f"{table.name} — {table.title}" if table.title else table.name)])
    if table.filter:
        writer.writerow([neutralise(f"Filter: {table.filter}")])
    writer.writerow(["", *(neutralise(c.label) + (f" ({c.letter})" if c.letter else "")
                           for c in table.columns), "significantie"])
    writer.writerow(["n", *(c.base for c in table.columns), ""])
    if table.weighted:
        writer.writerow(["n gewogen", *(number(round(c.weighted_base, 1))
                                        for c in table.columns), ""])
    for row in table.rows:
        marks = []
        for i, column in enumerate(table.columns):
            mark = _marks(row, i)
            if mark:
                marks.append(f"{column.letter or column.label}: {mark}")
        writer.writerow([neutralise(row.label), *(number(v) for v in row.rounded),
                         "; ".join(marks)])
    for note in table.notes:
        writer.writerow([neutralise(note)])
    return buffer.getvalue()
