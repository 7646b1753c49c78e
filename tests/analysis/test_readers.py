"""Readers: CSV, XLSX, SPSS .sav and Parquet into a Dataset, with every problem reported.

Each test writes its file with pandas, pyreadstat or pyarrow and reads it back; the expected
codes are those of the Form's choice lists (ODK/KoboToolbox export conventions).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from peiling.analysis.tables import frequency_table
from peiling.exchange import ReadError, read_data, read_frame
from peiling.forms.model import Choice, Form, Group, Question

FORM = Form(
    form_id="digi",
    title="Digitalisering",
    children=(
        Question("org", "select_one", {"default": "Organisatie"}, choice_list="org"),
        Group("werk", children=(
            Question("ict", "select_one", {"default": "ICT?"}, choice_list="jn"),
        )),
        Question("leeftijd", "integer", {"default": "Leeftijd"}),
        Question("kanaal", "select_multiple", {"default": "Kanalen"}, choice_list="kanaal"),
        Question("pct", "decimal", {"default": "Percentage"}, relevant="${org} = 'gemeente'"),
        Question("datum", "date", {"default": "Datum"}),
    ),
    choice_lists={
        "org": (Choice("gemeente", {"default": "Gemeente"}), Choice("rijk", {"default": "Rijk"})),
        "jn": (Choice("1", {"default": "Ja"}), Choice("0", {"default": "Nee"})),
        "kanaal": (Choice("web", {"default": "Website"}), Choice("tel", {"default": "Telefoon"}),
                   Choice("balie", {"default": "Balie"})),
    },
)  # fmt: skip

ROWS = {
    "org": ["gemeente", "rijk", "gemeente", ""],
    "werk/ict": ["1", "0", "1", "0"],
    "leeftijd": ["45", "31", "", "60"],
    "kanaal": ["web tel", "balie", "", "web"],
    "pct": ["50", "", "12.5", ""],
    "datum": ["2024-05-01", "", "2024-06-30", ""],
}


def check_clean(result) -> None:  # type: ignore[no-untyped-def]
    data = result.dataset
    assert result.report.problems == ()
    assert data.codes("org").tolist() == [0, 1, 0, -1]
    assert data.codes("ict").tolist() == [0, 1, 0, 1]
    np.testing.assert_array_equal(data.numbers("leeftijd"), [45, 31, np.nan, 60])
    assert data.selected("kanaal").tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0], [1, 0, 0]]
    assert data.answered("kanaal").tolist() == [True, True, False, True]
    np.testing.assert_array_equal(data.numbers("pct"), [50, np.nan, 12.5, np.nan])
    assert data.answer("datum", 0) == datetime.date(2024, 5, 1)
    assert data.answer("datum", 1) is None


@pytest.mark.parametrize(("separator", "encoding"), [(";", "utf-8-sig"), (",", "utf-8")])
def test_csv_with_or_without_bom_and_either_separator(
    tmp_path: Path, separator: str, encoding: str
) -> None:
    path = tmp_path / "antwoorden.csv"
    pd.DataFrame(ROWS).to_csv(path, sep=separator, index=False, encoding=encoding)
    result = read_data(path, FORM)
    check_clean(result)
    assert result.report.format == "csv" and result.report.rows == 4
    assert result.report.used_columns == tuple(ROWS)
    assert result.report.extra_columns == ()


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.xlsx"
    frame = pd.DataFrame(ROWS).replace("", None)
    frame["leeftijd"] = [45, 31, None, 60]  # numbers as numbers
    frame["werk/ict"] = [1, 0, 1, 0]  # choice names "1"/"0" stored as numbers by Excel
    frame["datum"] = [datetime.datetime(2024, 5, 1), None, datetime.datetime(2024, 6, 30), None]
    frame.to_excel(path, index=False)
    check_clean(read_data(path, FORM))


def test_parquet_with_list_and_categorical_columns(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.parquet"
    frame = pd.DataFrame({
        "org": pd.Categorical(["gemeente", "rijk", "gemeente", None]),
        "werk/ict": ["1", "0", "1", "0"],
        "leeftijd": pd.array([45, 31, None, 60], dtype="Int64"),
        "kanaal": [["web", "tel"], ["balie"], None, ["web"]],
        "pct": [50.0, None, 12.5, None],
        "datum": [datetime.date(2024, 5, 1), None, datetime.date(2024, 6, 30), None],
    })  # fmt: skip
    frame.to_parquet(path, engine="pyarrow")
    check_clean(read_data(path, FORM))


def test_sav_value_labels_map_codes_to_choices(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.sav"
    frame = pd.DataFrame({
        "org": [1.0, 2.0, 1.0, np.nan],  # value labels are the choice labels
        "ict": [1.0, 0.0, 1.0, 0.0],  # no labels: the codes are the choice names
        "leeftijd": [45.0, 31.0, np.nan, 60.0],
        "kanaal_web": [1.0, 0.0, np.nan, 1.0],  # SPSS names cannot hold '/'
        "kanaal_tel": [1.0, 0.0, np.nan, 0.0],
        "kanaal_balie": [0.0, 1.0, np.nan, 0.0],
        "pct": [50.0, np.nan, 12.5, np.nan],
        "datum": [datetime.date(2024, 5, 1), None, datetime.date(2024, 6, 30), None],
        "regio": [3.0, 4.0, 3.0, 4.0],  # not in the form: kept with its labels
    })  # fmt: skip
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "org": {1.0: "Gemeente", 2.0: "Rijk"},
            "regio": {3.0: "Noord", 4.0: "Zuid"},
        },
    )
    result = read_data(path, FORM)
    check_clean(result)
    regio = result.dataset.variable("regio")
    assert (regio.kind, [(c.name, c.label) for c in regio.categories]) == (
        "single", [("3", "Noord"), ("4", "Zuid")])  # fmt: skip
    assert result.report.extra_columns == ("regio",)


def test_sav_labels_that_are_choice_names(tmp_path: Path) -> None:
    path = tmp_path / "namen.sav"
    frame = pd.DataFrame({"org": [7.0, 8.0, 9.0]})
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels={"org": {7.0: "rijk", 8.0: "gemeente"}}
    )
    result = read_data(path, FORM)
    assert result.dataset.codes("org").tolist() == [1, 0, -1]
    assert result.report.lines()[0] == (
        "column 'org': 1 value not in choice list 'org' (e.g. '9'); read as no answer"
    )


def test_every_problem_is_reported_per_column(tmp_path: Path) -> None:
    path = tmp_path / "fout.csv"
    pd.DataFrame({
        "org": ["gemeente", "provincie", "Gemeente", "x", "provincie", "rijk"],
        "a/ict": ["1", "0", "1", "0", "1", "0"],
        "b/ict": ["1", "0", "1", "0", "1", "0"],
        "leeftijd": ["45", "veertig", "31,5", "n.v.t.", "", "50"],
        "kanaal/web": ["1", "0", "ja", "", "1", "0"],
        "kanaal/tel": ["0", "1", "0", "", "2", "1"],
        "pct": ["10", "20", "30", "", "", "40"],
        "datum": ["2024-05-01", "31-12-2024", "", "", "", ""],
        "gewicht": ["1", "1,5", "2", "1", "1", "0.5"],
    }).to_csv(path, index=False)  # fmt: skip
    result = read_data(path, FORM)
    assert result.report.lines() == [
        "column 'org': 4 values not in choice list 'org' (e.g. 'provincie', 'Gemeente', 'x'); "
        "read as no answer",
        "column 'ict': 2 columns could hold it ('a/ict', 'b/ict'); rename all but one — "
        "read as not answered by anyone",
        "column 'leeftijd': 2 values that are not numbers (e.g. 'veertig', 'n.v.t.'); "
        "read as no answer",
        "column 'leeftijd': 1 value that is not a whole number (e.g. '31.5'); kept as given",
        "column 'kanaal/web': 1 value that is not 0 or 1 (e.g. 'ja'); read as empty",
        "column 'kanaal/tel': 1 value that is not 0 or 1 (e.g. '2'); read as empty",
        "column 'kanaal/balie': not in the file; choice 'balie' of 'kanaal' read as not chosen",
        "column 'datum': 1 value that is not a date (YYYY-MM-DD) (e.g. '31-12-2024'); "
        "read as no answer",
        "column 'pct': 3 answers given where the question was not asked "
        "(relevant: ${org} = 'gemeente'); left out of every base (e.g. respondents 2, 3, 6)",
    ]
    problems = result.report.problems
    assert [(p.kind, p.count) for p in problems] == [
        ("unknown_value", 4), ("ambiguous_column", 0), ("type_clash", 2), ("type_clash", 1),
        ("type_clash", 1), ("type_clash", 1), ("missing_column", 0), ("type_clash", 1),
        ("not_asked", 3),
    ]  # fmt: skip
    assert problems[0].examples == ("provincie", "Gemeente", "x")
    data = result.dataset
    assert data.codes("org").tolist() == [0, -1, -1, -1, -1, 1]
    assert not data.answered("ict").any()
    # 'ja' and '2' are empty cells; a respondent with any choice column filled answered.
    assert data.selected("kanaal").tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0],
                                                [1, 0, 0], [0, 1, 0]]  # fmt: skip
    assert data.answered("kanaal").tolist() == [True, True, True, False, True, True]
    np.testing.assert_array_equal(data.numbers("gewicht"), [1, 1.5, 2, 1, 1, 0.5])
    assert result.report.extra_columns == ("a/ict", "b/ict", "gewicht")  # kept, not lost


def test_missing_columns_and_unknown_tokens() -> None:
    frame = pd.DataFrame({"org": ["gemeente", "rijk"], "kanaal": ["web fax", "fax"]})
    result = read_frame(frame, FORM)
    assert result.report.lines() == [
        "column 'ict': not in the file; read as not answered by anyone",
        "column 'leeftijd': not in the file; read as not answered by anyone",
        "column 'kanaal': 2 values not in choice list 'kanaal' (e.g. 'fax'); left out of the "
        "answer (no answer if nothing else was chosen)",
        "column 'pct': not in the file; read as not answered by anyone",
        "column 'datum': not in the file; read as not answered by anyone",
    ]
    assert result.dataset.selected("kanaal").tolist() == [[1, 0, 0], [0, 0, 0]]
    assert result.dataset.answered("kanaal").tolist() == [True, False]


def test_kobo_group_prefix_and_extra_categorical_column() -> None:
    frame = pd.DataFrame({
        "org": ["gemeente", "rijk", "rijk"],
        "werk/ict": [1, 0, 0],
        "profiel/sector": ["zorg", "onderwijs", "zorg"],
        "_uuid": ["a", "b", "c"],
    })  # fmt: skip
    result = read_frame(frame, FORM)
    assert result.dataset.codes("ict").tolist() == [0, 1, 1]
    sector = result.dataset.variable("profiel/sector")
    assert [c.name for c in sector.categories] == ["onderwijs", "zorg"]
    table = frequency_table(result.dataset, "org", ["profiel/sector"])
    assert [c.base for c in table.columns] == [1, 2, 3]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.dat", b"x", "unknown file type '.dat'; expected one of .csv, .txt, .xlsx, .sav, "
                        ".zsav, .parquet, .pq (or pass format=)"),
        ("a.csv", b"org\n\xff\xfe\n", "not UTF-8 text (byte 0xff at position 4); save it as "
                                      "'CSV UTF-8'"),
        ("a.csv", b"", "not a readable CSV file (No columns to parse from file)"),
        ("a.xlsx", b"PK\x03\x04garbage", "not a readable .xlsx workbook"),
        ("a.sav", b"garbage", "not a readable SPSS .sav file"),
        ("a.parquet", b"garbage", "not a readable Parquet file"),
    ],
)  # fmt: skip
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as caught:
        read_data(path, FORM)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read_data(tmp_path / "nergens.csv", FORM)


def test_kobo_export_with_both_joined_and_split_columns() -> None:
    frame = pd.DataFrame({"kanaal": ["web tel", "balie"], "kanaal/web": [1, 0],
                          "kanaal/tel": [1, 0], "kanaal/balie": [0, 1]})  # fmt: skip
    result = read_frame(frame, FORM)
    assert result.dataset.selected("kanaal").tolist() == [[1, 1, 0], [0, 0, 1]]
    assert result.report.used_columns == ("kanaal", "kanaal/web", "kanaal/tel", "kanaal/balie")
    assert result.report.extra_columns == ()
