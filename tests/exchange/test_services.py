"""Exports of a fieldwork's stored responses (``peiling.exchange.services``) and ``peiling
export``: which responses, paradata, one-line errors, and never any contact data."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from django.utils import timezone

from peiling.accounts.services import organisation_default
from peiling.cli import main
from peiling.exchange import services
from peiling.exchange.writers import FORMATS, get_writer
from peiling.fieldwork import services as fieldwork_services
from peiling.fieldwork.answers import answers_to_json
from peiling.fieldwork.models import Fieldwork, Invitation, Response
from peiling.fieldwork.tokens import new_respondent_key, token_hash
from peiling.questionnaires.models import FormVersion
from peiling.questionnaires.services import form_version_import
from tests.exchange.conftest import FORM, ROWS
from tests.xlsform import write_workbook

EMAIL = "j.de.vries@example.nl"
NAME = "Jantje de Vries"
AMSTERDAM = dt.timezone(dt.timedelta(hours=2))  # summer time in May


@pytest.fixture
def version(db: None, tmp_path_factory: pytest.TempPathFactory) -> FormVersion:
    source = write_workbook(FORM, tmp_path_factory.mktemp("form") / "vragenlijst.xlsx")
    source = source.read_bytes()
    return form_version_import(source=source, source_name="vragenlijst.xlsx").version


@pytest.fixture
def fieldwork(version: FormVersion) -> Fieldwork:
    """The five respondents of conftest.ROWS (the fourth only started), plus paradata."""
    fieldwork = fieldwork_services.fieldwork_create(
        form_version=version, slug="digitalisering-2024", name="Digitalisering 2024",
        opens_at=dt.datetime(2024, 5, 1, 7, tzinfo=dt.UTC),
        closes_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    for number, answers in enumerate(ROWS):
        started = dt.datetime(2024, 5, 1 + number, 8, 0, tzinfo=dt.UTC)
        done = number != 3
        make_response(
            fieldwork, answers, started=started,
            completed=started + dt.timedelta(minutes=5 + number) if done else None,
            status="completed" if done else "started",
            source="linkedin" if number == 2 else "panel", device="mobile", language="nl",
        )  # fmt: skip
    return fieldwork


def make_response(fieldwork: Fieldwork, answers: dict[str, Any], **fields: Any) -> Response:
    return Response.objects.create(
        fieldwork=fieldwork, form_version=fieldwork.form_version,
        respondent_key=new_respondent_key(), source=fields["source"], status=fields["status"],
        answers=answers_to_json(answers), language=fields["language"],
        device_class=fields["device"], started_at=fields["started"],
        updated_at=fields["completed"] or fields["started"], completed_at=fields["completed"],
        profile=fields.get("profile", {}),
    )  # fmt: skip


def export_csv(tmp_path: Path, **options: Any) -> pd.DataFrame:
    path = tmp_path / "export.csv"
    services.fieldwork_export(reference="digitalisering-2024", format="csv", path=path, **options)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_completed_responses_in_order_of_starting(fieldwork: Fieldwork, tmp_path: Path) -> None:
    frame = export_csv(tmp_path)
    assert frame["org"].tolist() == ["gemeente", "rijk", "gemeente", ""]
    assert frame["toelichting"].tolist() == ["'=1+1", "Prima", "'-2+3", "'+31 6 1234"]


def test_partial_responses_on_request(fieldwork: Fieldwork, tmp_path: Path) -> None:
    frame = export_csv(tmp_path, include_partial=True, paradata=True)
    assert frame["org"].tolist() == ["gemeente", "rijk", "gemeente", "overig", ""]
    assert frame["_status"].tolist() == ["completed"] * 3 + ["started", "completed"]


def test_paradata_in_local_time(fieldwork: Fieldwork, tmp_path: Path) -> None:
    frame = export_csv(tmp_path, paradata=True)
    assert list(frame.columns[:7]) == [
        "_source",
        "_status",
        "_started",
        "_completed",
        "_duration",
        "_device",
        "_language",
    ]
    assert frame.iloc[0, :7].tolist() == [
        "panel",
        "completed",
        "2024-05-01 10:00:00",
        "2024-05-01 10:05:00",
        "300",
        "mobile",
        "nl",
    ]
    assert frame["_source"].tolist() == ["panel", "panel", "linkedin", "panel"]
    assert frame["_duration"].tolist() == ["300", "360", "420", "540"]


def test_an_unknown_fieldwork_names_close_ones(fieldwork: Fieldwork, tmp_path: Path) -> None:
    with pytest.raises(services.FieldworkNotFound) as caught:
        services.fieldwork_export(reference="digitalisering-2042", format="csv",
                                  path=tmp_path / "x.csv")  # fmt: skip
    assert str(caught.value) == (
        "no fieldwork 'digitalisering-2042' (there is 1); did you mean digitalisering-2024?"
    )
    assert list(tmp_path.iterdir()) == []


def test_answers_that_do_not_fit_the_form(fieldwork: Fieldwork, tmp_path: Path) -> None:
    Response.objects.filter(status="completed").update(answers={"org": "waterschap"})
    with pytest.raises(services.DataDoesNotFit) as caught:
        export_csv(tmp_path)
    assert str(caught.value) == (
        "fieldwork 'digitalisering-2024': stored answers do not fit questionnaire version "
        "digi v1: column 'org': 4 values not in the choice list (e.g. 'waterschap')"
    )
    assert list(tmp_path.iterdir()) == []


def test_answers_under_a_name_the_form_does_not_have(fieldwork: Fieldwork, tmp_path: Path) -> None:
    Response.objects.filter(status="completed").update(answers={"leeftijd": 44})
    with pytest.raises(services.DataDoesNotFit, match="column 'leeftijd': 4 answers under a key"):
        export_csv(tmp_path)


def test_no_contact_data_in_any_export(fieldwork: Fieldwork, tmp_path: Path) -> None:
    """The e-mail address and name of a panel member, and profile snapshots that (wrongly) hold
    them, appear in no export of any format; nor does the respondent key."""
    from peiling.panel.models import Member, Panel

    panel = Panel.objects.create(organisation=organisation_default(), slug="ambtenaren", name="Ambtenarenpanel",
                                 profile=fieldwork.form_version)  # fmt: skip
    Member.objects.create(panel=panel, email=EMAIL, name=NAME, status_changed_at=timezone.now(),
                          profile={"org": "gemeente"})  # fmt: skip
    response = Response.objects.filter(status="completed").first()
    assert response is not None
    response.profile = {"email": EMAIL, "naam": NAME}
    response.save()
    Invitation.objects.create(fieldwork=fieldwork, token_hash=token_hash("x" * 32),
                              profile={"email": EMAIL, "naam": NAME}, response=response)  # fmt: skip
    for format in FORMATS:
        if format == "pdf":
            continue  # the HTML it prints is checked as "html"
        path = tmp_path / f"export{get_writer(format).suffixes[0]}"
        services.fieldwork_export(reference=fieldwork.slug, format=format, path=path,
                                  include_partial=True, paradata=True)  # fmt: skip
        text = decoded(path, format)
        assert ("Prima" in text) is (format != "html"), format  # answers are there, decoded
        for secret in (EMAIL, NAME, "j.de.vries", "Vries", response.respondent_key):
            assert secret not in text, (format, secret)


def decoded(path: Path, format: str) -> str:
    """Return all the text a file holds, decompressed: cells, labels, metadata."""
    if format in ("csv", "html"):
        return path.read_text(encoding="utf-8")
    if format == "xlsx":
        with zipfile.ZipFile(path) as archive:
            return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    if format == "parquet":
        table = pq.read_table(path)
        return repr(table.to_pylist()) + repr(table.schema.metadata) + repr(table.schema)
    if format == "sav":
        frame, meta = pyreadstat.read_sav(str(path))
        return repr(frame.to_numpy().tolist()) + repr(vars(meta))
    raise ValueError(format)


# -- the command ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["export", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_command_writes_the_file(
    fieldwork: Fieldwork, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "antwoorden.sav"
    status, out, err = run(capsys, fieldwork.slug, "-o", path)
    assert (status, out, err) == (0, f"wrote {path}: 4 responses, 11 columns\n", "")


def test_command_default_file_name(
    fieldwork: Fieldwork, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, fieldwork.slug, "--format", "csv", "--delimiter", ";")
    assert (status, out) == (0, "wrote digitalisering-2024.csv: 4 responses, 12 columns\n")
    assert err == (
        "peiling export: warning: toelichting: 3 cells started with =, +, -, @, tab or CR; "
        "prefixed with ' so that spreadsheets do not run them as formulas\n"
    )
    header = (tmp_path / "digitalisering-2024.csv").read_text(encoding="utf-8").split("\r\n")[0]
    assert header.startswith("org;st_a;st_b;wens;kanalen;kanalen/web;")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["nergens", "--format", "csv"], 2, "no fieldwork 'nergens' (there is 1)"),
        (["digitalisering-2024"], 2, "give --format, or -o FILE with a known extension"),
        (["digitalisering-2024", "-o", "x.dta"], 2,
         "x.dta: '.dta' is no export format; expected one of .sav, .csv, .xlsx, .parquet, .pq, "
         ".html, .htm, .pdf (or give --format)"),
        (["digitalisering-2024", "-o", "x.csv", "--format", "sav"], 2,
         "-o x.csv is a .csv file name, but --format is sav; make them agree"),
        (["digitalisering-2024", "--format", "sav", "--labels", "labels"], 2,
         "option values='labels' does not apply to sav; it applies to csv, xlsx, parquet"),
        (["digitalisering-2024", "--format", "xlsx", "--bom"], 2,
         "option bom=True does not apply to xlsx; it applies to csv"),
        (["digitalisering-2024", "-o", "nergens/x.sav"], 1,
         "nergens/x.sav: directory 'nergens' does not exist"),
    ],
)  # fmt: skip
def test_command_errors_are_one_line(
    fieldwork: Fieldwork, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, args: list[str], status: int, message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert run(capsys, *args) == (status, "", f"peiling export: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_command_reads_the_labels_option(
    fieldwork: Fieldwork, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.csv"
    assert run(capsys, fieldwork.slug, "-o", path, "--labels", "labels")[0] == 0
    frame = pd.read_csv(io.StringIO(path.read_text(encoding="utf-8")), dtype=str)
    assert frame["org"].tolist()[:2] == ["Gemeente", "Rijksoverheid"]
