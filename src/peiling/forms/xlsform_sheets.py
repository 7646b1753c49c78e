"""An XLSForm workbook's sheets as the user wrote them, with column names made canonical.

Reads ``.xlsx`` (openpyxl) and Excel 97-2003 ``.xls`` (xlrd), as pyxform does. Forms in the
wild spell their headers many ways: ``list name``, ``List_Name``, ``label:English`` (the older
single colon), ``bind::relevant``, ``constraint_message::English (en)``. Each header is
dealiased with pyxform's own ``process_header`` and alias tables, so peiling accepts what
pyxform accepts, and then named as the checker and the writer know it:

====================================  ====================================
written                               canonical
====================================  ====================================
``Label:English``, ``label::English``   ``label::English``
``bind::relevant``, ``relevance``       ``relevant``
``constraint_message:English (en)``     ``constraint_message::English (en)``
``list name``, ``List_Name``            ``list_name``
``rows``, ``bind::jr:preload``          ``rows``, ``bind::jr:preload`` (unknown: ignored)
====================================  ====================================

``Sheet.original`` keeps what the user wrote, so messages name the column as it is in Excel.
Language spellings that differ only in case (``label:English``, ``hint:english``) become one.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from peiling.forms.errors import FormError, Problem

__all__ = ["OLE2_SIGNATURE", "SUBJECT_COLUMN", "Sheet", "canonical_header", "read_sheets"]

#: The first bytes of an Excel 97-2003 workbook (and of a password-protected .xlsx).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

SURVEY_COLUMNS = frozenset({
    "type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
    "constraint_message", "calculation", "appearance", "choice_filter", "parameters", "default",
})  # fmt: skip
#: peiling's own survey column: what a question is about, for the findings of a report; it
#: may be translated (``peiling::subject::English (en)``).
SUBJECT_COLUMN = "peiling::subject"
TRANSLATABLE_COLUMNS = frozenset({"label", "hint", "required_message", "constraint_message"})
MEDIA_COLUMNS = frozenset({"image", "audio", "video", "big-image", "media"})
SETTINGS_COLUMNS = frozenset({"form_title", "form_id", "version", "default_language"})

#: pyxform's dealiased (group, key) -> peiling's column; the rest of the tokens is a language.
_FROM_PYXFORM = {
    ("bind", "relevant"): "relevant",
    ("bind", "constraint"): "constraint",
    ("bind", "calculate"): "calculation",
    ("bind", "required"): "required",
    ("bind", "jr:constraintMsg"): "constraint_message",
    ("bind", "jr:requiredMsg"): "required_message",
    ("bind", "readonly"): "read_only",
    ("control", "appearance"): "appearance",
    ("control", "rows"): "rows",
    ("control", "jr:count"): "repeat_count",
}
_SETTINGS_FROM_PYXFORM = {"title": "form_title", "id_string": "form_id"}


@dataclass
class Sheet:
    """A sheet: canonical header columns and the non-empty rows by Excel row number.

    ``original`` maps a canonical column to the header as written in the workbook.
    """

    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    original: dict[str, str] = field(default_factory=dict)
    #: Pairs of headers that name the same column (``relevant`` and ``bind::relevant``).
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    def used_columns(self) -> list[str]:
        return [c for c in self.columns if any(values.get(c) for _, values in self.rows)]

    def written(self, column: str) -> str:
        """Return ``column`` as the workbook spells it."""
        return self.original.get(column, column)


def canonical_header(sheet: str, header: str, *, double_colon: bool) -> str:
    """Return peiling's name for ``header`` of ``sheet`` (see the module docstring).

    ``double_colon`` says whether any header of the sheet uses ``::``; pyxform splits on a
    single colon only when none does.
    """
    from pyxform import aliases
    from pyxform.parsing.sheet_headers import process_header, to_snake_case

    header = header.strip()
    if sheet == "survey":
        known, table = SURVEY_COLUMNS, aliases.survey_header
    elif sheet == "settings":
        known, table = SETTINGS_COLUMNS | {"title", "id_string"}, aliases.settings_header
    else:
        known, table = frozenset({"list name", "name", "label"}), aliases.list_header
    _new, tokens = process_header(header, double_colon, table, known)
    first = to_snake_case(tokens[0])
    rest = [token for token in tokens[1:] if token]
    if sheet == "settings":
        return _SETTINGS_FROM_PYXFORM.get(first, first)
    if sheet not in ("survey", "choices"):
        return header
    if first in ("list name", "list_name"):
        return "list_name"
    if first == "media" and rest:
        first, rest = to_snake_case(rest[0]), rest[1:]
    elif len(tokens) >= 2 and (first, tokens[1]) in _FROM_PYXFORM:
        first, rest = _FROM_PYXFORM[(first, tokens[1])], rest[1:]
    elif sheet == "choices" and first not in known and first not in MEDIA_COLUMNS:
        return header  # a choice_filter column: expressions name it as written
    return "::".join([first, *rest])


def read_sheets(data: bytes) -> dict[str, Sheet]:
    """Return the sheets of a workbook's bytes by lower-case name, columns made canonical.

    Raises FormError for a file that cannot be read as a workbook.
    """
    raw = _xls_rows(data) if data.startswith(OLE2_SIGNATURE) else _xlsx_rows(data)
    sheets = {name: _sheet(name, rows) for name, rows in raw.items()}
    _unify_languages(sheets.values())
    return sheets


def _xlsx_rows(data: bytes) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for damaged files
        raise FormError([Problem(
            f"the workbook is damaged or not an .xlsx file and cannot be opened ({error})"
        )]) from None
    try:
        return {sheet.title.strip().lower(): [list(row) for row in sheet.iter_rows(
            values_only=True)] for sheet in workbook.worksheets}
    except Exception as error:  # a damaged sheet fails only when it is read
        raise FormError([Problem(f"the workbook is damaged and cannot be read ({error})")]
                        ) from None
    finally:
        workbook.close()


def _xls_rows(data: bytes) -> dict[str, list[list[Any]]]:
    """Read an Excel 97-2003 workbook with xlrd, as pyxform does (dates become ISO text)."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except Exception as error:  # xlrd raises XLRDError, CompDocError, struct errors...
        text = str(error)
        reason = ("it is password-protected or encrypted; save it without a password"
                  if "workbook" in text.lower() and "ole2" in text.lower()
                  else f"it is damaged ({text})")
        raise FormError([Problem(f"the Excel 97-2003 workbook (.xls) cannot be read: {reason}")]
                        ) from None
    try:
        return _xls_sheets(book)
    except Exception as error:  # with on_demand, a damaged sheet fails only when it is read
        raise FormError([Problem(f"the Excel 97-2003 workbook (.xls) cannot be read: it is "
                                 f"damaged ({error})")]) from None
    finally:
        book.release_resources()


def _xls_sheets(book: Any) -> dict[str, list[list[Any]]]:
    sheets: dict[str, list[list[Any]]] = {}
    for sheet in book.sheets():
        sheets[sheet.name.strip().lower()] = [
            [_xls_value(cell, book.datemode) for cell in sheet.row(number)]
            for number in range(sheet.nrows)]
    return sheets


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode).date().isoformat()
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _sheet(name: str, rows: list[list[Any]]) -> Sheet:
    sheet = Sheet(name)
    if not rows:
        return sheet
    written = [_cell_text(value) for value in rows[0]]
    double_colon = any("::" in header for header in written)
    for header in written:
        column = canonical_header(name, header, double_colon=double_colon) if header else ""
        if column in sheet.original:
            sheet.duplicates.append((sheet.original[column], header))
            column = ""
        elif column:
            sheet.original[column] = header
        sheet.columns.append(column)
    for number, values in enumerate(rows[1:], start=2):
        cells = [_cell_text(value) for value in values]
        row = {col: cell for col, cell in zip(sheet.columns, cells, strict=False) if col and cell}
        if row:
            sheet.rows.append((number, row))
    return sheet


def _unify_languages(sheets: Iterable[Sheet]) -> None:
    """Spell each language as its first column does: ``hint:english`` joins ``English``."""
    spelling: dict[str, str] = {}
    for sheet in sheets:
        if sheet.name not in ("survey", "choices"):
            continue
        renamed = {}
        for column in sheet.columns:
            base, sep, language = column.partition("::")
            if not sep or base not in TRANSLATABLE_COLUMNS | MEDIA_COLUMNS:
                continue
            first = spelling.setdefault(language.strip().lower(), language.strip())
            if first != language:
                renamed[column] = f"{base}::{first}"
        if renamed:
            _rename(sheet, renamed)


def _rename(sheet: Sheet, renamed: Mapping[str, str]) -> None:
    sheet.columns = [renamed.get(column, column) for column in sheet.columns]
    sheet.original = {renamed.get(column, column): text for column, text in sheet.original.items()}
    sheet.rows = [(number, {renamed.get(c, c): v for c, v in values.items()})
                  for number, values in sheet.rows]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
