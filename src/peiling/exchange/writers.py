"""Write survey data to files: SPSS .sav, CSV, XLSX, Parquet, and a codebook (HTML, PDF).

Every format is one ``Writer`` subclass, registered by name in ``WRITERS`` (imported on first
use, so a command that does not export never loads pyreadstat or pyarrow). A writer gets an
``ExportData`` — a ``Dataset`` with the Form it answers and, on request, the paradata of each
response — and writes it through ``Writer.write``, which

- checks the options against the ones the format uses (``Writer.options``),
- writes to a temporary file next to the target and renames it into place, so a failed
  export never leaves a half-written file behind,
- returns a ``WriteReport`` with every notice (labels cut to a format's limit, names changed
  to fit it, cells neutralised against formula injection): nothing is changed silently.

Which column holds what, and how answers become codes, is decided once for all formats in
``peiling.exchange.columns`` (ODK/KoboToolbox columns) and ``peiling.exchange.coding`` (codes,
missing values, measure levels). Pure Python, no Django.

Errors::

    ExportError (ValueError)
      ├─ UnknownFormat     a format name or file extension no writer handles
      ├─ OptionError       an option the chosen format does not use
      ├─ OutputError       the output path cannot be written (no such directory, permission)
      └─ NotExportable     data the format cannot hold (clashing column names, too many rows)
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import importlib
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from peiling.analysis.dataset import Dataset, Variable
from peiling.forms.model import Form

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "WRITERS",
    "ExportData",
    "ExportError",
    "NotExportable",
    "Notice",
    "OptionError",
    "OutputError",
    "Paradata",
    "UnknownFormat",
    "WriteOptions",
    "WriteReport",
    "Writer",
    "Written",
    "atomic_path",
    "check_output",
    "export_variables",
    "format_for_path",
    "get_writer",
]

Values: TypeAlias = Literal["names", "labels"]
Delimiter: TypeAlias = Literal[",", ";"]
NoticeKind: TypeAlias = Literal[
    "label_truncated", "name_changed", "cells_neutralised", "characters_replaced", "empty"
]

#: Format name -> the dotted path of its Writer class.
WRITERS: Mapping[str, str] = {
    "sav": "peiling.exchange.sav.SavWriter",
    "csv": "peiling.exchange.delimited.CsvWriter",
    "xlsx": "peiling.exchange.workbook.XlsxWriter",
    "parquet": "peiling.exchange.parquet.ParquetWriter",
    "html": "peiling.exchange.codebook.HtmlCodebookWriter",
    "pdf": "peiling.exchange.codebook.PdfCodebookWriter",
}
FORMATS: tuple[str, ...] = tuple(WRITERS)
#: File extension -> format; every writer's ``suffixes`` are here (a contract test checks).
SUFFIXES: Mapping[str, str] = {
    ".sav": "sav",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}


class ExportError(ValueError):
    """An export that cannot be made; the message says what to change."""


class UnknownFormat(ExportError):
    """A format name or file extension that no writer handles."""


class OptionError(ExportError):
    """An option that the chosen format does not use."""


class OutputError(ExportError):
    """The output file cannot be written."""


class NotExportable(ExportError):
    """Data that the chosen format cannot hold."""


@dataclass(frozen=True, eq=False)
class Paradata:
    """How each response came in, one value per respondent (row of the dataset).

    Times are naive local times (the installation's time zone); ``None`` where unknown (a
    response that is not completed has no ``completed_at``).
    """

    source: tuple[str, ...]
    status: tuple[str, ...]
    started_at: tuple[dt.datetime | None, ...]
    completed_at: tuple[dt.datetime | None, ...]
    device_class: tuple[str, ...]
    language: tuple[str, ...]
    #: Per respondent whether the quality review excluded it; empty when excluded responses
    #: are not in the data (the default), so that no ``_excluded`` column is written.
    excluded: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        lengths = {len(getattr(self, f.name)) for f in fields(self)
                   if f.name != "excluded" or self.excluded}
        if len(lengths) > 1:
            raise ValueError(f"paradata fields differ in length: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self.source)

    def duration(self) -> NDArray[np.float64]:
        """Return completed - started in seconds per respondent; NaN where either is unknown."""
        return np.array(
            [
                (end - start).total_seconds() if start is not None and end is not None else np.nan
                for start, end in zip(self.started_at, self.completed_at, strict=True)
            ],
            dtype=np.float64,
        )


@dataclass(frozen=True, eq=False)
class ExportData:
    """What a writer writes: the answers, the Form they answer, optional paradata.

    ``language`` is the language of the dataset's labels (an XLSForm language name or code);
    ``origin`` says where the data came from, for the codebook ("fieldwork x", a file name).
    """

    dataset: Dataset
    form: Form | None = None
    language: str | None = None
    paradata: Paradata | None = None
    #: Whether the ``_source`` ... ``_language`` columns are written; without, ``paradata``
    #: only feeds the form's own metadata variables (XLSForm ``start``, ``end``, ``today``).
    paradata_columns: bool = True
    title: str = ""
    origin: str = ""
    #: The stored responses' ids in row order (not written; for the quality checks).
    response_ids: tuple[int, ...] = ()
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))

    def __post_init__(self) -> None:
        if self.paradata is not None and len(self.paradata) != self.dataset.n:
            raise ValueError(
                f"paradata has {len(self.paradata)} rows; the dataset has {self.dataset.n}"
            )

    @property
    def heading(self) -> str:
        """Return the title to show: ``title``, else the form's title, else its id."""
        if self.title:
            return self.title
        if self.form is not None:
            return self.form.title or self.form.form_id
        return ""


@dataclass(frozen=True)
class WriteOptions:
    """Choices a researcher makes for an export; each format uses some (``Writer.options``).

    ``values``: choice names (as ODK/KoboToolbox export them, readable back by peiling) or
    their labels. ``delimiter`` and ``bom``: CSV for Excel (``;`` and a BOM for Dutch Excel;
    with ``;`` decimals get a comma).
    """

    values: Values = "names"
    delimiter: Delimiter = ","
    bom: bool = False

    def __post_init__(self) -> None:
        if self.values not in ("names", "labels"):
            raise OptionError(f"values must be 'names' or 'labels' (got {self.values!r})")
        if self.delimiter not in (",", ";"):
            raise OptionError(f"delimiter must be ',' or ';' (got {self.delimiter!r})")


@dataclass(frozen=True)
class Notice:
    """Something an export changed to fit its format, for one column (or the whole file)."""

    kind: NoticeKind
    column: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass(frozen=True)
class Written:
    """What ``Writer.write_file`` returns: the columns written and the notices."""

    columns: tuple[str, ...]
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class WriteReport:
    """The result of an export: where, how many rows and columns, and every notice."""

    format: str
    path: str
    rows: int
    columns: tuple[str, ...]
    notices: tuple[Notice, ...]

    def lines(self) -> list[str]:
        """Return one line per notice, as the commands print them."""
        return [str(notice) for notice in self.notices]


class Writer(abc.ABC):
    """One export format. Subclasses set the class attributes and implement ``write_file``."""

    format: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    media_type: ClassVar[str]
    description: ClassVar[str]
    #: The ``WriteOptions`` fields this format uses; others must keep their defaults.
    options: ClassVar[frozenset[str]] = frozenset()

    def write(
        self, data: ExportData, path: str | os.PathLike[str], options: WriteOptions | None = None
    ) -> WriteReport:
        """Write ``data`` to ``path`` all at once or not at all, and report what changed.

        Raises
        ------
        OptionError
            for an option this format does not use.
        OutputError
            when ``path`` cannot be written; no file is left behind.
        NotExportable
            for data the format cannot hold.
        """
        options = options or WriteOptions()
        self.check(options)
        target = Path(path)
        with atomic_path(target) as temporary:
            written = self.write_file(data, temporary, options)
        notices = export_variables(data.dataset)[1] + written.notices
        if data.dataset.n == 0:
            empty = Notice("empty", "", "no responses: the file holds the columns only")
            notices = (empty, *notices)
        return WriteReport(self.format, str(target), data.dataset.n, written.columns, notices)

    def check(self, options: WriteOptions) -> None:
        """Raise ``OptionError`` for an option that this format does not use."""
        default = WriteOptions()
        for option in fields(WriteOptions):
            value = getattr(options, option.name)
            if option.name not in self.options and value != getattr(default, option.name):
                users = [name for name in FORMATS if option.name in get_writer(name).options]
                raise OptionError(
                    f"option {option.name}={value!r} does not apply to {self.format}; "
                    f"it applies to {', '.join(users) or 'no format'}"
                )

    @abc.abstractmethod
    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        """Write ``data`` to ``path`` (a new empty file, renamed into place afterwards)."""


def get_writer(format: str) -> Writer:
    """Return the writer of ``format``; raise ``UnknownFormat`` naming the valid ones."""
    target = WRITERS.get(format)
    if target is None:
        raise UnknownFormat(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    module, _, name = target.rpartition(".")
    writer_class: type[Writer] = getattr(importlib.import_module(module), name)
    return writer_class()


def format_for_path(path: str | os.PathLike[str]) -> str:
    """Return the format that the extension of ``path`` names; raise ``UnknownFormat``."""
    suffix = Path(path).suffix.lower()
    format = SUFFIXES.get(suffix)
    if format is None:
        shown = repr(suffix) if suffix else "no extension"
        raise UnknownFormat(
            f"{path}: {shown} is no export format; expected one of {', '.join(SUFFIXES)}"
        )
    return format


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` when the block succeeds.

    On any error the temporary file is removed and ``path`` is left as it was. The file is
    readable by its owner only, like any file holding respondents' answers should be.

    Raises ``OutputError`` when the directory does not exist or cannot be written.
    """
    check_output(path)
    directory = path.parent
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({error.strerror or error})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def check_output(path: Path) -> None:
    """Raise ``OutputError`` when ``path`` is a directory or its directory does not exist."""
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: directory {str(path.parent)!r} does not exist")


def export_variables(dataset: Dataset) -> tuple[tuple[Variable, ...], tuple[Notice, ...]]:
    """Return the variables an export writes, and a notice for each it leaves out.

    Left out: columns read from a file that are the ``q/choice`` split columns of a multiple
    choice question ``q`` (KoboToolbox exports have both); every format writes them from ``q``.
    """
    variables = dataset.variables
    split = {
        f"{v.name}/{choice}" for v in variables.values() if v.kind == "multiple"
        for choice in v.category_names
    }  # fmt: skip
    kept, notices = [], []
    for variable in variables.values():
        if variable.question_type is None and variable.name in split:
            parent = variable.name.rpartition("/")[0]
            message = f"the file's split column; written again from {parent!r}"
            notices.append(Notice("name_changed", variable.name, message))
        else:
            kept.append(variable)
    return tuple(kept), tuple(notices)


def unique_names(names: Sequence[str]) -> list[str]:
    """Return ``names`` with repeats (compared case-insensitively) numbered ``_2``, ``_3``."""
    seen: set[str] = set()
    result = []
    for name in names:
        candidate, number = name, 2
        while candidate.lower() in seen:
            candidate, number = f"{name}_{number}", number + 1
        seen.add(candidate.lower())
        result.append(candidate)
    return result
