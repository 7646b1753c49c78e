"""A coded open question is a multiple response variable ``<question>_codes`` in the data
of every table, the results pages and every export format."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
import pyreadstat
import pytest
from openpyxl import load_workbook

from peiling.analysis.tables import multiple_table
from peiling.cli import main
from peiling.exchange.services import fieldwork_export_data
from peiling.openanswers import selectors, services
from peiling.reports.datasets import fieldwork_dataset
from tests.openanswers.conftest import QUESTION

pytestmark = pytest.mark.django_db
CODES = QUESTION + "_codes"


def test_the_codes_are_a_multiple_response_variable_after_the_question(coded) -> None:
    dataset = fieldwork_export_data(fieldwork=coded).dataset
    names = list(dataset.variables)
    assert names[names.index(QUESTION) + 1] == CODES
    variable = dataset.variable(CODES)
    assert variable.kind == "multiple"
    assert [c.name for c in variable.categories] == [
        "overig", "geen_zinvol_antwoord", "privacy", "datalekken", "kosten"]
    assert int(dataset.asked(CODES).sum()) == coded.expected["answered"]
    assert int(dataset.answered(CODES).sum()) == coded.expected["coded"]
    table = multiple_table(dataset, CODES)
    counts = {row.key: row.counts[0] for row in table.rows if row.counts}
    assert counts["privacy"] == coded.expected["privacy"]  # the theme holds its codes
    assert counts["datalekken"] == coded.expected["datalekken"]
    assert counts["kosten"] == coded.expected["kosten"]
    assert table.columns[0].base == coded.expected["coded"]  # the base: the coded answers


def test_the_results_pages_see_a_new_coding(coded) -> None:
    before = fieldwork_dataset(fieldwork=coded)
    uncoded = next(pk for pk in selectors.answer_texts(codebook=coded.codebook)
                   if pk not in coded.themes or coded.themes[pk] not in ("privacy", "kosten"))
    other = coded.codebook.codes.get(name="overig")
    services.codings_set(codebook=coded.codebook, codes={uncoded: [other.pk]},
                         user=coded.coder)
    after = fieldwork_dataset(fieldwork=coded)
    assert int(after.answered(CODES).sum()) == int(before.answered(CODES).sum()) + 1


def test_every_export_format_has_the_codes(coded, tmp_path) -> None:
    for extension in ("csv", "xlsx", "parquet", "sav"):
        assert main(["export", coded.slug, "-o", str(tmp_path / f"data.{extension}")]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "data.csv").read_text("utf-8-sig"))))
    columns = [c for c in rows[0] if c.startswith(CODES)]
    assert columns == [CODES] + [f"{CODES}/{name}" for name in (
        "overig", "geen_zinvol_antwoord", "privacy", "datalekken", "kosten")]
    assert sum(row[f"{CODES}/privacy"] == "1" for row in rows) == coded.expected["privacy"]
    sheet = load_workbook(tmp_path / "data.xlsx", read_only=True).worksheets[0]
    header = next(sheet.iter_rows(values_only=True))
    assert f"{CODES}/kosten" in header
    table = pq.read_table(tmp_path / "data.parquet")
    assert sum(v == 1 for v in table.column(f"{CODES}/kosten").to_pylist()) == (
        coded.expected["kosten"])
    frame, meta = pyreadstat.read_sav(tmp_path / "data.sav")
    spss = [c for c in frame.columns if c.lower().startswith(CODES.lower())]
    assert len(spss) == 5
    assert int((frame[spss[2]] == 1).sum()) == coded.expected["privacy"]
    assert meta.column_names_to_labels[spss[4]].endswith("Kosten")
    assert any(CODES.lower()[:8] in name.lower() for name in meta.mr_sets), meta.mr_sets
