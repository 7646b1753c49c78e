"""XLSX export: a ``data`` sheet (ODK/KoboToolbox columns) and a ``codebook`` sheet.

The workbook's XML is written here directly (Office Open XML, ECMA-376 Part 1, SpreadsheetML)
and streamed into the zip, because a general-purpose writer spends microseconds per cell and an
export has millions: each distinct value of a column becomes its cell XML once, and a row is
the join of its cells. Text goes into the shared-string table, numbers into ``<v>``, dates and
times as serial numbers with a date format. Cells carry no ``r`` reference: they follow each
other in their row (``r`` is optional, 18.3.1.4), and an empty cell is an empty ``<c/>``.

Text a spreadsheet would run as a formula is neutralised (``columns.neutralise``); characters
XML cannot hold (control characters) become U+FFFD; cells are cut to Excel's 32,767
characters. Each is reported in a notice. Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import numpy as np
from numpy.typing import NDArray

from peiling.background import InBackground
from peiling.exchange.codebook import Entry, codebook_entries
from peiling.exchange.columns import (
    TEXT_KINDS,
    FlatColumn,
    flat_columns,
    fuse,
    neutralise,
    neutralised_cells,
)
from peiling.exchange.writers import (
    ExportData,
    NotExportable,
    Notice,
    WriteOptions,
    Writer,
    Written,
)

__all__ = ["MAX_CELL_CHARACTERS", "MAX_COLUMNS", "MAX_ROWS", "XlsxWriter"]

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_CHARACTERS = 32_767
CHUNK_ROWS = 5_000
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
# Style indexes in STYLES' cellXfs.
_BOLD, _DATE, _DATETIME, _WRAP = 1, 2, 3, 4

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'  # noqa: E501
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
    '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'  # noqa: E501
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'  # noqa: E501
    "</Types>"
)
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
    '<sheet name="data" sheetId="1" r:id="rId1"/><sheet name="codebook" sheetId="2" r:id="rId2"/>'
    "</sheets></workbook>"
)
WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/worksheet" Target="worksheets/sheet2.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId4" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment wrapText="1" vertical="top"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>{cols}<sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"
CODEBOOK_HEADER = (
    "variable",
    "label",
    "type",
    "measure",
    "choices",
    "routing",
    "asked",
    "answered",
    "columns",
)
CODEBOOK_WIDTHS = (24, 60, 16, 10, 50, 40, 9, 11, 30)


class _Strings:
    """The shared-string table: each distinct text once, with what was changed to fit."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.replaced = 0
        self.cut = 0

    def cells(self, texts: Sequence[str], style: int = 0) -> list[str]:
        """Return the cell XML of each of ``texts`` (already neutralised)."""
        if _ILLEGAL_XML.search("".join(texts)):
            texts = [self._legal(text) for text in texts]
        if max(map(len, texts), default=0) > MAX_CELL_CHARACTERS:
            texts = [self._cut(text) for text in texts]
        index = self.index
        shown = f' s="{style}"' if style else ""
        return [f'<c t="s"{shown}><v>{index.setdefault(t, len(index))}</v></c>' for t in texts]

    def cell(self, text: str, style: int = 0) -> str:
        return self.cells([text], style)[0]

    def _legal(self, text: str) -> str:
        text, count = _ILLEGAL_XML.subn("\ufffd", text)
        self.replaced += count
        return text

    def _cut(self, text: str) -> str:
        if len(text) <= MAX_CELL_CHARACTERS:
            return text
        self.cut += 1
        return text[: MAX_CELL_CHARACTERS - 1] + "…"

    def xml(self) -> str:
        # One escape over all texts: NUL cannot be in them (XML has no NUL; _legal removed it).
        joined = escape("\x00".join(self.index))
        items = joined.replace("\x00", '</t></si><si><t xml:space="preserve">')
        items = f'<si><t xml:space="preserve">{items}</t></si>' if self.index else ""
        count = len(self.index)
        return _HEAD + f'<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">{items}</sst>'


class XlsxWriter(Writer):
    format = "xlsx"
    suffixes = (".xlsx",)
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    description = "Excel workbook: a data sheet and a codebook sheet"
    options = frozenset({"values"})

    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        columns = flat_columns(data, options.values)
        n = data.dataset.n
        if n + 1 > MAX_ROWS or len(columns) > MAX_COLUMNS:
            raise NotExportable(
                f"{n} rows and {len(columns)} columns do not fit an Excel sheet "
                f"({MAX_ROWS - 1} rows and {MAX_COLUMNS} columns at most); export CSV or Parquet"
            )
        strings = _Strings()
        notices: list[Notice] = []
        lookups = [_lookup(column, strings, notices) for column in columns]
        header = "".join(strings.cell(neutralise(c.name), _BOLD) for c in columns)
        codebook = _codebook_rows(codebook_entries(data), strings)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
            archive.writestr("_rels/.rels", ROOT_RELS)
            archive.writestr("xl/workbook.xml", WORKBOOK)
            archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
            archive.writestr("xl/styles.xml", STYLES)
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                _write_data(sheet, header, lookups, columns, n)
            archive.writestr("xl/worksheets/sheet2.xml", codebook)
            archive.writestr("xl/sharedStrings.xml", strings.xml())
        if strings.replaced:
            message = f"{strings.replaced} control characters replaced by U+FFFD (XML has none)"
            notices.append(Notice("characters_replaced", "", message, strings.replaced))
        if strings.cut:
            message = f"{strings.cut} texts cut to {MAX_CELL_CHARACTERS} characters (Excel's limit)"
            notices.append(Notice("label_truncated", "", message, strings.cut))
        return Written(tuple(column.name for column in columns), tuple(notices))


def _lookup(column: FlatColumn, strings: _Strings, notices: list[Notice]) -> NDArray[Any]:
    """Return the cell XML of each distinct value, and an empty cell last (code -1)."""
    if column.kind in TEXT_KINDS:
        shown = [neutralise(str(value)) for value in column.values]
        notice = neutralised_cells(column, shown)
        if notice is not None:
            notices.append(notice)
        cells = strings.cells(shown)
    elif column.kind in ("number", "choice"):
        cells = [f"<c><v>{_number(value)}</v></c>" for value in column.values]
    elif column.kind == "date":
        cells = [f'<c s="{_DATE}"><v>{_serial(value)}</v></c>' for value in column.values]
    elif column.kind == "datetime":
        cells = [f'<c s="{_DATETIME}"><v>{_serial(value)}</v></c>' for value in column.values]
    else:
        raise ValueError(f"unknown column kind {column.kind!r}")
    return np.array([*cells, "<c/>"], dtype=object)


def _write_data(
    sheet: IO[bytes],
    header: str,
    lookups: Sequence[NDArray[Any]],
    columns: Sequence[FlatColumn],
    n: int,
) -> None:
    sheet.write(_SHEET_START.format(cols="").encode("utf-8"))
    sheet.write(f'<row r="1">{header}</row>'.encode())
    fused = fuse(lookups, [column.codes for column in columns], "")
    # zlib compresses one chunk (without the GIL) while the next one's XML is built.
    with InBackground(sheet.write) as compressing:
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            cells = [lookup[codes[start:stop]].tolist() for lookup, codes in fused]
            rows = map("".join, zip(*cells, strict=True)) if cells else [""] * (stop - start)
            text = "".join(f'<row r="{number}">{row}</row>'
                           for number, row in enumerate(rows, start=start + 2))  # fmt: skip
            compressing.put(text.encode("utf-8"))
    sheet.write(_SHEET_END.encode("utf-8"))


def _codebook_rows(entries: Iterable[Entry], strings: _Strings) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(CODEBOOK_WIDTHS, start=1)
    )
    rows = ["".join(strings.cell(h, _BOLD) for h in CODEBOOK_HEADER)]
    for entry in entries:
        choices = "\n".join(
            f"{'' if c.code is None else f'{c.code} '}{c.name}: {c.label}" for c in entry.choices
        )
        texts = [entry.name, entry.label, entry.type or "", entry.measure, choices, entry.routing]
        cells = [strings.cell(neutralise(t), _WRAP) if t else "<c/>" for t in texts]
        cells += [f"<c><v>{entry.asked}</v></c>", f"<c><v>{entry.answered}</v></c>"]
        cells.append(strings.cell(neutralise(" ".join(entry.columns)), _WRAP))
        rows.append("".join(cells))
    body = "".join(f'<row r="{i}">{row}</row>' for i, row in enumerate(rows, start=1))
    return _SHEET_START.format(cols=f"<cols>{cols}</cols>") + body + _SHEET_END


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _serial(value: dt.date) -> str:
    """Return Excel's serial number of a date or time (days since 1899-12-30)."""
    if isinstance(value, dt.datetime):
        delta = value - _EPOCH
        return repr(delta.days + delta.seconds / 86_400)
    return str((value - _EPOCH.date()).days)
