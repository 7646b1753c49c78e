"""CSV export, checked in the bytes as written: columns, quoting, BOM, ';', neutralised cells.

The five respondents of conftest.ROWS; expected lines follow the ODK/KoboToolbox conventions
(KoboToolbox, "Exporting and downloading your data": select_multiple as a space-separated
column plus one 0/1 column per choice).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from peiling.exchange.columns import neutralise
from peiling.exchange.delimited import CsvWriter, csv_field
from peiling.exchange.writers import ExportData, WriteOptions

HEADER = (
    "org,st_a,st_b,wens,kanalen,kanalen/web,kanalen/telefoon,kanalen/balie,pct,uren,"
    "toelichting,datum"
)
LINES = [
    HEADER,
    "gemeente,eens,weet_niet,wenselijk,web balie,1,0,1,40,7.5,'=1+1,2024-05-01",
    "rijk,,,weet_niet,telefoon,0,1,0,,,Prima,",
    "gemeente,oneens,,onwenselijk,,,,,0,12,'-2+3,2024-06-30",
    "overig,,,neutraal,web telefoon balie,1,1,1,,0.25,'@SUM(A1),",
    ",,,,,,,,,,'+31 6 1234,",
]


def write(data: ExportData, tmp_path: Path, **options: object) -> bytes:
    path = tmp_path / "antwoorden.csv"
    CsvWriter().write(data, path, WriteOptions(**options))  # type: ignore[arg-type]
    return path.read_bytes()


def test_names_utf8_comma_crlf(data: ExportData, tmp_path: Path) -> None:
    raw = write(data, tmp_path)
    assert raw == ("\r\n".join(LINES) + "\r\n").encode("utf-8")


def test_semicolon_gives_decimal_commas_and_a_bom(data: ExportData, tmp_path: Path) -> None:
    raw = write(data, tmp_path, delimiter=";", bom=True)
    assert raw[:3] == b"\xef\xbb\xbf"
    lines = raw[3:].decode("utf-8").split("\r\n")
    assert lines[1] == "gemeente;eens;weet_niet;wenselijk;web balie;1;0;1;40;7,5;'=1+1;2024-05-01"
    assert lines[4] == "overig;;;neutraal;web telefoon balie;1;1;1;;0,25;'@SUM(A1);"


def test_labels_instead_of_names(data: ExportData, tmp_path: Path) -> None:
    lines = write(data, tmp_path, values="labels").decode("utf-8").split("\r\n")
    assert lines[0] == HEADER
    assert lines[1] == (
        "Gemeente,Mee eens,Weet niet,Wenselijk,Website; Balie,1,0,1,40,7.5,'=1+1,2024-05-01"
    )
    assert lines[2] == "Rijksoverheid,,,Weet ik niet,Telefoon,0,1,0,,,Prima,"


def test_neutralised_cells_are_reported_per_column(data: ExportData, tmp_path: Path) -> None:
    report = CsvWriter().write(data, tmp_path / "a.csv")
    assert report.lines() == [
        "toelichting: 4 cells started with =, +, -, @, tab or CR; prefixed with ' so that "
        "spreadsheets do not run them as formulas"
    ]


def test_pandas_reads_what_was_written(data: ExportData, tmp_path: Path) -> None:
    frame = pd.read_csv(io.BytesIO(write(data, tmp_path)), dtype=str, keep_default_na=False)
    assert frame["kanalen"].tolist() == ["web balie", "telefoon", "", "web telefoon balie", ""]
    assert frame["kanalen/web"].tolist() == ["1", "0", "", "1", ""]
    assert frame["toelichting"].tolist() == ["'=1+1", "Prima", "'-2+3", "'@SUM(A1)", "'+31 6 1234"]


def test_paradata_columns(data_with_paradata: ExportData, tmp_path: Path) -> None:
    lines = write(data_with_paradata, tmp_path).decode("utf-8").split("\r\n")
    assert lines[0].startswith("_source,_status,_started,_completed,_duration,_device,_language,")
    assert lines[1].startswith(
        "panel,completed,2024-05-01 09:00:00,2024-05-01 09:07:30,450,desktop,nl,gemeente,"
    )
    assert lines[4].startswith("panel,started,2024-05-03 08:00:00,,,tablet,nl,overig,")


def test_fields_are_quoted_as_rfc_4180_asks() -> None:
    assert csv_field("Prima, ga zo door!", ",") == '"Prima, ga zo door!"'
    assert csv_field("Prima, ga zo door!", ";") == "Prima, ga zo door!"
    assert csv_field('Zo "digitaal"', ",") == '"Zo ""digitaal"""'
    assert csv_field("twee\nregels", ";") == '"twee\nregels"'
    assert csv_field("gewoon", ",") == "gewoon"


def test_formula_starts_are_neutralised_but_numbers_are_not() -> None:
    cases = {
        '=HYPERLINK("http://x")': '\'=HYPERLINK("http://x")',
        "+31 6 12345678": "'+31 6 12345678",
        "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)": "'@SUM(1+1)",
        "\t=1": "'\t=1",
        "\r=1": "'\r=1",
        "-1": "-1",
        "+31": "+31",
        "-2,5": "-2,5",
        "-1e5": "-1e5",
        "Prima": "Prima",
        "": "",
    }
    assert {value: neutralise(value) for value in cases} == cases
