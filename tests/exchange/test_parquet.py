"""Parquet export, read back with pyarrow and pandas: types, categories, labels in the schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from peiling.analysis.dataset import Category, Dataset, Variable
from peiling.exchange.parquet import ParquetWriter
from peiling.exchange.writers import ExportData, WriteOptions


def write(data: ExportData, tmp_path: Path, **options: object) -> pa.Table:
    path = tmp_path / "antwoorden.parquet"
    ParquetWriter().write(data, path, WriteOptions(**options))  # type: ignore[arg-type]
    return pq.read_table(path)


def test_column_types(data: ExportData, tmp_path: Path) -> None:
    schema = write(data, tmp_path).schema
    category = pa.dictionary(pa.int32(), pa.string())
    assert [(f.name, f.type) for f in schema] == [
        ("org", category), ("st_a", category), ("st_b", category), ("wens", category),
        ("kanalen", category), ("kanalen/web", pa.int8()), ("kanalen/telefoon", pa.int8()),
        ("kanalen/balie", pa.int8()), ("pct", pa.int64()), ("uren", pa.float64()),
        ("toelichting", category), ("datum", pa.date32()),
    ]  # fmt: skip


def test_values_and_nulls(data: ExportData, tmp_path: Path) -> None:
    table = write(data, tmp_path)
    assert table.column("org").to_pylist() == ["gemeente", "rijk", "gemeente", "overig", None]
    assert table.column("st_b").to_pylist() == ["weet_niet", None, None, None, None]
    assert table.column("kanalen").to_pylist() == [
        "web balie",
        "telefoon",
        None,
        "web telefoon balie",
        None,
    ]
    assert table.column("kanalen/web").to_pylist() == [1, 0, None, 1, None]
    assert table.column("pct").to_pylist() == [40, None, 0, None, None]
    assert table.column("uren").to_pylist() == [7.5, None, 12.0, 0.25, None]
    # Parquet is no spreadsheet: text is kept as given.
    assert table.column("toelichting").to_pylist() == [
        "=1+1",
        "Prima",
        "-2+3",
        "@SUM(A1)",
        "+31 6 1234",
    ]
    assert table.column("datum").to_pylist() == [
        dt.date(2024, 5, 1),
        None,
        dt.date(2024, 6, 30),
        None,
        None,
    ]


def test_choice_columns_hold_the_whole_choice_list_in_order(
    data: ExportData, tmp_path: Path
) -> None:
    write(data, tmp_path)
    frame = pd.read_parquet(tmp_path / "antwoorden.parquet")
    assert list(frame["st_a"].cat.categories) == ["eens", "neutraal", "oneens", "weet_niet"]
    assert list(frame["org"].cat.categories) == ["gemeente", "rijk", "overig"]


def test_labels_instead_of_names(data: ExportData, tmp_path: Path) -> None:
    table = write(data, tmp_path, values="labels")
    assert table.column("wens").to_pylist() == [
        "Wenselijk",
        "Weet ik niet",
        "Onwenselijk",
        "Neutraal",
        None,
    ]
    assert table.column("kanalen").to_pylist()[0] == "Website; Balie"


def test_labels_in_the_schema_metadata(data: ExportData, tmp_path: Path) -> None:
    schema = write(data, tmp_path).schema
    assert schema.field("org").metadata == {b"label": b"Bij welk type organisatie werkt u?",
                                            b"variable": b"org"}  # fmt: skip
    assert schema.field("kanalen/web").metadata == {b"label": b"Website", b"variable": b"kanalen"}
    document = json.loads(schema.metadata[b"peiling"])
    assert {k: document[k] for k in ("title", "form_id", "version", "values", "respondents")} == {
        "title": "Digitalisering", "form_id": "digi", "version": "2024-1", "values": "names",
        "respondents": 5,
    }  # fmt: skip
    st_a = next(v for v in document["variables"] if v["name"] == "st_a")
    assert st_a == {
        "name": "st_a",
        "label": "Mijn gemeente is innovatief.",
        "type": "select_one",
        "measure": "ordinal",
        "relevant": "${org} = 'gemeente'",
        "columns": ["st_a"],
        "choices": [
            {"code": 1, "name": "eens", "label": "Mee eens"},
            {"code": 2, "name": "neutraal", "label": "Neutraal"},
            {"code": 3, "name": "oneens", "label": "Mee oneens"},
            {"code": -1, "name": "weet_niet", "label": "Weet niet"},
        ],
    }
    assert [v["name"] for v in document["variables"]] == [
        "org",
        "st_a",
        "st_b",
        "wens",
        "kanalen",
        "pct",
        "uren",
        "toelichting",
        "datum",
    ]


def test_paradata_types(data_with_paradata: ExportData, tmp_path: Path) -> None:
    table = write(data_with_paradata, tmp_path)
    # Parquet has no unit of seconds: pyarrow stores whole seconds as milliseconds.
    assert table.schema.field("_started").type == pa.timestamp("ms")
    assert table.column("_completed").to_pylist()[2:4] == [dt.datetime(2024, 5, 2, 14, 5), None]
    assert table.column("_duration").to_pylist() == [450, 600, 300, None, 300]
    assert table.column("_device").to_pylist()[:2] == ["desktop", "mobile"]


def test_choices_that_share_a_label_share_a_category(tmp_path: Path) -> None:
    same = (Category("zeer", "Eens"), Category("eens", "Eens"), Category("oneens", "Oneens"))
    dataset = Dataset([Variable("q", "single", "Vraag", same)], {"q": [0, 1, 2, -1]})
    table = write(ExportData(dataset), tmp_path, values="labels")
    frame = table.to_pandas()
    assert list(frame["q"].cat.categories) == ["Eens", "Oneens"]
    assert table.column("q").to_pylist() == ["Eens", "Eens", "Oneens", None]
