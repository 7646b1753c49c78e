"""The tab book workbook and the table CSV, read back with openpyxl and csv."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from peiling.analysis import Column, Row, Table
from peiling.exchange.tablebook import LEGEND, table_csv, tables_workbook


def _table(name: str, title: str, label: str = "Ja") -> Table:
    columns = (Column("a", "Gemeente", 40, 40.0, 40.0, "A"), Column("t", "Totaal", 100, 100.0,
                                                                    100.0))
    rows = (Row("ja", label, "category", (62.5, 48.0), sig=("", ""), rest=(1, 0)),
            Row("nee", "Nee", "category", (37.5, 52.0)))
    return Table(name, title, "frequency", columns, rows, notes=("Bron: test.",))


def test_the_workbook_has_an_index_and_a_sheet_per_table() -> None:
    data = tables_workbook([_table("q1", "Eerste vraag"), _table("q2", "Tweede vraag")],
                           title="Tabellenboek", index=True)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Inhoud", "q1", "q2"]
    index = book["Inhoud"]
    assert index["A1"].value == "Tabellenboek"
    assert [(index.cell(r, 1).value, index.cell(r, 2).value) for r in (3, 4)] == [
        ("q1", "Eerste vraag"), ("q2", "Tweede vraag")]
    assert index.cell(3, 1).hyperlink.location == "'q1'!A1"
    sheet = book["q1"]
    assert sheet.freeze_panes == "B6"  # title, filter, heads, letters, bases stay in view
    values = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    assert values["Ja"][1].value == 0.625 and values["Ja"][1].number_format == "0%"
    assert values["Ja"][2].value == "▲"
    texts = [row[0].value for row in sheet.iter_rows()]
    assert LEGEND[0] in texts and "Bron: test." in texts


def test_a_label_that_looks_like_a_formula_stays_text() -> None:
    book = load_workbook(io.BytesIO(tables_workbook([_table("q1", "=SUM(A1)", "=1+1")])))
    sheet = book["q1"]
    assert sheet["A1"].value == "q1 — =SUM(A1)"  # does not start with "=": text as it is
    labels = [row[0].value for row in sheet.iter_rows() if row[0].value]
    assert "'=1+1" in labels and "=1+1" not in labels
    lines = list(csv.reader(io.StringIO(table_csv(_table("q1", "x", "=1+1"))), delimiter=";"))
    assert ["'=1+1", "63", "48", "A: ▲"] in lines  # rounded half up; A higher than the rest
    assert lines[1] == ["", "Gemeente (A)", "Totaal", "significantie"]
    assert lines[2] == ["n", "40", "100", ""]
