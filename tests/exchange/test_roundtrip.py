"""Export -> peiling's readers -> the same codes -> the same tables.

300 simulated respondents of the example questionnaire (routing, don't-know choices, a
multiple choice question, numbers, open answers) written in each tabular format and read back
with ``peiling.exchange.read_data``; the tables are ``peiling.analysis.tabulate``'s against the
example's banner (type of organisation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyreadstat
import pytest

from peiling.analysis.dataset import Dataset
from peiling.analysis.tables import tabulate
from peiling.exchange import read_data, read_frame
from peiling.exchange.writers import ExportData, WriteOptions, get_writer
from peiling.forms.model import Form
from tests.datasets import assert_same_variables

# Text answers are compared apart: CSV and XLSX neutralise formula-like text ('=...).
CASES = [
    ("csv", WriteOptions()),
    ("csv", WriteOptions(delimiter=";", bom=True)),
    ("xlsx", WriteOptions()),
    ("parquet", WriteOptions()),
]




def tables(dataset: Dataset) -> list[dict[str, Any]]:
    return [table.to_dict() for table in tabulate(dataset, banner=["org_type"])]


@pytest.mark.parametrize(("format", "options"), CASES, ids=["csv", "csv;bom", "xlsx", "parquet"])
def test_export_reads_back_to_the_same_codes_and_tables(
    format: str, options: WriteOptions, example_data: ExportData, example_form: Form,
    tmp_path: Path,
) -> None:  # fmt: skip
    path = tmp_path / f"antwoorden.{format}"
    get_writer(format).write(example_data, path, options)
    result = read_data(path, example_form)
    assert result.report.problems == ()
    assert result.report.extra_columns == ()
    assert_same_variables(example_data.dataset, result.dataset, text="answers")
    assert tables(result.dataset) == tables(example_data.dataset)


def test_the_example_has_what_a_round_trip_must_survive(example_data: ExportData) -> None:
    dataset = example_data.dataset
    assert dataset.n == 300
    assert 0 < int(dataset.asked("pct_digital").sum()) < 300  # routing
    dont_know = dataset.variable("desirability").code_of("weet_niet")
    assert int((dataset.codes("desirability") == dont_know).sum()) > 0
    assert 0 < int(dataset.answered("programmes_other").sum()) < 300


def test_sav_reads_back_through_the_value_labels(
    example_data: ExportData, example_form: Form, tmp_path: Path
) -> None:
    """As SPSS shows the file (user-missing kept, "not asked" -2 blanked and unlabelled, so
    not recognisably peiling's): every code maps back through its value label, labels cut to
    SPSS's 120 bytes (maturity) through the one choice label they begin."""
    get_writer("sav").write(example_data, tmp_path / "a.sav")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"), user_missing=True)
    frame = frame.mask(frame.isin([-2.0]))
    labels = {
        column: {code: label for code, label in value_labels.items() if code != -2.0}
        for column, value_labels in meta.variable_value_labels.items()
    }
    assert any(label.endswith("…") for label in labels["maturity"].values())
    result = read_frame(frame, example_form, value_labels=labels)
    assert result.report.problems == ()
    dataset = result.dataset
    for name, variable in example_data.dataset.variables.items():
        if variable.kind == "single":
            assert dataset.codes(name).tolist() == example_data.dataset.codes(name).tolist()


def test_read_data_reads_the_example_sav_back(
    example_data: ExportData, example_form: Form, tmp_path: Path
) -> None:
    get_writer("sav").write(example_data, tmp_path / "a.sav")
    result = read_data(tmp_path / "a.sav", example_form)
    assert tables(result.dataset) == tables(example_data.dataset)
