"""The writer registry and the contract every export format keeps (``WriterContract``).

Each format's own tests (values, labels, read-back) are in test_<module>.py; here each writer
is held to the same rules: registered under its name and extensions, written all at once or
not at all, options it does not use refused, empty data and paradata handled, and exactly the
form's columns written — nothing else (no contact data can slip in).
"""

from __future__ import annotations

import datetime as dt
import stat
import tempfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from peiling.analysis.dataset import Dataset
from peiling.exchange.codebook import PdfCodebookWriter
from peiling.exchange.writers import (
    FORMATS,
    SUFFIXES,
    WRITERS,
    ExportData,
    OptionError,
    OutputError,
    Paradata,
    UnknownFormat,
    WriteOptions,
    Writer,
    format_for_path,
    get_writer,
)
from peiling.forms.model import Form

ODK_COLUMNS = (
    "org", "st_a", "st_b", "wens", "kanalen", "kanalen/web", "kanalen/telefoon",
    "kanalen/balie", "pct", "uren", "toelichting", "datum",
)  # fmt: skip
SPSS_COLUMNS = (
    "org", "st_a", "st_b", "wens", "kanalen_web", "kanalen_telefoon", "kanalen_balie", "pct",
    "uren", "toelichting", "datum",
)  # fmt: skip
VARIABLES = ("org", "st_a", "st_b", "wens", "kanalen", "pct", "uren", "toelichting", "datum")
ODK_PARADATA = ("_source", "_status", "_started", "_completed", "_duration", "_device",
                "_language")  # fmt: skip
SPSS_PARADATA = ("source", "status", "started", "completed", "duration", "device", "language")
UNUSED_OPTIONS = {"values": "labels", "delimiter": ";", "bom": True}


class WriterContract:
    """Tests every writer passes; a subclass names the format and its expected columns."""

    format: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    paradata_columns: ClassVar[tuple[str, ...]]

    @pytest.fixture
    def writer(self) -> Writer:
        return get_writer(self.format)

    def output(self, directory: Path, writer: Writer) -> Path:
        return directory / f"antwoorden{writer.suffixes[0]}"

    def test_is_registered_under_its_format(self, writer: Writer) -> None:
        assert writer.format == self.format
        assert WRITERS[self.format].endswith("." + type(writer).__name__)

    def test_its_extensions_name_its_format(self, writer: Writer) -> None:
        assert [s for s, f in SUFFIXES.items() if f == self.format] == list(writer.suffixes)
        assert {format_for_path(f"a{s.upper()}") for s in writer.suffixes} == {self.format}

    def test_describes_itself(self, writer: Writer) -> None:
        assert writer.media_type.count("/") == 1
        assert writer.description.strip() == writer.description != ""

    def test_writes_the_file_and_reports_it(
        self, writer: Writer, data: ExportData, tmp_path: Path
    ) -> None:
        path = self.output(tmp_path, writer)
        report = writer.write(data, path)
        assert (report.format, report.path, report.rows) == (self.format, str(path), 5)
        assert report.columns == self.columns
        assert path.stat().st_size > 0
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in tmp_path.iterdir()] == [path.name]

    def test_a_failing_write_leaves_no_file(
        self, writer: Writer, data: ExportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def fail(self: Writer, data: ExportData, path: Path, options: WriteOptions) -> None:
            path.write_bytes(b"half a file")
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(type(writer), "write_file", fail)
        with pytest.raises(RuntimeError, match="disk on fire"):
            writer.write(data, self.output(tmp_path, writer))
        assert list(tmp_path.iterdir()) == []

    def test_a_failing_write_keeps_the_file_that_was_there(
        self, writer: Writer, data: ExportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = self.output(tmp_path, writer)
        path.write_bytes(b"last week's export")
        monkeypatch.setattr(type(writer), "write_file", lambda *args: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            writer.write(data, path)
        assert path.read_bytes() == b"last week's export"
        assert list(tmp_path.iterdir()) == [path]

    def test_a_missing_directory_is_an_output_error(
        self, writer: Writer, data: ExportData, tmp_path: Path
    ) -> None:
        path = self.output(tmp_path / "nergens", writer)
        with pytest.raises(OutputError) as caught:
            writer.write(data, path)
        assert str(caught.value) == f"{path}: directory '{tmp_path / 'nergens'}' does not exist"

    def test_an_unwritable_directory_is_an_output_error(
        self,
        writer: Writer,
        data: ExportData,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Tests run as root here, so a read-only directory would not stop them: fake it.
        def refuse(**kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
        path = self.output(tmp_path, writer)
        with pytest.raises(OutputError) as caught:
            writer.write(data, path)
        assert str(caught.value) == f"{path}: cannot write (Permission denied)"
        assert list(tmp_path.iterdir()) == []

    def test_a_directory_is_no_output_file(
        self, writer: Writer, data: ExportData, tmp_path: Path
    ) -> None:
        with pytest.raises(OutputError) as caught:
            writer.write(data, tmp_path)
        assert str(caught.value) == f"{tmp_path}: is a directory; give a file name"

    def test_options_it_does_not_use_are_refused(
        self, writer: Writer, data: ExportData, tmp_path: Path
    ) -> None:
        refused = {k: v for k, v in UNUSED_OPTIONS.items() if k not in writer.options}
        for name, value in refused.items():
            with pytest.raises(OptionError) as caught:
                writer.write(data, self.output(tmp_path, writer), WriteOptions(**{name: value}))
            users = ", ".join(f for f in FORMATS if name in get_writer(f).options)
            assert str(caught.value) == (
                f"option {name}={value!r} does not apply to {self.format}; it applies to {users}"
            )
        assert list(tmp_path.iterdir()) == []

    def test_an_empty_dataset_is_written_with_a_notice(
        self, writer: Writer, form: Form, tmp_path: Path
    ) -> None:
        empty = ExportData(Dataset.from_records(form, []), form, form.default_language)
        report = writer.write(empty, self.output(tmp_path, writer))
        assert (report.rows, report.columns) == (0, self.columns)
        assert report.lines() == ["no responses: the file holds the columns only"]

    def test_paradata_come_first_when_given(
        self, writer: Writer, data_with_paradata: ExportData, tmp_path: Path
    ) -> None:
        report = writer.write(data_with_paradata, self.output(tmp_path, writer))
        assert report.columns == self.paradata_columns + self.columns

    def test_paradata_must_match_the_rows(self, data: ExportData) -> None:
        short = Paradata(("panel",), ("completed",), (None,), (None,), ("mobile",), ("nl",))
        with pytest.raises(ValueError, match="paradata has 1 rows; the dataset has 5"):
            ExportData(data.dataset, data.form, paradata=short)


class TestSavWriter(WriterContract):
    format = "sav"
    columns = SPSS_COLUMNS
    paradata_columns = SPSS_PARADATA


class TestCsvWriter(WriterContract):
    format = "csv"
    columns = ODK_COLUMNS
    paradata_columns = ODK_PARADATA


class TestXlsxWriter(WriterContract):
    format = "xlsx"
    columns = ODK_COLUMNS
    paradata_columns = ODK_PARADATA


class TestParquetWriter(WriterContract):
    format = "parquet"
    columns = ODK_COLUMNS
    paradata_columns = ODK_PARADATA


class TestHtmlCodebookWriter(WriterContract):
    format = "html"
    columns = VARIABLES
    paradata_columns = ODK_PARADATA


FAKE_CHROMIUM = """#!/bin/sh
# Stands in for Chromium: writes a minimal PDF where --print-to-pdf= says.
for argument in "$@"; do
  case "$argument" in --print-to-pdf=*) printf '%%PDF-1.4\\n%%fake\\n' > "${argument#*=}";; esac
done
"""


class TestPdfCodebookWriter(WriterContract):
    """The contract with a stand-in browser; test_codebook.py prints with Chromium itself."""

    format = "pdf"
    columns = VARIABLES
    paradata_columns = ODK_PARADATA

    @pytest.fixture
    def writer(self, tmp_path_factory: pytest.TempPathFactory) -> Writer:
        script = tmp_path_factory.mktemp("browser") / "chromium"
        script.write_text(FAKE_CHROMIUM)
        script.chmod(0o755)
        return PdfCodebookWriter(browser=str(script))


def test_every_format_has_a_contract_test() -> None:
    tested = {cls.format for cls in WriterContract.__subclasses__()}
    assert tested == set(FORMATS) == {"sav", "csv", "xlsx", "parquet", "html", "pdf"}


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(UnknownFormat) as caught:
        get_writer("spss")
    assert str(caught.value) == (
        "unknown format 'spss'; expected one of sav, csv, xlsx, parquet, html, pdf"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("antwoorden.dta", "antwoorden.dta: '.dta' is no export format; expected one of "
         ".sav, .csv, .xlsx, .parquet, .pq, .html, .htm, .pdf"),
        ("antwoorden", "antwoorden: no extension is no export format; expected one of "
         ".sav, .csv, .xlsx, .parquet, .pq, .html, .htm, .pdf"),
    ],
)  # fmt: skip
def test_an_unknown_extension_names_the_known_ones(name: str, message: str) -> None:
    with pytest.raises(UnknownFormat) as caught:
        format_for_path(name)
    assert str(caught.value) == message


def test_write_options_are_checked() -> None:
    with pytest.raises(OptionError, match=r"delimiter must be ',' or ';' \(got '\\t'\)"):
        WriteOptions(delimiter="\t")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"values must be 'names' or 'labels' \(got 'codes'\)"):
        WriteOptions(values="codes")  # type: ignore[arg-type]


def test_paradata_duration_is_completed_minus_started_in_seconds() -> None:
    start = dt.datetime(2024, 5, 1, 9, 0)
    paradata = Paradata(
        ("panel", "panel"), ("completed", "started"), (start, start),
        (start + dt.timedelta(minutes=7, seconds=30), None), ("mobile", "desktop"), ("nl", "en"),
    )  # fmt: skip
    np.testing.assert_array_equal(paradata.duration(), [450.0, np.nan])
