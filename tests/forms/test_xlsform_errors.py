"""Broken forms and the exact lines ``peiling form check`` prints for them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from peiling.forms.errors import FormError, Problem
from peiling.forms.xlsform import SUPPORTED_TYPES, check_xlsform, read_xlsform
from tests.xlsform import write_workbook

SURVEY_COLUMNS = (
    "appearance, calculation, choice_filter, constraint, constraint_message, "
    "default, hint, label, name, parameters, relevant, required, required_message, "
    "type"
)

CASES = {
    "unknown reference in relevant": (
        """
## survey
| type | name | label | relevant |
| integer | q1 | Een | |
| integer | q2 | Twee | ${q9} > 1 |
""",
        ["survey!3 (relevant): unknown question 'q9'"],
    ),
    "unknown reference in calculation and constraint": (
        """
## survey
| type | name | label | constraint | calculation |
| integer | q1 | Een | . < ${max} | |
| calculate | c | | | ${q1} + ${bonus} |
""",
        [
            "survey!2 (constraint): unknown question 'max'",
            "survey!3 (calculation): unknown question 'bonus'",
        ],
    ),
    "unsupported type geopoint": (
        """
## survey
| type | name | label |
| geopoint | where | Waar? |
""",
        [
            "survey!2 (type): location questions ('geopoint') are not supported by peiling; "
            "remove the question"
        ],
    ),
    "a type peiling has no page for": (
        """
## survey
| type | name | label |
| time | tijd | Hoe laat? |
| barcode | code | Code? |
""",
        [
            f"survey!2 (type): type 'time' is not supported by peiling (supported: {SUPPORTED_TYPES})",
            f"survey!3 (type): type 'barcode' is not supported by peiling (supported: {SUPPORTED_TYPES})",
        ],
    ),
    "repeat": (
        """
## survey
| type | name | label |
| begin_repeat | kids | Kinderen |
| text | kid | Naam |
| end_repeat | | |
""",
        [
            "survey!2 (type): repeats ('begin_repeat') are not supported by peiling: each "
            "question is answered once; ask for a fixed number of items instead",
        ],
    ),
    "image question": (
        """
## survey
| type | name | label |
| image | photo | Foto |
""",
        [
            "survey!2 (type): media questions ('image') are not supported by peiling; "
            "remove the question"
        ],
    ),
    "media column": (
        """
## survey
| type | name | label | image |
| note | n1 | Kijk | plaatje.png |
""",
        ["survey!1 (image): media column 'image' is not supported by peiling; remove the column"],
    ),
    "an empty unsupported column is harmless": (
        """
## survey
| type | name | label | read_only |
| text | q1 | Naam | |
| text | q2 | Twee | |
| text | q2 | Drie | |
""",
        [
            "survey!4 (name): 'q2' is already used on row 3; names must be unique in the form — rename one"
        ],
    ),
    "duplicate name across groups": (
        """
## survey
| type | name | label |
| begin_group | g1 | Een |
| integer | q1 | Een |
| end_group | | |
| begin_group | g2 | Twee |
| integer | q1 | Twee |
| end_group | | |
""",
        [
            "survey!6 (name): 'q1' is already used on row 3; names must be unique in the form — rename one"
        ],
    ),
    "missing choice list": (
        """
## survey
| type | name | label |
| select_one yn | q1 | Ja? |
""",
        [
            "survey!2 (type): choice list 'yn' is not on the choices sheet; add its choices or correct the name"
        ],
    ),
    "select without list": (
        """
## survey
| type | name | label |
| select_one | q1 | Ja? |
""",
        ["survey!2 (type): 'select_one' names no choice list; write 'select_one LIST_NAME'"],
    ),
    "choices from a file": (
        """
## survey
| type | name | label |
| select_one_from_file gemeenten.csv | q1 | Gemeente? |
""",
        [
            "survey!2 (type): external data ('select_one_from_file gemeenten.csv') is not "
            "supported by peiling; put the choices on the choices sheet"
        ],
    ),
    "duplicate choice": (
        """
## survey
| type | name | label |
| select_one yn | q1 | Ja? |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | ja | Nee |
""",
        [
            "choices!3 (name): 'ja' is already a choice in list 'yn'; choice names must be unique within a list — rename one"
        ],
    ),
    "choice without list_name and without name": (
        """
## survey
| type | name | label |
| select_one yn | q1 | Ja? |
## choices
| list_name | name | label |
| yn | ja | Ja |
| | nee | Nee |
| yn | | Misschien |
""",
        [
            "choices!3 (list_name): the choice has no list_name; fill in the list it belongs to",
            "choices!4 (name): a choice in list 'yn' has no name; give every choice a name",
        ],
    ),
    "question without name": (
        """
## survey
| type | name | label |
| integer | | Leeftijd |
""",
        ["survey!2 (name): the integer has no name; give it a unique name"],
    ),
    "invalid name": (
        """
## survey
| type | name | label |
| integer | 1e vraag | Leeftijd |
""",
        [
            "survey!2 (name): '1e vraag' is not a valid name; use letters, digits and _, starting with a letter"
        ],
    ),
    "row without type": (
        """
## survey
| type | name | label |
| | q1 | Leeftijd |
""",
        ["survey!2 (type): the row has no type; fill in a type or delete the row"],
    ),
    "invalid parameter": (
        """
## survey
| type | name | label | parameters |
| select_one yn | q1 | Ja? | seed=3 |
| select_one yn | q2 | Ja? | randomize=misschien |
| range | q3 | Cijfer | start=een end=10 |
## choices
| list_name | name | label |
| yn | ja | Ja |
""",
        [
            "survey!3 (parameters): randomize must be true or false (got 'misschien')",
            "survey!4 (parameters): range start must be a number (got 'een')",
        ],
    ),
    "calculate without calculation": (
        """
## survey
| type | name | label |
| calculate | c | |
""",
        ["survey!2 (calculation): a calculate row needs a calculation"],
    ),
    "dynamic default": (
        """
## survey
| type | name | label | default |
| integer | q1 | Een | |
| integer | q2 | Twee | ${q1} |
""",
        ["survey!3 (default): dynamic defaults are not supported by peiling; use a fixed value"],
    ),
    "unknown question piped into a label": (
        """
## survey
| type | name | label::Nederlands (nl) | label::English (en) |
| text | q1 | Uw ${org}? | Your ${organisation}? |
""",
        [
            "survey!2 (label::Nederlands (nl)): unknown question 'org' piped into the text",
            "survey!2 (label::English (en)): unknown question 'organisation' piped into the text",
        ],
    ),
    "current answer outside a constraint": (
        """
## survey
| type | name | label | relevant |
| integer | q1 | Een | . > 1 |
""",
        ["survey!2 (relevant): '.' (the current answer) can only be used in a constraint"],
    ),
    "choice filter on a column the choices do not have": (
        """
## survey
| type | name | label | choice_filter |
| select_one org | q1 | Org | |
| select_one org | q2 | Org | regio = ${q1} |
## choices
| list_name | name | label |
| org | a | A |
""",
        [
            "survey!3 (choice_filter): choice_filter uses 'regio', which is not a column of the choices sheet"
        ],
    ),
    "unmatched groups": (
        """
## survey
| type | name | label |
| text | q1 | Naam |
| end_group | | |
| begin_group | g1 | Groep |
| text | q2 | Twee |
""",
        [
            "survey!3 (type): end_group without a begin_group above it; remove it or add the begin_group",
            "survey!4 (type): group 'g1' is never closed; add an end_group below its last question",
        ],
    ),
    "question without label (pyxform's own check)": (
        """
## survey
| type | name | label |
| text | q1 | |
""",
        ["survey!2: The survey element named 'q1' has no label or hint."],
    ),
}


WARNINGS = {
    "a column peiling does not use": (
        """
## survey
| type | name | label | read_only | rows |
| text | q1 | Naam | yes | 3 |
""",
        ["survey!1 (read_only): column 'read_only' is ignored: peiling does not use it",
         "survey!1 (rows): column 'rows' is ignored: peiling does not use it"],
    ),
    "a setting peiling does not use": (
        """
## survey
| type | name | label |
| text | q1 | Naam |
## settings
| form_title | instance_name | public_key |
| Test | concat('x', ${q1}) | MIIB |
""",
        ["settings!1 (instance_name): setting 'instance_name' is ignored: peiling does not use it",
         "settings!1 (public_key): setting 'public_key' is ignored: peiling does not use it"],
    ),
    "appearances and parameters of other clients": (
        """
## survey
| type | name | label | appearance | parameters |
| select_one yn | q1 | Ja? | quick | randomize=true seed=3 |
| integer | q2 | Getal | numbers | |
| begin_group | g | Groep | w2 | |
| text | q3 | Tekst | multiline | |
| end_group | | | | |
## choices
| list_name | name | label |
| yn | ja | Ja |
""",
        ["survey!2 (appearance): appearance 'quick' is ignored: peiling supports likert, minimal "
         "for a select_one",
         "survey!2 (parameters): parameter 'seed' is ignored for a select_one (peiling uses "
         "randomize)",
         "survey!3 (appearance): appearance 'numbers' is ignored: peiling shows every integer "
         "one way",
         "survey!4 (appearance): appearance 'w2' is ignored: peiling supports field-list, "
         "table-list for a begin_group",
         "survey!5 (appearance): appearance 'multiline' is ignored: peiling shows every text "
         "one way"],
    ),
    "external choices sheet no question needs": (
        """
## survey
| type | name | label |
| text | q1 | Naam |
## external_choices
| list_name | name | label |
| x | a | A |
""",
        ["external_choices: the 'external_choices' sheet is ignored: peiling does not use it"],
    ),
}


@pytest.mark.parametrize("markdown, expected", WARNINGS.values(), ids=WARNINGS.keys())
def test_what_peiling_ignores_is_a_warning(markdown: str, expected: list[str],
                                           tmp_path: Path) -> None:
    checked = check_xlsform(write_workbook(markdown, tmp_path / "form.xlsx"))
    assert checked.problems == () and checked.form is not None
    assert [str(w) for w in checked.warnings] == expected


@pytest.mark.parametrize("markdown, expected", CASES.values(), ids=CASES.keys())
def test_broken_form_reports_every_problem(
    markdown: str, expected: list[str], tmp_path: Path
) -> None:
    checked = check_xlsform(write_workbook(markdown, tmp_path / "form.xlsx"))
    assert checked.form is None
    assert [str(p) for p in checked.problems] == expected


def test_every_problem_of_one_form_is_reported_in_sheet_order(tmp_path: Path) -> None:
    path = write_workbook(
        """
## survey
| type | name | label | relevant | appearance |
| geopoint | where | Waar? | | |
| integer | q1 | Een | ${nope} = 1 | |
| select_one yn | q1 | Ja? | | quick |
## choices
| list_name | name | label |
| yn | ja | Ja |
| yn | ja | Ja |
""",
        tmp_path / "form.xlsx",
    )
    with pytest.raises(FormError) as caught:
        read_xlsform(path)
    assert [(p.sheet, p.row, p.column, p.code) for p in caught.value.problems] == [
        ("choices", 3, "name", "duplicate_choice"),
        ("survey", 4, "name", "duplicate_name"),
        ("survey", 2, "type", "unsupported_type"),
        ("survey", 3, "relevant", "unknown_reference"),
    ]


# -- files that are not XLSForms at all ---------------------------------------------------


def _one_line(source) -> str:
    checked = check_xlsform(source)
    assert checked.form is None and len(checked.problems) == 1
    assert checked.problems[0].sheet is None
    return str(checked.problems[0])


def test_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("type,name,label\ntext,q1,Naam\n")
    assert _one_line(path) == (
        "this is a text or CSV file; expected an XLSForm saved as an Excel workbook (.xlsx or .xls)"
    )


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    assert _one_line(path) == (
        "this is not an Excel workbook; expected an XLSForm saved as an Excel workbook (.xlsx or .xls)"
    )


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(b"")
    assert _one_line(path) == "the file is empty; expected an XLSForm workbook (.xlsx)"


def test_missing_file(tmp_path: Path) -> None:
    assert _one_line(tmp_path / "nope.xlsx") == f"{tmp_path / 'nope.xlsx'}: no such file"


def test_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    assert _one_line(path) == (
        "the workbook has no 'survey' sheet (sheets found: 'sheet'); "
        "an XLSForm needs at least a 'survey' sheet"
    )


def test_corrupt_zip(tmp_path: Path) -> None:
    good = write_workbook(
        "## survey\n| type | name | label |\n| text | q1 | Naam |\n", tmp_path / "good.xlsx"
    )
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(good.read_bytes()[:-200])
    line = _one_line(path)
    assert line.startswith("this is not an Excel workbook") or line.startswith(
        "the workbook is damaged"
    )


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _one_line(path).startswith(
        "the workbook is damaged or not an .xlsx file and cannot be opened ("
    )


def test_fifty_megabyte_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert _one_line(path) == (
        "the file is 50.0 MB; XLSForm files over 10 MB are refused — "
        "a questionnaire never needs that much"
    )


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    assert path.stat().st_size < 10 * 1024 * 1024
    assert _one_line(path) == (
        "the workbook unpacks to 300.0 MB; XLSForm files over 200 MB unpacked are refused — "
        "a questionnaire never needs that much"
    )


def test_problem_text_without_row() -> None:
    assert str(Problem("m", "settings", None, "x")) == "settings (x): m"
    with pytest.raises(ValueError):
        FormError([])
