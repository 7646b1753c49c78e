"""``peiling code export|import``: codings to a file and back (CSV and Excel, with the
codebook), and files with mistakes refused with one line and nothing stored."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook, load_workbook

from peiling.cli import main
from peiling.openanswers import selectors, services
from peiling.openanswers.models import Code, Coding
from tests.openanswers.conftest import QUESTION

pytestmark = pytest.mark.django_db


@pytest.fixture
def codebook(answered):
    codebook = services.codebook_create(fieldwork=answered, question=QUESTION)
    privacy = services.code_add(codebook=codebook, label="Privacy")
    first = next(iter(selectors.answer_texts(codebook=codebook)))
    services.codings_set(codebook=codebook, codes={first: [privacy.pk]}, user=None)
    codebook.first = first
    return codebook


def _codings(codebook) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    for response, name in Coding.objects.filter(codebook=codebook).values_list(
            "response_id", "code__name"):
        result.setdefault(response, set()).add(name)
    return result


def _xlsx(path, answers, codebook_rows=None):
    book = Workbook()
    sheet = book.active
    sheet.title = "codes"
    for row in answers:
        sheet.append(row)
    if codebook_rows is not None:
        extra = book.create_sheet("codebook")
        for row in codebook_rows:
            extra.append(row)
    book.save(path)
    return path


def test_export_and_import_round_trip_through_excel(codebook, answered, tmp_path, capsys) -> None:
    path = tmp_path / "codes.xlsx"
    assert main(["code", "export", answered.slug, QUESTION, "-o", str(path)]) == 0
    texts = selectors.answer_texts(codebook=codebook)
    assert capsys.readouterr().out.strip() == f"wrote {path}: {len(texts)} answers"
    book = load_workbook(path)
    rows = list(book["codes"].iter_rows(values_only=True))
    assert rows[0] == ("answer_id", "answer", "codes")
    assert {r[0]: r[2] for r in rows[1:]}[codebook.first] == "privacy"
    assert [r[0] for r in book["codebook"].iter_rows(values_only=True)] == [
        "name", "overig", "geen_zinvol_antwoord", "privacy"]
    # Coded elsewhere: a new theme with a code under it, and every answer coded.
    sheet = book["codes"]
    for row in sheet.iter_rows(min_row=2):
        row[2].value = "kosten;overig" if row[0].value % 2 else "lekken"
    book["codebook"].append(("kosten", "Kosten", "", "Geld"))
    book["codebook"].append(("lekken", "Datalekken", "privacy", ""))
    book.save(path)
    assert main(["code", "import", answered.slug, QUESTION, str(path)]) == 0
    assert "2 codes added" in capsys.readouterr().out
    leaks = Code.objects.get(name="lekken")
    assert leaks.parent.name == "privacy" and leaks.label == "Datalekken"
    assert _codings(codebook) == {pk: ({"kosten", "overig"} if pk % 2 else {"lekken"})
                                  for pk in texts}


def test_a_csv_with_semicolons_imports(codebook, answered, tmp_path) -> None:
    path = tmp_path / "codes.csv"
    assert main(["code", "export", answered.slug, QUESTION, "-o", str(path)]) == 0
    rows = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    assert rows[0] == ["answer_id", "answer", "codes"]
    second = int(rows[2][0])
    path.write_text(f"answer_id;answer;codes\n{second};x;overig\n", encoding="utf-8")
    assert main(["code", "import", answered.slug, QUESTION, str(path)]) == 0
    assert _codings(codebook)[second] == {"overig"}
    assert _codings(codebook)[codebook.first] == {"privacy"}  # not in the file: untouched


@pytest.mark.parametrize(("answers", "book", "message"), [
    ([("answer_id", "answer", "codes"), ("FIRST", "", "onbekend")], None,
     "unknown code 'onbekend'"),
    ([("answer_id", "answer", "codes"), (999999, "", "overig")], None,
     "answer 999999 is no answer to this question"),
    ([("answer_id", "answer", "codes"), ("abc", "", "overig")], None, "is no number"),
    ([("answer_id", "answer", "codes"), ("FIRST", "", "overig"), ("FIRST", "", "")], None,
     "is also in row 2"),
    ([("id", "tekst")], None, "no column answer_id, codes"),
    ([("answer_id", "answer", "codes"), ("FIRST", "", "a")],
     [("name", "label", "parent", "description"), ("a", "A", "b", ""), ("b", "B", "a", "")],
     "go round in a circle"),
    ([("answer_id", "answer", "codes"), ("FIRST", "", "a")],
     [("name", "label", "parent", "description"), ("a", "Zelfde", "", ""),
      ("b", "zelfde", "", "")], "label 'zelfde' is also in row 2"),
    ([("answer_id", "answer", "codes"), ("FIRST", "", "c")],
     [("name", "label", "parent", "description"), ("c", "C", "lek", ""),
      ("lek", "Lek", "privacy", "")], "two levels at most"),
    ([("answer_id", "answer", "codes"), ("FIRST", "", "x")],
     [("name", "label", "parent", "description"), ("x", "Privacy", "", "")],
     "is the code 'privacy' already"),
])
def test_a_wrong_file_is_refused_whole(codebook, answered, tmp_path, capsys, answers, book,
                                       message) -> None:
    answers = [tuple(codebook.first if v == "FIRST" else v for v in row) for row in answers]
    before = (_codings(codebook), Code.objects.count())
    path = _xlsx(tmp_path / "codes.xlsx", answers, book)
    assert main(["code", "import", answered.slug, QUESTION, str(path)]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "nothing imported" in error
    assert (_codings(codebook), Code.objects.count()) == before


def test_bad_arguments_are_one_line(codebook, answered, tmp_path, capsys) -> None:
    (tmp_path / "kapot.xlsx").write_bytes(b"no workbook")
    (tmp_path / "codes.txt").write_text("x")
    cases = [
        (["code", "export", "onbekend", QUESTION], "no fieldwork 'onbekend'"),
        (["code", "export", answered.slug, "desirability"], "is no open question"),
        (["code", "export", answered.slug, QUESTION, "-o", str(tmp_path / "x.pdf")],
         "give a .csv or .xlsx"),
        (["code", "import", answered.slug, QUESTION, str(tmp_path / "weg.csv")],
         "no such file"),
        (["code", "import", answered.slug, QUESTION, str(tmp_path / "kapot.xlsx")],
         "is not an Excel workbook"),
        (["code", "import", answered.slug, QUESTION, str(tmp_path / "codes.txt")],
         "give a .csv or .xlsx file"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1, (argv, error)
