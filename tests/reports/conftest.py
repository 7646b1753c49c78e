"""Fixtures for the report tests.

The example questionnaire with 1,415 simulated respondents shaped like the reference report
(``peiling.reports.simulated``) is made once per session; reports are built from it once per
session too, since building is pure. A tiny form whose labels and answers hold HTML, Word
field codes and spreadsheet formulas serves the injection tests.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pytest

from peiling.analysis import Dataset
from peiling.forms.model import Choice, Form, Question
from peiling.forms.xlsform import read_xlsform
from peiling.reports.build import build_report
from peiling.reports.definition import ReportDefinition, check_definition, load_definition
from peiling.reports.facts import data_facts
from peiling.reports.model import MethodsFacts, Report, SourceCount
from peiling.reports.simulated import simulated_records, write_odk_csv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digitalisering-overheid.xlsx"
DEFINITION = ROOT / "examples" / "rapport.yaml"
N = 1415
START, END = dt.date(2018, 2, 27), dt.date(2018, 3, 8)
# Hostile text: HTML, a Word field code, spreadsheet formulas (issue 6, "Injection-safe").
SCRIPT = "<script>alert('x')</script>"
FIELD = '{ HYPERLINK "http://example.invalid" } DDEAUTO c:\\cmd.exe'
FORMULA = '=HYPERLINK("http://example.invalid","klik")'
PLUS = "+cmd /C calc"
AT = "@SUM(1+1)*cmd"


@pytest.fixture(scope="session")
def form() -> Form:
    return read_xlsform(EXAMPLE)


@pytest.fixture(scope="session")
def records(form: Form) -> list[dict]:
    return simulated_records(form, N, seed=2018)


@pytest.fixture(scope="session")
def sources() -> list[dict[str, str]]:
    rng = random.Random(7)
    return [{"source": "panel" if rng.random() < 0.77 else "nieuwsbrief"} for _ in range(N)]


@pytest.fixture(scope="session")
def data_csv(form: Form, records: list[dict], sources, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "antwoorden.csv"
    write_odk_csv(form, records, path, extra=sources)
    return path


@pytest.fixture(scope="session")
def dataset(form: Form, data_csv: Path) -> Dataset:
    from peiling.exchange import read_data

    return read_data(data_csv, form, language="nl").dataset


@pytest.fixture(scope="session")
def definition(form: Form, dataset: Dataset) -> ReportDefinition:
    definition = load_definition(DEFINITION)
    extra = [n for n in dataset.variables if dataset.variable(n).question_type is None]
    check_definition(definition, form, extra=extra)
    return definition


@pytest.fixture(scope="session")
def report(form: Form, dataset: Dataset, definition: ReportDefinition) -> Report:
    """The example report as examples/rapport.yaml defines it (the structure of 002)."""
    data, facts = data_facts(dataset, definition)
    return build_report(form, data, definition, facts)


@pytest.fixture(scope="session")
def default_report(form: Form, dataset: Dataset) -> Report:
    """The default report: every question, banner by type of organisation, appendix."""
    definition = ReportDefinition(population="ambtenaren", appendix=True).with_banner(["org_type"])
    facts = MethodsFacts(
        n=dataset.n,
        start=START,
        end=END,
        sources=(SourceCount("panel", "het panel", 1093), SourceCount("open", "de open link", 322)),
    )
    return build_report(form, dataset, definition, facts)


@pytest.fixture(scope="session")
def hostile_form() -> Form:
    """A form whose question and choice labels are hostile text."""

    def text(value: str) -> dict[str, str]:
        return {"default": value}

    return Form(
        form_id="hostile",
        title=f"Peiling {SCRIPT}",
        children=(
            Question("org", "select_one", text(f"Organisatie {SCRIPT}"), choice_list="org"),
            Question("q1", "select_one", text(FORMULA), choice_list="agree"),
            Question("q2", "select_one", text(FIELD), choice_list="agree"),
            Question("open", "text", text(PLUS)),
        ),
        choice_lists={
            "org": (Choice("a", text(AT)), Choice("b", text(SCRIPT))),
            "agree": (Choice("eens", text("Mee eens")), Choice("oneens", text(PLUS))),
        },
    )


@pytest.fixture(scope="session")
def hostile_report(hostile_form: Form) -> Report:
    """A report whose every label and quote is hostile text."""
    rows = [
        {"org": "a" if i % 2 else "b", "q1": "eens" if i % 3 else "oneens",
         "q2": "oneens" if i % 4 else "eens", "open": answer}
        for i, answer in enumerate([SCRIPT, FIELD, FORMULA, PLUS, AT] * 12)
    ]  # fmt: skip
    dataset = Dataset.from_records(hostile_form, rows)
    data = {
        "title": f"Rapport {SCRIPT}",
        "population": f"leden {FORMULA}",
        "banner": "org",
        "banners": {"org": {"columns": ["org"], "title": AT}},
        "sections": [
            {
                "title": f"Sectie {SCRIPT}",
                "text": PLUS,
                "items": [
                    {"question": "q1"},
                    {"statements": ["q1", "q2"], "title": FIELD},
                    {
                        "quotes": "open",
                        "themes": [
                            {"theme": FORMULA, "quotes": [SCRIPT, PLUS, AT]},
                            {"theme": "Veld", "quotes": [FIELD]},
                        ],
                    },
                ],
            }
        ],
    }
    from peiling.reports.definition import parse_definition

    definition = parse_definition(json.dumps(data), source="hostile.json")
    check_definition(definition, hostile_form)
    return build_report(hostile_form, dataset, definition, MethodsFacts(n=dataset.n))


HOSTILE_TEXTS = (SCRIPT, FIELD, FORMULA, PLUS, AT)


def chromium_available() -> bool:
    from peiling.reports.renderers import RenderError
    from peiling.reports.renderers.pdf import chromium_path

    try:
        return bool(chromium_path()) and shutil.which(chromium_path()) is not None
    except RenderError:
        return False
