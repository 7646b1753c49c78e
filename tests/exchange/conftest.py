"""Fixtures for the exchange tests: a small form that has every kind of variable, five
respondents whose export is known cell by cell, and simulated respondents of the example
questionnaire for round trips."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from peiling.analysis.dataset import Dataset
from peiling.exchange.writers import ExportData, Paradata
from peiling.forms.model import Form
from peiling.forms.simulate import simulate_answers
from peiling.forms.xlsform import read_xlsform
from tests.xlsform import write_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digitalisering-overheid.xlsx"

FORM = """
## survey
| type                   | name        | label                              | relevant            | appearance |
| select_one org         | org         | Bij welk type organisatie werkt u? |                     |            |
| begin_group            | grid        | Stellingen                         | ${org} = 'gemeente' | table-list |
| select_one agree       | st_a        | Mijn gemeente is innovatief.       |                     |            |
| select_one agree       | st_b        | Wetgeving maakt het moeilijk.      |                     |            |
| end_group              |             |                                    |                     |            |
| select_one wens        | wens        | Hoe wenselijk is online aanbieden? |                     |            |
| select_multiple kanaal | kanalen     | Welke kanalen gebruikt u?          |                     |            |
| integer                | pct         | Hoeveel procent digitaal?          | ${org} = 'gemeente' |            |
| decimal                | uren        | Uren per week?                     |                     |            |
| text                   | toelichting | Toelichting                        |                     |            |
| date                   | datum       | Datum                              |                     |            |
## choices
| list_name | name      | label         |
| org       | gemeente  | Gemeente      |
| org       | rijk      | Rijksoverheid |
| org       | overig    | Overig        |
| agree     | eens      | Mee eens      |
| agree     | neutraal  | Neutraal      |
| agree     | oneens    | Mee oneens    |
| agree     | weet_niet | Weet niet     |
| wens      | wenselijk   | Wenselijk    |
| wens      | neutraal    | Neutraal     |
| wens      | onwenselijk | Onwenselijk  |
| wens      | weet_niet   | Weet ik niet |
| kanaal    | web       | Website       |
| kanaal    | telefoon  | Telefoon      |
| kanaal    | balie     | Balie         |
## settings
| form_id | form_title     | version |
| digi    | Digitalisering | 2024-1  |
"""

#: Five respondents: routing both ways, a don't-know, an unanswered question, formula-like text.
ROWS = [
    {"org": "gemeente", "st_a": "eens", "st_b": "weet_niet", "wens": "wenselijk",
     "kanalen": ("web", "balie"), "pct": 40, "uren": 7.5, "toelichting": "=1+1",
     "datum": dt.date(2024, 5, 1)},
    {"org": "rijk", "wens": "weet_niet", "kanalen": ("telefoon",), "toelichting": "Prima"},
    {"org": "gemeente", "st_a": "oneens", "wens": "onwenselijk", "pct": 0, "uren": 12,
     "toelichting": "-2+3", "datum": dt.date(2024, 6, 30)},
    {"org": "overig", "wens": "neutraal", "kanalen": ("web", "telefoon", "balie"), "uren": 0.25,
     "toelichting": "@SUM(A1)"},
    {"toelichting": "+31 6 1234"},
]  # fmt: skip

PARADATA = Paradata(
    source=("panel", "panel", "linkedin", "panel", "nieuwsbrief"),
    status=("completed", "completed", "completed", "started", "completed"),
    started_at=(dt.datetime(2024, 5, 1, 9, 0), dt.datetime(2024, 5, 1, 9, 30),
                dt.datetime(2024, 5, 2, 14, 0), dt.datetime(2024, 5, 3, 8, 0),
                dt.datetime(2024, 5, 3, 20, 15)),
    completed_at=(dt.datetime(2024, 5, 1, 9, 7, 30), dt.datetime(2024, 5, 1, 9, 40),
                  dt.datetime(2024, 5, 2, 14, 5), None, dt.datetime(2024, 5, 3, 20, 20)),
    device_class=("desktop", "mobile", "mobile", "tablet", "unknown"),
    language=("nl", "nl", "en", "nl", "nl"),
)  # fmt: skip


@pytest.fixture(scope="session")
def form_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(FORM, tmp_path_factory.mktemp("form") / "vragenlijst.xlsx")


@pytest.fixture(scope="session")
def form(form_path: Path) -> Form:
    return read_xlsform(form_path)


@pytest.fixture(scope="session")
def data(form: Form) -> ExportData:
    """The five respondents, without paradata."""
    dataset = Dataset.from_records(form, ROWS)
    return ExportData(dataset, form, form.default_language, created=dt.datetime(2024, 7, 1, 12))


@pytest.fixture(scope="session")
def data_with_paradata(data: ExportData) -> ExportData:
    return ExportData(data.dataset, data.form, data.language, PARADATA, created=data.created)


@pytest.fixture(scope="session")
def example_form() -> Form:
    return read_xlsform(EXAMPLE)


@pytest.fixture(scope="session")
def example_data(example_form: Form) -> ExportData:
    """300 simulated respondents of the example questionnaire (seed 7)."""
    rng = random.Random(7)
    rows = [simulate_answers(example_form, rng, today=dt.date(2024, 5, 1)) for _ in range(300)]
    dataset = Dataset.from_records(example_form, rows)
    return ExportData(dataset, example_form, example_form.default_language)
