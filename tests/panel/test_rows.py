"""Reading member files: CSV (comma or semicolon, UTF-8) and XLSX, spreadsheet row numbers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from peiling.panel.errors import MemberFileError
from peiling.panel.rows import read_table


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    data = b"email,org_type\na@example.org,rijk\n\nb@example.org,gemeente\n"
    table = read_table(data, "leden.csv")
    assert table.header == ("email", "org_type")
    assert table.rows == ((2, ("a@example.org", "rijk")), (4, ("b@example.org", "gemeente")))


def test_semicolons_and_a_byte_order_mark_are_read() -> None:
    data = "\ufeffemail;name\n a@example.org ;Jan, de Vries\n".encode()
    assert read_table(data, "leden.csv").rows == ((2, ("a@example.org", "Jan, de Vries")),)


def test_xlsx_cells_become_text() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["email", "birth_year", "recruited_on", None])
    sheet.append(["a@example.org", 1970.0, dt.datetime(2017, 3, 1), None])
    sheet.append([None, None, None, None])
    sheet.append(["b@example.org", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "leden.xlsx")
    assert table.header == ("email", "birth_year", "recruited_on")
    assert table.rows == ((2, ("a@example.org", "1970", "2017-03-01")),
                          (4, ("b@example.org", "", "")))


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"PK\x03\x04rest", "leden.csv",
     "leden.csv: is not a CSV file (it holds binary data); save the member list as CSV UTF-8 "
     "or as an Excel workbook (.xlsx)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "foto.png",
     "foto.png: is not a CSV file (it holds binary data); save the member list as CSV UTF-8 "
     "or as an Excel workbook (.xlsx)"),
    (b"PK\x03\x04not really a workbook", "leden.xlsx",
     "leden.xlsx: is not an Excel workbook (.xlsx); save the member list as .xlsx or as CSV "
     "UTF-8"),
    ("email\nJosé@example.org\n".encode("cp1252"), "leden.csv",
     "leden.csv: is not UTF-8 text (byte 10); in Excel, save it as 'CSV UTF-8 (comma "
     "delimited)'"),
    (b"  \n", "leden.csv", "leden.csv: the file is empty; it needs a header row and members"),
    (b",,\na,b,c\n", "leden.csv", "leden.csv: the first row is empty; it must name the columns"),
])
def test_unreadable_files_are_refused_in_one_line(data: bytes, name: str, message: str) -> None:
    with pytest.raises(MemberFileError) as caught:
        read_table(data, name)
    assert caught.value.problems == (message,)
