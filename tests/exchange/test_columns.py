"""The ODK/KoboToolbox columns that CSV, XLSX and Parquet share."""

from __future__ import annotations

from pathlib import Path

import pytest

from peiling.analysis.dataset import Category, Dataset, Variable
from peiling.exchange.columns import flat_columns
from peiling.exchange.delimited import CsvWriter
from peiling.exchange.writers import ExportData, NotExportable, Notice, export_variables

from .conftest import PARADATA


def test_columns_kinds_and_codes(data: ExportData) -> None:
    columns = {column.name: column for column in flat_columns(data)}
    assert {name: c.kind for name, c in columns.items()} == {
        "org": "category", "st_a": "category", "st_b": "category", "wens": "category",
        "kanalen": "choices", "kanalen/web": "choice", "kanalen/telefoon": "choice",
        "kanalen/balie": "choice", "pct": "number", "uren": "number", "toelichting": "text",
        "datum": "date",
    }  # fmt: skip
    kanalen = columns["kanalen"]
    assert [kanalen.values[c] if c >= 0 else None for c in kanalen.codes.tolist()] == [
        "web balie",
        "telefoon",
        None,
        "web telefoon balie",
        None,
    ]
    assert columns["uren"].values == (0.25, 7.5, 12)
    assert columns["uren"].codes.tolist() == [1, -1, 2, 0, -1]
    assert columns["kanalen/telefoon"].label == "Telefoon"


def test_paradata_names_must_not_clash_with_questions() -> None:
    dataset = Dataset([Variable("_source", "text", "Bron?")], {"_source": ["x"] * 5})
    with pytest.raises(NotExportable) as caught:
        flat_columns(ExportData(dataset, paradata=PARADATA))
    assert str(caught.value) == (
        "column '_source' of '_source' clashes with the one of '_source'; rename the question "
        "in the form"
    )


def test_split_columns_read_from_a_file_are_written_from_their_question(
    tmp_path: Path,
) -> None:
    choices = (Category("web", "Website"), Category("balie", "Balie"))
    variables = [
        Variable("kanalen", "multiple", "Kanalen", choices, question_type="select_multiple"),
        Variable("kanalen/web", "numeric", "kanalen/web"),  # kept as extra by a reader
    ]
    dataset = Dataset(variables, {"kanalen": [[1, 0]], "kanalen/web": [1.0]})
    assert export_variables(dataset) == (
        (variables[0],),
        (Notice("name_changed", "kanalen/web",
                "the file's split column; written again from 'kanalen'"),),
    )  # fmt: skip
    report = CsvWriter().write(ExportData(dataset), tmp_path / "a.csv")
    assert report.columns == ("kanalen", "kanalen/web", "kanalen/balie")
    assert report.lines() == ["kanalen/web: the file's split column; written again from 'kanalen'"]
