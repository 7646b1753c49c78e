"""XLSX export, read back with openpyxl and pandas: cells, types, neutralised text, codebook."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from peiling.analysis.dataset import Dataset, Variable
from peiling.exchange import workbook
from peiling.exchange.delimited import CsvWriter
from peiling.exchange.workbook import XlsxWriter
from peiling.exchange.writers import ExportData, NotExportable, WriteOptions

HEADER = ["org", "st_a", "st_b", "wens", "kanalen", "kanalen/web", "kanalen/telefoon",
          "kanalen/balie", "pct", "uren", "toelichting", "datum"]  # fmt: skip


def write(data: ExportData, tmp_path: Path, **options: object) -> Path:
    path = tmp_path / "antwoorden.xlsx"
    XlsxWriter().write(data, path, WriteOptions(**options))  # type: ignore[arg-type]
    return path


def test_data_sheet_cells(data: ExportData, tmp_path: Path) -> None:
    book = load_workbook(write(data, tmp_path))
    assert book.sheetnames == ["data", "codebook"]
    sheet = book["data"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        HEADER,
        ["gemeente", "eens", "weet_niet", "wenselijk", "web balie", 1, 0, 1, 40, 7.5, "'=1+1",
         dt.datetime(2024, 5, 1)],
        ["rijk", None, None, "weet_niet", "telefoon", 0, 1, 0, None, None, "Prima", None],
        ["gemeente", "oneens", None, "onwenselijk", None, None, None, None, 0, 12, "'-2+3",
         dt.datetime(2024, 6, 30)],
        ["overig", None, None, "neutraal", "web telefoon balie", 1, 1, 1, None, 0.25,
         "'@SUM(A1)", None],
        [None] * 10 + ["'+31 6 1234", None],
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b is True


def test_formula_like_text_is_a_neutralised_string_cell(data: ExportData, tmp_path: Path) -> None:
    sheet = load_workbook(write(data, tmp_path))["data"]
    for row, text in ((2, "'=1+1"), (4, "'-2+3"), (5, "'@SUM(A1)"), (6, "'+31 6 1234")):
        cell = sheet.cell(row=row, column=11)
        assert (cell.value, cell.data_type) == (text, "s")
    assert sheet["I2"].data_type == "n" and sheet["L2"].is_date
    with zipfile.ZipFile(tmp_path / "antwoorden.xlsx") as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no cell is a formula


def test_labels_instead_of_names(data: ExportData, tmp_path: Path) -> None:
    sheet = load_workbook(write(data, tmp_path, values="labels"))["data"]
    assert [c.value for c in sheet[2]][:5] == [
        "Gemeente",
        "Mee eens",
        "Weet niet",
        "Wenselijk",
        "Website; Balie",
    ]


def test_pandas_reads_the_same_table_as_from_the_csv(data: ExportData, tmp_path: Path) -> None:
    from_xlsx = pd.read_excel(write(data, tmp_path), sheet_name="data", dtype=str)
    CsvWriter().write(data, tmp_path / "a.csv")
    from_csv = pd.read_csv(tmp_path / "a.csv", dtype=str)
    from_xlsx["datum"] = from_xlsx["datum"].str.slice(0, 10)
    from_xlsx["uren"] = from_xlsx["uren"].where(from_xlsx["uren"] != "12.0", "12")
    pd.testing.assert_frame_equal(from_xlsx, from_csv)


def test_codebook_sheet(data: ExportData, tmp_path: Path) -> None:
    sheet = load_workbook(write(data, tmp_path))["codebook"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["variable", "label", "type", "measure", "choices", "routing", "asked",
                       "answered", "columns"]  # fmt: skip
    assert rows[2] == [
        "st_a", "Mijn gemeente is innovatief.", "select_one", "ordinal",
        "1 eens: Mee eens\n2 neutraal: Neutraal\n3 oneens: Mee oneens\n-1 weet_niet: Weet niet",
        "${org} = 'gemeente'", 2, 2, "st_a",
    ]  # fmt: skip
    assert rows[5] == [
        "kanalen", "Welke kanalen gebruikt u?", "select_multiple", "nominal",
        "web: Website\ntelefoon: Telefoon\nbalie: Balie", None, 5, 3,
        "kanalen kanalen/web kanalen/telefoon kanalen/balie",
    ]  # fmt: skip
    assert len(rows) == 10


def test_paradata_times_are_excel_times(data_with_paradata: ExportData, tmp_path: Path) -> None:
    sheet = load_workbook(write(data_with_paradata, tmp_path))["data"]
    assert [c.value for c in sheet[2]][:7] == [
        "panel",
        "completed",
        dt.datetime(2024, 5, 1, 9, 0),
        dt.datetime(2024, 5, 1, 9, 7, 30),
        450,
        "desktop",
        "nl",
    ]
    assert sheet["D5"].value is None


def test_control_characters_are_replaced_and_reported(tmp_path: Path) -> None:
    dataset = Dataset([Variable("t", "text", "Tekst")], {"t": ["a\x01b\x02", "gewoon"]})
    report = XlsxWriter().write(ExportData(dataset), tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["data"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["a\ufffdb\ufffd", "gewoon"]
    assert report.lines() == ["2 control characters replaced by U+FFFD (XML has none)"]


def test_too_many_rows_for_a_sheet(
    data: ExportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_ROWS", 5)
    with pytest.raises(NotExportable) as caught:
        XlsxWriter().write(data, tmp_path / "a.xlsx")
    assert str(caught.value) == (
        "5 rows and 12 columns do not fit an Excel sheet (4 rows and 16384 columns at most); "
        "export CSV or Parquet"
    )
    assert list(tmp_path.iterdir()) == []
