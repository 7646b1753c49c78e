"""A form with ``or_other`` and XLSForm metadata (start, end, today), fielded and answered as a
respondent would, then exported in every format, tabulated and reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from peiling.exchange import services
from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.models import Response
from peiling.questionnaires.services import form_version_import
from peiling.reports import selectors as report_selectors
from tests.xlsform import write_workbook

pytestmark = pytest.mark.django_db

FORM = """
## survey
| type | name | label | required |
| start | begin | | |
| end | einde | | |
| today | dag | | |
| deviceid | toestel | | |
| select_one org or_other | org | Waar werkt u? | yes |
## choices
| list_name | name | label |
| org | gemeente | Gemeente |
| org | rijk | Rijksoverheid |
## settings
| form_title | form_id |
| Werkgever | werkgever |
"""
STARTED = dt.datetime(2024, 5, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def fieldwork(tmp_path):
    source = write_workbook(FORM, tmp_path / "werkgever.xlsx").read_bytes()
    imported = form_version_import(source=source, source_name="werkgever.xlsx")
    assert [w.code for w in imported.warnings] == ["ignored_metadata"]
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=imported.version, slug="werkgever-2024", name="Werkgever 2024",
        opens_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    answers = [("gemeente", None), ("other", "Waterschap"), ("other", "Provincie Utrecht"),
               ("rijk", None)]
    for number, (org, other) in enumerate(answers):
        now = STARTED + dt.timedelta(hours=number)
        response = fieldwork_services.response_start(fieldwork=fieldwork, language="nl",
                                                     source="open", now=now)
        result = fieldwork_services.response_submit(
            fieldwork=fieldwork, response=response, page_key="org", data={"org": [org]},
            action="next", language="nl", now=now + dt.timedelta(minutes=1))
        if other is not None:  # the text question asks what "other" is
            assert (result.step.outcome, result.step.page) == ("moved", "org_other")
            result = fieldwork_services.response_submit(
                fieldwork=fieldwork, response=result.response, page_key="org_other",
                data={"org_other": [other]}, action="next", language="nl",
                now=now + dt.timedelta(minutes=2))
        assert result.step.outcome == "completed"
    return fieldwork


def test_or_other_is_a_choice_and_a_text_answer(fieldwork) -> None:
    stored = sorted((r.answers["org"], r.answers.get("org_other", ""))
                    for r in Response.objects.all())
    assert stored == [("gemeente", ""), ("other", "Provincie Utrecht"), ("other", "Waterschap"),
                      ("rijk", "")]


@pytest.mark.parametrize("format", ["csv", "sav", "xlsx", "parquet"])
def test_exports_hold_the_other_text_and_the_metadata(fieldwork, tmp_path: Path,
                                                      format: str) -> None:
    path = tmp_path / f"data.{format}"
    services.fieldwork_export(reference=fieldwork.slug, format=format, path=path)
    if format == "csv":
        frame = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    elif format == "sav":
        frame, _meta = pyreadstat.read_sav(path, apply_value_formats=True)
    elif format == "xlsx":
        frame = pd.read_excel(path, sheet_name=0, dtype=object)
    else:
        frame = pq.read_table(path).to_pandas()
    assert list(frame.columns) == ["begin", "einde", "dag", "org", "org_other"]
    assert [str(v) if pd.notna(v) else "" for v in frame["org_other"]] == [
        "", "Waterschap", "Provincie Utrecht", ""]
    days = {pd.Timestamp(v).date() for v in frame["dag"]}
    assert days == {dt.date(2024, 5, 2)}
    begins = [pd.Timestamp(v) for v in frame["begin"]]
    assert begins == sorted(begins) and begins[0].hour == 11 and begins[0].minute == 30  # CEST
    ends = [pd.Timestamp(v) for v in frame["einde"]]
    assert all(end > begin for begin, end in zip(begins, ends, strict=True))


def test_the_report_counts_other_as_a_row_of_its_own(fieldwork) -> None:
    report = report_selectors.report_for_fieldwork(reference=fieldwork.slug)
    table = next(item.table for item in report.tables() if item.table.name == "org")
    rows = {row.label: row for row in table.rows}
    assert {"Gemeente", "Rijksoverheid", "Anders"} <= set(rows)
