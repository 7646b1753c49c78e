"""``peiling tabulate``: outputs, weighting options, warnings, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from peiling.cli import main
from tests.xlsform import write_workbook

FORM = """
## survey
| type                | name      | label                              | relevant                |
| select_one org      | org       | Type organisatie                   |                         |
| select_one jn       | ict       | Werkt u in het domein ICT?         |                         |
| select_one wens     | wenselijk | Hoe wenselijk is online aanbieden? |                         |
| integer             | pct       | Hoeveel procent digitaal?          | ${org} = 'gemeente'     |
| select_multiple kan | kanalen   | Welke kanalen?                     |                         |
## choices
| list_name | name        | label         |
| org       | gemeente    | Gemeenten     |
| org       | rijk        | Rijksoverheid |
| jn        | ja          | Ja            |
| jn        | nee         | Nee           |
| wens      | wenselijk   | Wenselijk     |
| wens      | neutraal    | Neutraal      |
| wens      | onwenselijk | Onwenselijk   |
| wens      | weet_niet   | Weet ik niet  |
| kan       | web         | Website       |
| kan       | balie       | Balie         |
## settings
| form_id | form_title      |
| digi    | Digitalisering  |
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """The form, and 150 respondents: 100 gemeente (81 wenselijk, Tabel 3.1), 50 rijk."""
    form = write_workbook(FORM, tmp_path / "vragenlijst.xlsx")
    lines = ["org;ict;wenselijk;pct;kanalen;gewicht"]
    for i in range(100):
        answer = "wenselijk" if i < 81 else "neutraal" if i < 97 else "weet_niet"
        lines.append(f"gemeente;{'ja' if i < 30 else 'nee'};{answer};{i};web;1")
    for i in range(50):
        lines.append(f"rijk;nee;{'wenselijk' if i < 25 else 'onwenselijk'};;balie web;2")
    data = tmp_path / "antwoorden.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return form, data


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["tabulate", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_output(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *files, "--banner", "org", "--questions", "wenselijk")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "wenselijk — Hoe wenselijk is online aanbieden?",
        "              Gemeenten      Rijksoverheid      Totaal",
        "                    (A)                (B)",
        "                  n=100               n=50       n=150",
        "Wenselijk           81% B ▲            50% ▼       71%",
        "Neutraal            16% B ▲             0% ▼       11%",
        "Onwenselijk          0% ▼              50% A ▲     17%",
        "Weet ik niet         3%                 0%          2%",
        "Letters: significant hoger dan de kolom met die letter; ▲/▼: significant hoger/lager "
        "dan de rest (α = 0,05).",
    ]


def test_json_output_is_a_list_of_tables(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, *files, "--banner", "ICT=${ict} = 'ja'", "--format", "json")
    assert status == 0
    tables = json.loads(out)
    assert [t["name"] for t in tables] == ["org", "ict", "wenselijk", "kanalen"]
    wenselijk = tables[2]
    assert [c["label"] for c in wenselijk["columns"]] == ["ICT", "Totaal"]
    assert wenselijk["rows"][0]["values"] == [100, 71]
    assert set(wenselijk["rows"][0]) >= {"key", "label", "values", "counts", "sig"}


def test_filter_and_dont_know(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out_file = files[0].parent / "t.json"
    status, _, _ = run(capsys, *files, "--filter", "${org} = 'gemeente'", "--dont-know",
                       "exclude", "--questions", "wenselijk", "--format", "json", "-o", out_file)  # fmt: skip
    assert status == 0
    (table,) = json.loads(out_file.read_text(encoding="utf-8"))
    assert table["filter"] == "${org} = 'gemeente'"
    assert table["columns"][0]["base"] == 97
    assert table["rows"][0]["values"] == [84]  # 81 / 97 = 83.5 -> 84


def test_weight_column(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, *files, "--weight", "gewicht", "--questions", "org",
                         "--format", "json")  # fmt: skip
    assert status == 0
    (table,) = json.loads(out)
    assert table["weighted"] is True
    assert (table["columns"][0]["base"], table["columns"][0]["weighted_base"]) == (150, 200.0)
    assert table["rows"][0]["values"] == [50]  # 100 x 1 of 200


def test_rake_to_targets(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    targets = files[0].parent / "doelen.csv"
    targets.write_text("variable,category,target\norg,gemeente,40\norg,rijk,60\n")
    status, out, err = run(capsys, *files, "--rake", targets, "--questions", "org",
                           "--format", "json")  # fmt: skip
    assert status == 0
    assert json.loads(out)[0]["rows"][0]["values"] == [40]
    assert "converged" in err


def test_xlsx_has_numbers_with_percent_format(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = files[0].parent / "tabellen.xlsx"
    status, out, _ = run(capsys, *files, "--banner", "org", "--format", "xlsx", "-o", path)
    assert (status, out) == (0, "")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["org", "ict", "wenselijk", "kanalen"]
    sheet = workbook["wenselijk"]
    assert sheet["A1"].value == "wenselijk — Hoe wenselijk is online aanbieden?"
    assert [sheet.cell(3, c).value for c in (2, 4, 6)] == ["Gemeenten", "Rijksoverheid", "Totaal"]
    assert [sheet.cell(5, c).value for c in (2, 4, 6)] == [100, 50, 150]
    wenselijk = sheet[6]
    assert wenselijk[0].value == "Wenselijk"
    assert wenselijk[1].value == pytest.approx(0.81)
    assert wenselijk[1].number_format == "0%"
    assert wenselijk[2].value == "B▲"


def test_data_problems_are_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = write_workbook(FORM, tmp_path / "vragenlijst.xlsx")
    data = tmp_path / "a.csv"
    data.write_text("org,wenselijk\ngemeente,misschien\nprovincie,wenselijk\n")
    status, _, err = run(capsys, form, data, "--questions", "org")
    assert status == 0
    assert err.splitlines() == [
        "peiling tabulate: warning: column 'org': 1 value not in choice list 'org' "
        "(e.g. 'provincie'); read as no answer",
        "peiling tabulate: warning: column 'ict': not in the file; read as not answered by anyone",
        "peiling tabulate: warning: column 'wenselijk': 1 value not in choice list 'wens' "
        "(e.g. 'misschien'); read as no answer",
        "peiling tabulate: warning: column 'pct': not in the file; read as not answered by anyone",
        "peiling tabulate: warning: column 'kanalen': not in the file (nor kanalen/CHOICE "
        "columns); read as not answered by anyone",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--banner", "orgg"], "unknown variable 'orgg'; did you mean org?"),
        (["--filter", "${org} = "], "expression '${org} = ': "),
        (["--filter", "${nergens} = 1"], "unknown variable 'nergens'"),
        (["--questions", "wenselijk,x"], "unknown variable 'x'"),
        (["--banner", "pct"], "banner variable 'pct' is numeric; expected a single or multiple"),
        (["--weight", "org"], "--weight org: a weight must be numeric (got single)"),
        (["--weight", "pct"], "--weight pct: 50 respondents have no valid weight (empty or "
                              "negative; e.g. respondent 101)"),
        (["--format", "xlsx"], "--format xlsx writes a workbook: give -o FILE.xlsx"),
        (["--alpha", "5"], "--alpha must be between 0 and 1 (got 5.0)"),
    ],
)  # fmt: skip
def test_errors_are_one_line_with_status_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = run(capsys, *files, *args)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"peiling tabulate: {message}")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("variabele,categorie,doel\n", "doelen.csv:1: expected the header "
                                       "'variable,category,target'"),
        ("variable,category,target\norg,gemeente,40\norg,rijk,50\n",
         "doelen.csv: the targets of 'org' sum to 90; expected 1 or 100"),
        ("variable,category,target\norg,provincie,1\n",
         "doelen.csv: variable 'org' has no category 'provincie'; expected one of gemeente, rijk"),
        ("variable,category,target\norg,gemeente,veel\n",
         "doelen.csv:2: target 'veel' is not a number"),
        ("variable,category,target\nwenselijk,wenselijk,1\n", "rake: "),
    ],
)  # fmt: skip
def test_bad_targets(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    targets = files[0].parent / "doelen.csv"
    targets.write_text(content)
    status, _, err = run(capsys, *files, "--rake", targets)
    assert status == 2
    assert len(err.splitlines()) == 1
    if message != "rake: ":
        assert err.strip().endswith(message)


def test_unreadable_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = write_workbook(FORM, tmp_path / "vragenlijst.xlsx")
    status, _, err = run(capsys, tmp_path / "geen.xlsx", tmp_path / "a.csv")
    assert (status, err) == (2, f"peiling tabulate: {tmp_path / 'geen.xlsx'}: no such file\n")
    broken = write_workbook("## survey\n| type | name | label |\n| integer | q1 | Een |\n"
                            "| integer | q1 | Twee |\n", tmp_path / "kapot.xlsx")  # fmt: skip
    status, _, err = run(capsys, broken, tmp_path / "a.csv")
    assert status == 2 and len(err.splitlines()) == 1
    assert "not a usable XLSForm: survey!3 (name): 'q1' is already used" in err
    data = tmp_path / "a.sav"
    data.write_bytes(b"geen spss")
    status, _, err = run(capsys, form, data)
    assert status == 2
    assert err.startswith(f"peiling tabulate: {data}: not a readable SPSS .sav file")
    assert len(err.splitlines()) == 1


def test_wrong_arguments_exit_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["tabulate", str(files[0]), str(files[1]), "--format", "pdf"])
    assert caught.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["tabulate", str(files[0]), str(files[1]), "--weight", "x", "--rake", "t.csv"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_help_documents_the_targets_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tabulate", "--help"])
    out = capsys.readouterr().out
    assert "variable,category,target" in out
    assert "percentages summing to 100 per variable" in out


def test_text_wraps_long_labels_instead_of_cutting_them() -> None:
    from peiling.analysis.tables import Column, Row, Table
    from peiling.commands.tabulate import render_text

    label = "Uitvoeringsorganisatie (ZBO / RWT) en andere zelfstandige bestuursorganen"
    table = Table(
        name="q",
        title="Vraag",
        kind="frequency",
        columns=(Column("a", label, 40, 40.0, 40.0, "A"),),
        rows=(
            Row(
                "x",
                "Een heel lange antwoordcategorie die over meer regels loopt",
                "category",
                (12.5,),
                sig=("",),
                rest=(0,),
            ),
        ),
    )
    text = render_text(table, label_width=20, head_width=14)
    letters = "".join(text.split())  # wrapping may break inside a word, never drops a letter
    assert "".join(label.split()) in letters
    assert "Eenheellangeantwoordcategoriedieovermeerregelsloopt13%" in letters
    assert max(len(line) for line in text.splitlines()) < 40


PIPED = """
## survey
| type             | name     | label                                      | calculation                                 |
| select_one org   | org      | Type organisatie                           |                                             |
| calculate        | org_word | Woord                                      | if(${org} = 'gemeente', 'gemeente', 'organisatie') |
| select_one wens  | digitaal | Hoe digitaal werkt uw ${org_word}?         |                                             |
## choices
| list_name | name      | label     |
| org       | gemeente  | Gemeente  |
| org       | rijk      | Rijk      |
| wens      | wenselijk | Wenselijk |
| wens      | neutraal  | Neutraal  |
## settings
| form_id | form_title |
| piped   | Piped      |
"""


def test_piped_labels_show_the_values_they_take(capsys, tmp_path: Path) -> None:
    """As the report prints them: the reference report writes <organisatie / gemeente>."""
    form = write_workbook(PIPED, tmp_path / "vragenlijst.xlsx")
    data = tmp_path / "antwoorden.csv"
    data.write_text("org,org_word,digitaal\ngemeente,gemeente,wenselijk\nrijk,organisatie,"
                    "neutraal\n", encoding="utf-8")  # fmt: skip
    status, out, err = run(capsys, form, data, "--questions", "digitaal")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "digitaal — Hoe digitaal werkt uw <gemeente / organisatie>?"


@pytest.fixture
def waves(files: tuple[Path, Path], tmp_path: Path) -> list[Path]:
    """Three waves of 100 gemeente respondents: 50, 50 and 81 'wenselijk'."""
    paths = []
    for year, yes in (("2008", 50), ("2012", 50), ("2015", 81)):
        lines = ["org;ict;wenselijk;pct;kanalen;gewicht"]
        lines += [f"gemeente;nee;{'wenselijk' if i < yes else 'neutraal'};{i};web;1"
                  for i in range(100)]
        path = tmp_path / f"{year}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        paths.append(path)
    return paths


def test_trend_tables_by_wave(files, waves, capsys) -> None:
    status, out, err = run(capsys, files[0], *waves, "--by-wave", "--questions",
                           "wenselijk,pct")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "wenselijk — Hoe wenselijk is online aanbieden?"
    assert lines[1].split() == ["2008", "2012", "2015"]
    assert lines[2].split() == ["n", "=", "100"] * 3
    # 50% -> 50% (no change) -> 81% (up from 2012 and from 2008).
    assert lines[3].split() == ["Wenselijk", "50%", "50%", "81%▲△"]
    assert "▲/▼ significant hoger/lager dan de vorige meting" in out
    assert "Gemiddelde" in out and "49,5" in out  # pct, 0..99 in every wave
    status, out, _err = run(capsys, files[0], *waves, "--by-wave", "--format", "json",
                            "--questions", "wenselijk")
    [table] = json.loads(out)
    assert table["waves"] == ["2008", "2012", "2015"] and table["bases"] == [100, 100, 100]


def test_waves_stack_with_the_variable_golf(files, waves, capsys) -> None:
    status, out, err = run(capsys, files[0], *waves[::2], "--waves", "toen,nu", "--banner",
                           "golf", "--questions", "wenselijk")
    assert status == 0, err
    assert out.splitlines()[1].split()[:2] == ["toen", "nu"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--by-wave", "--waves", "a,b"], "--waves names 2 waves for 3 data files"),
    (["--by-wave", "--waves", "a,a,b"], "labels of their own"),
    (["--by-wave", "--format", "xlsx", "-o", "x.xlsx"], "--by-wave writes text or json"),
    (["--threshold", "6"], "--threshold goes with --by-wave"),
    (["--by-wave", "--questions", "onbekend"], "no wave asked 'onbekend'"),
])
def test_bad_wave_options_are_one_line(files, waves, capsys, extra, message) -> None:
    status, out, err = run(capsys, files[0], *waves, *extra)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_by_wave_needs_two_waves(files, capsys) -> None:
    status, _out, err = run(capsys, *files, "--by-wave")
    assert status == 2 and "two waves or more" in err
