"""``peiling convert``: any data file plus its XLSForm, written in every format; ``peiling
tabulate`` gives the same tables from the converted file as from the source."""

from __future__ import annotations

from pathlib import Path

import pyreadstat
import pytest

from peiling.cli import main

#: A KoboToolbox-style export: groups in the column names, both multiple choice layouts, its
#: own meta column, one answer not in the list.
KOBO = """\
org;grid/st_a;grid/st_b;wens;kanalen;kanalen/web;kanalen/telefoon;kanalen/balie;pct;uren;toelichting;datum;_uuid
gemeente;eens;weet_niet;wenselijk;web balie;1;0;1;40;7,5;=1+1;2024-05-01;a1
rijk;;;weet_niet;telefoon;0;1;0;;;Prima;;a2
gemeente;oneens;;onwenselijk;;;;;0;12;Goed;2024-06-30;a3
overig;;;neutraal;web telefoon balie;1;1;1;;0,25;;;a4
waterschap;;;;;;;;;;;;a5
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "kobo.csv"
    path.parent.mkdir()
    path.write_text(KOBO, encoding="utf-8-sig")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    status = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return status, out, err


WARNING = (
    "peiling convert: warning: column 'org': 1 value not in choice list 'org' "
    "(e.g. 'waterschap'); read as no answer\n"
)


@pytest.mark.parametrize(
    ("suffix", "columns"), [(".sav", 12), (".csv", 13), (".xlsx", 13), (".parquet", 13),
                            (".html", 10)],
)  # fmt: skip
def test_converts_to_every_format(
    form_path: Path, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    suffix: str, columns: int,
) -> None:  # fmt: skip
    output = tmp_path / f"antwoorden{suffix}"
    status, out, err = run(capsys, "convert", form_path, source, "-o", output)
    assert (status, out) == (0, f"wrote {output}: 5 rows, {columns} columns\n")
    assert err.startswith(WARNING)


def test_a_kobo_csv_becomes_a_labelled_sav(
    form_path: Path, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "antwoorden.sav"
    assert run(capsys, "convert", form_path, source, "-o", output)[0] == 0
    frame, meta = pyreadstat.read_sav(str(output), user_missing=True)
    assert frame["st_a"].tolist() == [1, -2, 3, -2, -2]
    assert frame["st_b"].tolist()[:2] == [-1, -2]
    assert frame["uren"].tolist()[:1] + frame["uren"].tolist()[2:4] == [7.5, 12.0, 0.25]
    assert frame["kanalen_balie"].tolist()[:2] == [1, 0]
    assert meta.variable_value_labels["org"] == {
        1: "Gemeente",
        2: "Rijksoverheid",
        3: "Overig",
        -2: "Niet gevraagd (routing)",
    }
    # The file's own column _uuid is kept, as a categorical variable named to fit SPSS.
    assert meta.column_names == [
        "org", "st_a", "st_b", "wens", "kanalen_web", "kanalen_telefoon", "kanalen_balie", "pct",
        "uren", "toelichting", "datum", "uuid",
    ]  # fmt: skip
    assert (meta.column_labels[-1], meta.variable_measure["uuid"]) == ("_uuid", "nominal")
    assert meta.variable_value_labels["uuid"] == {
        1: "a1",
        2: "a2",
        3: "a3",
        4: "a4",
        5: "a5",
        -2: "Niet gevraagd (routing)",
    }
    assert list(meta.mr_sets) == ["kanalen"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_tabulate_gives_the_same_tables_from_the_converted_file(
    form_path: Path, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    suffix: str,
) -> None:  # fmt: skip
    output = tmp_path / f"antwoorden{suffix}"
    assert run(capsys, "convert", form_path, source, "-o", output)[0] == 0
    tables = ["tabulate", form_path, "--banner", "org", "--format", "json"]
    status, expected, _ = run(capsys, *tables[:2], source, *tables[2:])
    assert status == 0
    assert run(capsys, *tables[:2], output, *tables[2:])[:2] == (0, expected)


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (["{form}", "{data}", "-o", "{tmp}/a.dta"], 2,
         "{tmp}/a.dta: '.dta' is no export format; expected one of .sav, .csv, .xlsx, "
         ".parquet, .pq, .html, .htm, .pdf (or give --format)"),
        (["{form}", "{data}", "-o", "{tmp}/nergens/a.sav"], 1,
         "{tmp}/nergens/a.sav: directory '{tmp}/nergens' does not exist"),
        (["{tmp}/geen.xlsx", "{data}", "-o", "{tmp}/a.sav"], 2, "{tmp}/geen.xlsx: no such file"),
        (["{form}", "{tmp}/geen.csv", "-o", "{tmp}/a.sav"], 2, "{tmp}/geen.csv: no such file"),
        (["{form}", "{data}", "-o", "{tmp}/a.sav", "--labels", "labels"], 2,
         "option values='labels' does not apply to sav; it applies to csv, xlsx, parquet"),
        (["{form}", "{other}", "-o", "{tmp}/a.sav"], 2,
         "{other}: none of its columns is a question of {form} (expected columns such as "
         "org, st_a, st_b); is it the right questionnaire?"),
    ],
)  # fmt: skip
def test_errors_are_one_line_and_leave_no_file(
    form_path: Path, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    arguments: list[str], status: int, message: str,
) -> None:  # fmt: skip
    other = tmp_path / "in" / "ander.csv"
    other.write_text("naam,leeftijd\nPiet,44\n", encoding="utf-8")
    names = {"form": form_path, "data": source, "tmp": tmp_path, "other": other}
    args = [a.format(**names) for a in arguments]
    assert run(capsys, "convert", *args) == (
        status,
        "",
        f"peiling convert: {message.format(**names)}\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_output_is_required(
    form_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["convert", str(form_path), str(source)])
    assert caught.value.code == 2
    assert capsys.readouterr().err.endswith(
        "error: the following arguments are required: -o/--output\n"
    )
