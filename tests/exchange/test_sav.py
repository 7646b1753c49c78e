"""SPSS export, read back with pyreadstat: codes, missing values, labels, measures, MR sets.

Expected codes follow the rules of ``peiling.exchange.coding`` for the five respondents of
conftest.ROWS: choice code = position in the list, -1 "weet niet", -2 not asked (routing),
empty (system-missing) not answered.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from peiling.analysis.dataset import Category, Dataset, Variable
from peiling.analysis.tables import tabulate
from peiling.exchange import read_data, read_frame
from peiling.exchange.sav import SavWriter, spss_name
from peiling.exchange.writers import ExportData
from peiling.forms.model import Choice, Form, Question
from tests.xlsform import write_workbook

NAN = np.nan
NOT_ASKED = "Niet gevraagd (routing)"


def write(data: ExportData, tmp_path: Path, *, user_missing: bool = True) -> tuple[Any, Any]:
    path = tmp_path / "antwoorden.sav"
    SavWriter().write(data, path)
    return pyreadstat.read_sav(str(path), user_missing=user_missing)


def values(frame: pd.DataFrame, name: str) -> list[Any]:
    return [None if isinstance(v, float) and np.isnan(v) else v for v in frame[name].tolist()]


def test_codes_with_dont_know_and_not_asked(data: ExportData, tmp_path: Path) -> None:
    frame, _ = write(data, tmp_path)
    assert values(frame, "org") == [1, 2, 1, 3, None]
    assert values(frame, "st_a") == [1, -2, 3, -2, -2]
    assert values(frame, "st_b") == [-1, -2, None, -2, -2]
    assert values(frame, "wens") == [1, -1, 3, 2, None]
    assert values(frame, "kanalen_web") == [1, 0, None, 1, None]
    assert values(frame, "kanalen_telefoon") == [0, 1, None, 1, None]
    assert values(frame, "kanalen_balie") == [1, 0, None, 1, None]
    # Numbers: any value can be an answer, so not asked is system-missing like not answered.
    assert values(frame, "pct") == [40, None, 0, None, None]
    assert values(frame, "uren") == [7.5, None, 12, 0.25, None]
    assert values(frame, "toelichting") == ["=1+1", "Prima", "-2+3", "@SUM(A1)", "+31 6 1234"]
    assert values(frame, "datum") == [dt.date(2024, 5, 1), None, dt.date(2024, 6, 30), None, None]


def test_missing_codes_are_user_missing(data: ExportData, tmp_path: Path) -> None:
    frame, meta = write(data, tmp_path, user_missing=False)
    assert values(frame, "st_b") == [None] * 5
    assert values(frame, "wens") == [1, None, 3, 2, None]
    assert meta.missing_ranges == {}
    _, meta = write(data, tmp_path)
    assert meta.missing_ranges["org"] == [{"lo": -2.0, "hi": -1.0}]
    assert meta.missing_ranges["st_a"] == [{"lo": -2.0, "hi": -1.0}]
    assert meta.missing_ranges["kanalen_web"] == [{"lo": -2.0, "hi": -2.0}]
    assert "pct" not in meta.missing_ranges


def test_value_labels_for_every_choice_list(data: ExportData, tmp_path: Path) -> None:
    _, meta = write(data, tmp_path)
    labels = meta.variable_value_labels
    assert labels["org"] == {1: "Gemeente", 2: "Rijksoverheid", 3: "Overig", -2: NOT_ASKED}
    assert (
        labels["st_a"]
        == labels["st_b"]
        == {1: "Mee eens", 2: "Neutraal", 3: "Mee oneens", -1: "Weet niet", -2: NOT_ASKED}
    )
    assert labels["wens"] == {
        1: "Wenselijk",
        2: "Neutraal",
        3: "Onwenselijk",
        -1: "Weet ik niet",
        -2: NOT_ASKED,
    }
    assert labels["kanalen_web"] == {0: "Niet gekozen", 1: "Gekozen", -2: NOT_ASKED}
    assert set(labels) == {"org", "st_a", "st_b", "wens", "kanalen_web", "kanalen_telefoon",
                           "kanalen_balie"}  # fmt: skip


def test_variable_labels_measures_and_formats(data: ExportData, tmp_path: Path) -> None:
    _, meta = write(data, tmp_path)
    assert dict(zip(meta.column_names, meta.column_labels, strict=True)) == {
        "org": "Bij welk type organisatie werkt u?",
        "st_a": "Mijn gemeente is innovatief.",
        "st_b": "Wetgeving maakt het moeilijk.",
        "wens": "Hoe wenselijk is online aanbieden?",
        "kanalen_web": "Website",
        "kanalen_telefoon": "Telefoon",
        "kanalen_balie": "Balie",
        "pct": "Hoeveel procent digitaal?",
        "uren": "Uren per week?",
        "toelichting": "Toelichting",
        "datum": "Datum",
    }
    assert meta.variable_measure == {
        "org": "nominal", "st_a": "ordinal", "st_b": "ordinal", "wens": "ordinal",
        "kanalen_web": "nominal", "kanalen_telefoon": "nominal", "kanalen_balie": "nominal",
        "pct": "scale", "uren": "scale", "toelichting": "nominal", "datum": "scale",
    }  # fmt: skip
    formats = meta.original_variable_types
    assert [formats[n] for n in ("org", "kanalen_web", "pct", "uren", "datum")] == [
        "F2.0",
        "F2.0",
        "F8.0",
        "F8.2",
        "DATE11",
    ]


def test_multiple_choice_is_a_dichotomy_set(data: ExportData, tmp_path: Path) -> None:
    _, meta = write(data, tmp_path)
    assert meta.mr_sets == {
        "kanalen": {
            "type": "D",
            "is_dichotomy": True,
            "counted_value": 1,
            "label": "Welke kanalen gebruikt u?",
            "variable_list": ["kanalen_web", "kanalen_telefoon", "kanalen_balie"],
        }
    }


def test_file_label_and_notes(data: ExportData, tmp_path: Path) -> None:
    _, meta = write(data, tmp_path)
    assert meta.file_label == "Digitalisering"
    assert meta.notes == [
        "peiling export: Digitalisering",
        "form digi version 2024-1; 5 respondents; 2024-07-01 12:00",
        "Codes: plaats in de keuzelijst (1, 2, ...); leeg = niet beantwoord",
        "-1 (-3, -4 ...) = weet niet; -2 = Niet gevraagd (routing)",
    ]


def test_paradata(data_with_paradata: ExportData, tmp_path: Path) -> None:
    frame, meta = write(data_with_paradata, tmp_path)
    assert meta.column_names[:7] == [
        "source",
        "status",
        "started",
        "completed",
        "duration",
        "device",
        "language",
    ]
    assert values(frame, "source") == ["panel", "panel", "linkedin", "panel", "nieuwsbrief"]
    assert values(frame, "duration") == [450, 600, 300, None, 300]
    assert frame["completed"].tolist()[:1] == [pd.Timestamp(2024, 5, 1, 9, 7, 30)]
    assert pd.isna(frame["completed"][3])
    assert meta.column_labels[4] == "Duur in seconden (afgerond - gestart)"
    assert meta.variable_measure["started"] == "scale"


LONG = """
## survey
| type            | name | label |
| select_one lang | q    | {question} |
## choices
| list_name | name | label |
| lang      | a    | {choice} |
| lang      | b    | Kort |
"""


def test_long_labels_are_cut_at_spss_limits_and_reported(tmp_path: Path) -> None:
    question = "Hoe " + "heel " * 60 + "lang?"  # 309 bytes
    choice = "Een " + "lange " * 25 + "keuze"  # 159 bytes
    form = _form(LONG.format(question=question, choice=choice), tmp_path)
    data = ExportData(Dataset.from_records(form, [{"q": "a"}]), form, form.default_language)
    report = SavWriter().write(data, tmp_path / "lang.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "lang.sav"))
    label, value_label = meta.column_labels[0], meta.variable_value_labels["q"][1]
    assert len(label.encode()) == 256 and label == "Hoe " + "heel " * 49 + "heel…"
    assert len(value_label.encode()) == 120 and value_label == "Een " + "lange " * 18 + "lange…"
    assert report.lines() == [
        f"q: variable label cut from 309 to 256 bytes, SPSS's limit: {label!r}",
        f"q: value label cut to 120 bytes, SPSS's limit: {choice!r}",
    ]


def test_names_are_made_valid_and_unique_and_reported(tmp_path: Path) -> None:
    two = (Category("web", "Website"), Category("balie", "Balie"))
    variables = [
        Variable("all", "numeric", "Alles"),
        Variable("_intern", "numeric", "Intern"),
        Variable("q-1", "numeric", "Vraag 1"),
        Variable("Org", "numeric", "Org hoofdletter"),
        Variable("org", "numeric", "org kleine letter"),
        Variable("kanaal_web", "numeric", "Een vraag die zo heet"),
        Variable("kanaal", "multiple", "Kanalen", two),
    ]
    columns = {v.name: [1.0] for v in variables if v.kind == "numeric"}
    columns["kanaal"] = [[1, 0]]
    report = SavWriter().write(ExportData(Dataset(variables, columns)), tmp_path / "n.sav")
    assert report.columns == (
        "all_",
        "intern",
        "q_1",
        "Org",
        "org_2",
        "kanaal_web",
        "kanaal.web",
        "kanaal_balie",
    )
    assert report.lines() == [
        "all: written as 'all_' to fit SPSS's names",
        "_intern: written as 'intern' to fit SPSS's names",
        "q-1: written as 'q_1' to fit SPSS's names",
        "org: written as 'org_2' to fit SPSS's names",
        "kanaal/web: written as 'kanaal.web' to fit SPSS's names",
    ]
    _, meta = pyreadstat.read_sav(str(tmp_path / "n.sav"))
    assert meta.column_names == list(report.columns)
    assert meta.mr_sets["kanaal"]["variable_list"] == ["kanaal.web", "kanaal_balie"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("q1", "q1"), ("1q", "v1q"), ("_q", "q"), ("___", "v"), ("with", "with_"),
     ("vraag.", "vraag"), ("ë_vraag", "ë_vraag"), ("a" * 70, "a" * 64), ("q/x", "q_x")],
)  # fmt: skip
def test_spss_names(name: str, expected: str) -> None:
    assert spss_name(name) == expected


def test_codes_are_stable_across_exports_of_one_version(
    data: ExportData, form: Form, tmp_path: Path
) -> None:
    # Another export of the same form version, with other answers: the same labels per code.
    other = ExportData(Dataset.from_records(form, [{"org": "overig", "wens": "neutraal"}]), form,
                       form.default_language)  # fmt: skip
    SavWriter().write(other, tmp_path / "other.sav")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "other.sav"), user_missing=True)
    _, first = write(data, tmp_path)
    assert meta.variable_value_labels == first.variable_value_labels
    assert values(frame, "org") == [3]


def _form(markdown: str, tmp_path: Path) -> Form:
    from peiling.forms.xlsform import read_xlsform

    return read_xlsform(write_workbook(markdown, tmp_path / "form.xlsx"))


# -- round trip through peiling's reader -----------------------------------------------------


def test_peiling_reads_its_sav_back_to_the_same_codes_and_tables(
    data: ExportData, form: Form, tmp_path: Path
) -> None:
    """Read as SPSS shows it (user-missing values kept), "not asked" blanked: the reader
    maps codes back through the value labels."""
    frame, meta = write(data, tmp_path)
    frame = frame.mask(frame.isin([-2.0]))
    result = read_frame(frame, form, value_labels=meta.variable_value_labels)
    assert result.report.problems == ()
    _assert_same(data.dataset, result.dataset)


def test_read_data_reads_the_sav_back(data: ExportData, form: Form, tmp_path: Path) -> None:
    SavWriter().write(data, tmp_path / "a.sav")
    _assert_same(data.dataset, read_data(tmp_path / "a.sav", form).dataset)


def test_read_frame_reads_peiling_codes_and_cut_labels() -> None:
    """Peiling's labels (-2 "not asked"): codes by position, -1 and -3 the don't-knows. Other
    labels: a label cut to 120 bytes names the one choice label it begins, else nothing."""
    form = Form(
        form_id="f",
        title="f",
        children=(Question("q", "select_one", {"default": "Q"}, choice_list="q"),),
        choice_lists={
            "q": (
                Choice("lang_a", {"default": "Een lange keuze over digitale dienstverlening"}),
                Choice("lang_b", {"default": "Een lange keuze over digitale loketten"}),
                Choice("wn", {"default": "Weet niet"}),
                Choice("dk", {"default": "Geen idee"}),
            )
        },
    )
    own = {1.0: "A", 2.0: "B", -1.0: "Weet niet", -3.0: "Geen idee", -2.0: NOT_ASKED}
    frame = pd.DataFrame({"q": [2.0, -1.0, -3.0, -2.0, NAN, 1.0]})
    result = read_frame(frame, form, value_labels={"q": own})
    assert result.report.problems == ()
    assert result.dataset.codes("q").tolist() == [1, 2, 3, -1, -1, 0]
    cut = {1.0: "Een lange keuze over digitale…", 2.0: "Een lange keuze over digitale lok…"}
    result = read_frame(pd.DataFrame({"q": [1.0, 2.0]}), form, value_labels={"q": cut})
    assert result.dataset.codes("q").tolist() == [-1, 1]
    assert result.report.lines() == [
        "column 'q': 1 value not in choice list 'q' (e.g. '1'); read as no answer"
    ]


def _assert_same(expected: Dataset, got: Dataset) -> None:
    for name in ("org", "st_a", "st_b", "wens"):
        assert got.codes(name).tolist() == expected.codes(name).tolist(), name
    assert got.selected("kanalen").tolist() == expected.selected("kanalen").tolist()
    assert got.answered("kanalen").tolist() == expected.answered("kanalen").tolist()
    for name in ("pct", "uren"):
        np.testing.assert_array_equal(got.numbers(name), expected.numbers(name))
    first = [t.to_dict() for t in tabulate(expected, banner=["org"])]
    assert [t.to_dict() for t in tabulate(got, banner=["org"])] == first
