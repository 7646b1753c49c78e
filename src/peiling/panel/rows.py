"""Read a member file (CSV or XLSX) into a header and numbered rows. Pure: no Django.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first member row 2;
blank rows are skipped but still counted. CSV must be UTF-8 (with or without a byte-order
mark), separated by commas or semicolons (what Dutch Excel writes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from peiling.panel.errors import MemberFileError

__all__ = ["MAX_FILE_BYTES", "Table", "read_table"]

MAX_FILE_BYTES = 50 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """The header cells and the non-blank rows, each as ``(row number, cells)``."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def read_table(data: bytes, name: str) -> Table:
    """Return the table in a member file's bytes; ``name`` is the file name, for messages
    and for the format (``.csv``, ``.txt``, ``.xlsx``; otherwise decided by the content).

    Raises
    ------
    MemberFileError
        The file is empty, too large, neither CSV nor XLSX, not UTF-8, or has no header.
    """
    if len(data) > MAX_FILE_BYTES:
        raise MemberFileError(f"{name}: the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    suffix = PurePath(name).suffix.lower()
    is_zip = data.startswith(_ZIP_MAGIC)
    if suffix == ".xlsx" or (suffix not in (".csv", ".txt") and is_zip):
        table = _read_xlsx(data, name)
    elif is_zip or b"\x00" in data[:4096]:
        raise MemberFileError(
            f"{name}: is not a CSV file (it holds binary data); save the member list as "
            f"CSV UTF-8 or as an Excel workbook (.xlsx)"
        )
    else:
        table = _read_csv(data, name)
    if not any(table.header):
        raise MemberFileError(f"{name}: the first row is empty; it must name the columns")
    return table


def _read_csv(data: bytes, name: str) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MemberFileError(
            f"{name}: is not UTF-8 text (byte {error.start + 1}); in Excel, save it as "
            f"'CSV UTF-8 (comma delimited)'"
        ) from None
    if not text.strip():
        raise MemberFileError(f"{name}: the file is empty; it needs a header row and members")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise MemberFileError(f"{name}: is not a readable CSV file ({error})") from None
    header = tuple(cell.strip() for cell in records[0])
    rows = tuple(
        (number, tuple(cell.strip() for cell in record))
        for number, record in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in record)
    )
    return Table(header, rows)


def _read_xlsx(data: bytes, name: str) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise MemberFileError(
            f"{name}: is not an Excel workbook (.xlsx); save the member list as .xlsx or as "
            f"CSV UTF-8"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        records = [
            (number, tuple(_cell_text(value) for value in values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    if not records:
        raise MemberFileError(f"{name}: the first sheet is empty; it needs a header row")
    header = records[0][1]
    rows = tuple((number, cells) for number, cells in records[1:] if any(cells))
    width = len(header)
    while width and not header[width - 1] and not any(
        len(cells) >= width and cells[width - 1] for _, cells in rows
    ):
        width -= 1
    return Table(header[:width], tuple((number, cells[:width]) for number, cells in rows))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
