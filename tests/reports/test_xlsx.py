"""The Excel file read back with openpyxl: index, one sheet per table, numbers as numbers."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from peiling.reports.layout import caption_title, table_grid
from peiling.reports.model import Report
from peiling.reports.renderers import renderer_for

pytestmark = pytest.mark.django_db(databases=[])


@pytest.fixture(scope="module")
def workbook(report: Report):
    return load_workbook(io.BytesIO(renderer_for("xlsx").render(report)))


def test_index_links_every_table_and_figure(workbook, report: Report) -> None:
    index = workbook["Inhoud"]
    assert index["A1"].value == report.title
    rows = [r for r in index.iter_rows(values_only=False) if r[2].hyperlink is not None]
    labels = [r[0].value for r in rows]
    expected = [b.label for _, _, b in report.blocks() if hasattr(b, "label") and b.number]
    assert labels == expected
    assert rows[0][2].hyperlink.location in (None, "'Tabel 3.1'!A1") or rows[0][2].hyperlink.target
    assert workbook.sheetnames[1:] == expected


def test_every_table_sheet_holds_the_engines_numbers(workbook, report: Report) -> None:
    for block in report.tables():
        sheet = workbook[block.label]
        assert sheet["A1"].value == block.label
        assert sheet["A2"].value == caption_title(block)
        grid = table_grid(block)
        first = 7 if grid.subheads else 6
        bases = [sheet.cell(row=5, column=2 + sum(h.span for h in grid.heads[:i])).value
                 for i in range(len(grid.heads))]  # fmt: skip
        assert bases == [c.base for c in block.table.columns]
        for offset, grid_row in enumerate(grid.rows):
            row = first + offset
            assert sheet.cell(row=row, column=1).value == grid_row.label
            for j, cell in enumerate(grid_row.cells):
                stored = sheet.cell(row=row, column=2 + j)
                if cell.value is None:
                    assert stored.value == "–"
                    continue
                assert stored.value == pytest.approx(cell.value, abs=1e-12), block.label
                assert stored.number_format == cell.number_format


def test_percentages_are_fractions_formatted_as_percent(workbook, report: Report) -> None:
    block = report.tables()[0]
    sheet = workbook[block.label]
    exact = block.table.rows[0].values[0]
    cell = sheet.cell(row=6, column=2)
    assert (cell.value, cell.number_format) == (pytest.approx(exact / 100), "0%")


def test_footnotes_are_under_each_table(workbook, report: Report) -> None:
    for block in report.tables():
        sheet = workbook[block.label]
        values = [c.value for c in sheet["A"] if c.value is not None]
        assert values[-len(block.footnotes):] == list(block.footnotes) if block.footnotes else True


def test_figure_data_sheets(workbook, report: Report) -> None:
    figure = report.figures()[0]
    sheet = workbook[figure.label]
    heads = [c.value for c in sheet[4][1:]]
    assert heads == [s.label for s in figure.chart.series] + ["n"]
    assert sheet.cell(row=5, column=2).value == pytest.approx(figure.chart.rows[0].values[0] / 100)
