"""Read survey data files (CSV, XLSX, SPSS .sav, Parquet) into a Dataset for a Form.

Columns follow the ODK / KoboToolbox export conventions:

    select_one        the choice name, in column ``q``
    select_multiple   space-separated choice names in ``q``, or one 0/1 column per choice,
                      ``q/choice`` (``q_choice`` and ``q.choice`` are accepted where ``/`` is
                      not allowed, as in SPSS)
    groups            KoboToolbox prefixes a question with its groups (``group/q``); such a
                      column is used when it is the only one that ends in ``/q``
    SPSS              user-missing values are kept. A column peiling wrote itself (its value
                      labels are peiling's: ``peiling.exchange.coding``) is read by code: the
                      1-based position in the choice list, -1 (-3, -4 ...) don't know, -2 not
                      asked (read as empty; routing is derived from the form). Other columns
                      map codes through their value labels (a choice name or label, or a label
                      cut to SPSS's 120 bytes that begins exactly one choice label), else the
                      code itself must be a choice name

Nothing is dropped silently: every value not in the choice list, type clash, missing or
ambiguous column is counted per column, with up to three examples, in the ``ReadReport``;
columns that are not in the form are kept as extra variables. Pure: pandas, pyarrow and
pyreadstat, no Django.

Errors::

    ReadError (ValueError)    a file that cannot be read at all: unknown type, not UTF-8,
                              not a spreadsheet, not a .sav or Parquet file
"""

from __future__ import annotations

import datetime
import io
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from peiling.analysis.dataset import (
    Category,
    DataProblem,
    Dataset,
    Variable,
    examples_text,
    variables_from_form,
)
from peiling.exchange.coding import NOT_ASKED_CODE, TEXTS, value_codes
from peiling.forms.model import Form

__all__ = ["FORMATS", "ReadError", "ReadReport", "ReadResult", "read_data", "read_frame"]

Format: TypeAlias = Literal["csv", "xlsx", "sav", "parquet"]
FORMATS: tuple[str, ...] = Format.__args__  # type: ignore[attr-defined]
SUFFIXES: Mapping[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: An extra (not in the form) text column with at most this many values becomes categorical.
MAX_EXTRA_CATEGORIES = 50
_SPLIT_SEPARATORS = ("/", "_", ".")
_MISSING = -1
_UNKNOWN = -2
#: The labels peiling's SPSS writer gives ``NOT_ASKED_CODE``, in every language it writes.
_NOT_ASKED_LABELS = frozenset(texts["not_asked"] for texts in TEXTS.values())
#: The mark ``coding.truncate_bytes`` ends a cut label with.
_ELLIPSIS = "…"


class ReadError(ValueError):
    """The file cannot be read at all; the message says which file and why."""


@dataclass(frozen=True)
class ReadReport:
    """What reading found: the columns used, kept as extra, and every problem."""

    source: str
    format: str
    rows: int
    used_columns: tuple[str, ...]
    extra_columns: tuple[str, ...]
    problems: tuple[DataProblem, ...]

    def lines(self) -> list[str]:
        """Return one line per problem, as the ``tabulate`` command prints them."""
        return [str(problem) for problem in self.problems]


@dataclass(frozen=True, eq=False)
class ReadResult:
    """The dataset read and the report of how."""

    dataset: Dataset
    report: ReadReport


def read_data(
    path: str | Path,
    form: Form,
    *,
    format: Format | None = None,
    language: str | None = None,
) -> ReadResult:
    """Read the data file ``path`` into a Dataset for ``form``.

    Parameters
    ----------
    path
        A .csv (UTF-8, with or without BOM; ``;`` or ``,`` separated, sniffed from the header),
        .xlsx (first sheet), .sav/.zsav or .parquet file.
    form
        The questionnaire the data answers.
    format
        Overrides the type the file name suggests.
    language
        The language of the variable and category labels.

    Returns
    -------
    ReadResult
        The dataset and a ``ReadReport`` listing every problem.

    Raises
    ------
    ReadError
        When the file cannot be read at all.
    """
    path = Path(path)
    if format is None:
        format = SUFFIXES.get(path.suffix.lower())
        if format is None:
            raise ReadError(
                f"{path}: unknown file type {path.suffix!r}; expected one of "
                f"{', '.join(SUFFIXES)} (or pass format=)"
            )
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    labels: Mapping[str, Mapping[Any, str]] = {}
    if format == "csv":
        frame = _read_csv(path)
    elif format == "xlsx":
        frame = _read_xlsx(path)
    elif format == "sav":
        frame, labels = _read_sav(path)
    elif format == "parquet":
        frame = _read_parquet(path)
    else:
        raise ValueError(f"format must be one of {FORMATS!r} (got {format!r})")
    return read_frame(
        frame, form, value_labels=labels, language=language, source=str(path), format=format
    )


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(
            f"{path}: not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start}); "
            f"save it as 'CSV UTF-8'"
        ) from None
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") > header.count(",") else ","
    try:
        return pd.read_csv(
            io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ReadError(f"{path}: not a readable CSV file ({str(error).strip()})") from None


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it ignores; not about data.
            warnings.simplefilter("ignore", UserWarning)
            return pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as error:  # openpyxl raises many types for a file that is no workbook
        raise ReadError(f"{path}: not a readable .xlsx workbook ({error})") from None


def _read_sav(path: Path) -> tuple[pd.DataFrame, Mapping[str, Mapping[Any, str]]]:
    import pyreadstat

    try:
        # User-missing values kept: peiling writes "don't know" (-1) and "not asked" (-2) so.
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as error:  # pyreadstat raises its own ReadstatError and others
        raise ReadError(f"{path}: not a readable SPSS .sav file ({error})") from None
    return frame, meta.variable_value_labels


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow

    try:
        return pd.read_parquet(path, engine="pyarrow")
    except (pyarrow.ArrowException, OSError) as error:
        raise ReadError(f"{path}: not a readable Parquet file ({error})") from None


def read_frame(
    frame: pd.DataFrame,
    form: Form,
    *,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    language: str | None = None,
    source: str = "<frame>",
    format: str = "frame",
) -> ReadResult:
    """Read a data frame (one column per export column) into a Dataset for ``form``.

    ``value_labels`` maps a column to its SPSS value labels (code -> label). See
    ``read_data`` for the column conventions; every problem is in the report.
    """
    frame = frame.rename(columns=str)
    reader = _FrameReader(frame, form, value_labels or {}, language)
    columns, extra = reader.read()
    columns = {name: values for name, values in columns.items() if values is not None}
    dataset = Dataset.from_columns(form, columns, language=language, extra=extra)
    problems = reader.problems + list(dataset.problems)
    report = ReadReport(
        source=source,
        format=format,
        rows=len(frame),
        used_columns=tuple(c for c in frame.columns if c in reader.claimed),
        extra_columns=tuple(v.name for v in extra),
        problems=tuple(problems),
    )
    return ReadResult(dataset, report)


class _FrameReader:
    """Match export columns to form variables and convert them, collecting problems."""

    def __init__(
        self,
        frame: pd.DataFrame,
        form: Form,
        value_labels: Mapping[str, Mapping[Any, str]],
        language: str | None,
    ) -> None:
        self.frame = frame
        self.form = form
        self.labels = value_labels
        self.variables = variables_from_form(form, language)
        self.claimed: set[str] = set()
        self.problems: list[DataProblem] = []
        self.n = len(frame)

    def read(self) -> tuple[dict[str, Any], list[Variable]]:
        columns: dict[str, Any] = {}
        for variable in self.variables.values():
            column = self._find(variable.name)
            if variable.kind == "multiple" and column is None:
                columns[variable.name] = self._split_multiple(variable)
                continue
            if column is None:
                continue
            series = self.frame[column]
            if variable.kind == "single":
                columns[variable.name] = self._single(variable, column, series)
            elif variable.kind == "multiple":
                columns[variable.name] = self._joined_multiple(variable, column, series)
                for choice in variable.category_names:  # KoboToolbox exports both forms
                    self._split_column(variable, choice)
            elif variable.kind == "numeric":
                columns[variable.name] = self._numeric(variable, column, series)
            elif variable.kind == "text":
                columns[variable.name] = self._text(variable, column, series)
            else:
                raise ValueError(f"unknown variable kind {variable.kind!r}")
        extra = []
        for column in self.frame.columns:
            if column not in self.claimed and column not in self.variables:
                variable, values = self._extra(column, self.frame[column])
                extra.append(variable)
                columns[column] = values
        return columns, extra

    # -- finding columns ----------------------------------------------------------------------

    def _find(self, name: str, *, report: bool = True) -> str | None:
        if name in self.frame.columns:
            self.claimed.add(name)
            return name
        prefixed = [
            c for c in self.frame.columns if c.endswith("/" + name) and not self._is_split_column(c)
        ]
        if len(prefixed) == 1:
            self.claimed.add(prefixed[0])
            return prefixed[0]
        if report and len(prefixed) > 1:
            self._problem(
                name,
                "ambiguous_column",
                f"{len(prefixed)} columns could hold it ({examples_text(prefixed, 10)}); "
                "rename all but one — read as not answered by anyone",
            )
        elif report and not self._is_multiple(name):
            self._problem(name, "missing_column", "not in the file; read as not answered by anyone")
        return None

    def _is_split_column(self, column: str) -> bool:
        """Return whether ``column`` is ``[group/]q/choice`` of a multiple choice ``q``."""
        parts = column.split("/")
        variable = self.variables.get(parts[-2]) if len(parts) >= 2 else None
        return (
            variable is not None
            and variable.kind == "multiple"
            and parts[-1] in variable.category_names
        )

    def _is_multiple(self, name: str) -> bool:
        variable = self.variables.get(name)
        return variable is not None and variable.kind == "multiple"

    def _split_column(self, variable: Variable, choice: str) -> str | None:
        for separator in _SPLIT_SEPARATORS:
            key = f"{variable.name}{separator}{choice}"
            if separator != "/" and key in self.variables:
                continue
            found = self._find(key, report=False)
            if found is not None:
                return found
        return None

    # -- converting ---------------------------------------------------------------------------

    def _single(self, variable: Variable, column: str, series: pd.Series) -> NDArray[np.int16]:
        lookup = _choice_lookup(self.form, variable)
        labels = self.labels.get(column, {})
        names = {name: code for code, name in enumerate(variable.category_names)}
        own = _own_codes(variable, labels)
        if own is not None:
            series = _not_asked_blanked(series)

        def code(value: Any) -> int:
            text = _cell_text(value)
            if text is None:
                return _MISSING
            if own is not None and value in own:
                return own[value]
            label = labels.get(value)
            if label is not None:
                found = _label_code(label, lookup)
                if found is not None:
                    return found
            return names.get(text, _UNKNOWN)

        codes, bad = _convert(series, code)
        list_name = self._list_name(variable)
        self._report_bad(column, "unknown_value", bad, _not_in(list_name), "read as no answer")
        return np.where(codes == _UNKNOWN, _MISSING, codes).astype(np.int16)

    def _joined_multiple(
        self, variable: Variable, column: str, series: pd.Series
    ) -> NDArray[np.int8]:
        names = {name: code for code, name in enumerate(variable.category_names)}
        k = len(names)
        series = series.map(_joined_list) if series.dtype == object else series
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        rows = np.zeros((len(uniques) + 1, k), dtype=np.int8)
        rows[-1] = -1  # the NA sentinel (-1) indexes the last row
        unknown: dict[str, int] = {}
        counts = np.bincount(codes + 1, minlength=len(uniques) + 1)[1:]
        for index, value in enumerate(uniques):
            tokens = (_cell_text(value) or "").split()
            for token in tokens:
                if token in names:
                    rows[index, names[token]] = 1
                else:
                    unknown[token] = unknown.get(token, 0) + int(counts[index])
            if not rows[index].any():
                rows[index] = -1
        if unknown:
            self._report_bad(
                column,
                "unknown_value",
                unknown,
                _not_in(self._list_name(variable)),
                "left out of the answer (no answer if nothing else was chosen)",
            )
        return rows[codes]

    def _split_multiple(self, variable: Variable) -> NDArray[np.int8] | None:
        found = {c: self._split_column(variable, c) for c in variable.category_names}
        if not any(found.values()):
            self._problem(
                variable.name,
                "missing_column",
                f"not in the file (nor {variable.name}/CHOICE columns); "
                "read as not answered by anyone",
            )
            return None
        matrix = np.full((self.n, len(found)), _MISSING, dtype=np.int8)
        for index, (choice, column) in enumerate(found.items()):
            if column is None:
                self._problem(
                    f"{variable.name}/{choice}",
                    "missing_column",
                    f"not in the file; choice {choice!r} of {variable.name!r} read as not chosen",
                )
                continue
            series = self.frame[column]
            if _is_peiling_labelled(self.labels.get(column, {})):
                series = _not_asked_blanked(series)
            codes, bad = _convert(series, _zero_one)
            self._report_bad(column, "type_clash", bad, _that_are("0 or 1"), "read as empty")
            matrix[:, index] = np.where(codes == _UNKNOWN, _MISSING, codes)
        # A respondent with some choice columns filled answered; his empty cells are "not
        # chosen". Rows with every cell empty stay unanswered.
        partial = (matrix >= 0).any(axis=1) & (matrix < 0).any(axis=1)
        matrix[partial] = np.maximum(matrix[partial], 0)
        return matrix

    def _numeric(self, variable: Variable, column: str, series: pd.Series) -> NDArray[np.float64]:
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values, bad = _convert(series, _number, dtype=np.float64, unknown=math.inf)
            what = _that_are("a number", "numbers")
            self._report_bad(column, "type_clash", bad, what, "read as no answer")
            values = np.where(np.isinf(values) & (values > 0), np.nan, values)
        if variable.question_type == "integer":
            fractional = np.flatnonzero(np.isfinite(values) & (values != np.floor(values)))
            if fractional.size:
                shown = pd.Series(values[fractional]).value_counts(sort=False)
                bad = {repr(float(v)): int(c) for v, c in shown.items()}
                what = _that_are("a whole number", "whole numbers")
                self._report_bad(column, "type_clash", bad, what, "kept as given")
        return values

    def _text(self, variable: Variable, column: str, series: pd.Series) -> list[Any]:
        convert: Callable[[Any], Any] = _cell_text
        if variable.question_type == "date":
            convert = _date
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        converted = [convert(value) for value in uniques]
        bad = {str(value): 0 for value, out in zip(uniques, converted, strict=True) if out is _BAD}
        if bad:
            counts = np.bincount(codes + 1, minlength=len(uniques) + 1)[1:]
            for value, out, count in zip(uniques, converted, counts, strict=True):
                if out is _BAD:
                    bad[str(value)] += int(count)
            what = _that_are("a date (YYYY-MM-DD)", "dates (YYYY-MM-DD)")
            self._report_bad(column, "type_clash", bad, what, "read as no answer")
        lookup = [None if out is _BAD else out for out in converted] + [None]
        return [lookup[c] for c in codes.tolist()]

    def _extra(self, column: str, series: pd.Series) -> tuple[Variable, Any]:
        """Keep a column that is not in the form: numeric, categorical, or text."""
        labels = self.labels.get(column, {})
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        values = list(uniques)
        if labels:
            names = sorted({*labels, *values}, key=_sort_key)
            categories = tuple(Category(_cell_text(v) or "", labels.get(v, "")) for v in names)
            lookup = np.array([names.index(v) for v in values] + [_MISSING], dtype=np.int16)
            return Variable(column, "single", column, categories), lookup[codes]
        numbers = [_number(v) for v in values]
        if values and all(x is not _BAD and math.isfinite(x) for x in numbers):
            lookup_f = np.array([*numbers, np.nan], dtype=np.float64)
            return Variable(column, "numeric", column), lookup_f[codes]
        texts = [_cell_text(v) for v in values]
        distinct = sorted({t for t in texts if t is not None})
        if 0 < len(distinct) <= MAX_EXTRA_CATEGORIES:
            position = {t: i for i, t in enumerate(distinct)}
            lookup = np.array(
                [_MISSING if t is None else position[t] for t in texts] + [_MISSING], np.int16
            )
            categories = tuple(Category(t, t) for t in distinct)
            return Variable(column, "single", column, categories), lookup[codes]
        text_lookup = [*texts, None]
        return Variable(column, "text", column), [text_lookup[c] for c in codes.tolist()]

    # -- reporting ----------------------------------------------------------------------------

    def _list_name(self, variable: Variable) -> str:
        return self.form.question(variable.name).choice_list or variable.name

    def _report_bad(
        self,
        column: str,
        kind: Any,
        bad: Mapping[str, int],
        what: tuple[str, str],
        consequence: str,
    ) -> None:
        if not bad:
            return
        count = sum(bad.values())
        phrase = f"1 value {what[0]}" if count == 1 else f"{count} values {what[1]}"
        examples = list(bad)[:3]
        self._problem(
            column,
            kind,
            f"{phrase} (e.g. {examples_text(examples)}); {consequence}",
            count,
            tuple(examples),
        )

    def _problem(
        self, column: str, kind: Any, message: str, count: int = 0, examples: Sequence[str] = ()
    ) -> None:
        self.problems.append(DataProblem(column, kind, message, count, tuple(examples)))


_BAD: Any = object()


def _not_in(list_name: str) -> tuple[str, str]:
    return (f"not in choice list {list_name!r}",) * 2  # type: ignore[return-value]


def _that_are(singular: str, plural: str | None = None) -> tuple[str, str]:
    return f"that is not {singular}", f"that are not {plural or singular}"


def _convert(
    series: pd.Series,
    convert: Callable[[Any], Any],
    *,
    dtype: Any = np.int16,
    unknown: Any = _UNKNOWN,
) -> tuple[NDArray[Any], dict[str, int]]:
    """Convert each distinct value once; return the values and {bad value: count}.

    ``convert`` returns ``_UNKNOWN`` (or ``_BAD``) for a value it cannot use.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    missing = np.nan if dtype == np.float64 else _MISSING
    converted = [convert(value) for value in uniques]
    bad_positions = [i for i, out in enumerate(converted) if out is _BAD or out == unknown]
    lookup = np.array(
        [unknown if out is _BAD else out for out in converted] + [missing], dtype=dtype
    )
    bad: dict[str, int] = {}
    if bad_positions:
        counts = np.bincount(codes + 1, minlength=len(uniques) + 1)[1:]
        for i in bad_positions:
            key = _cell_text(uniques[i]) or repr(uniques[i])
            bad[key] = bad.get(key, 0) + int(counts[i])
    return lookup[codes], bad


def _cell_text(value: Any) -> str | None:
    """Return a cell as text: None for empty, ``"2"`` for the number 2.0."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        return _BAD  # type: ignore[no-any-return]
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = _cell_text(value)
        if text is None:
            return math.nan
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # a Dutch decimal comma
        try:
            number = float(text)
        except ValueError:
            return _BAD  # type: ignore[no-any-return]
    return number if math.isfinite(number) or math.isnan(number) else _BAD


def _zero_one(value: Any) -> int:
    text = _cell_text(value)
    if text is None:
        return _MISSING
    lowered = text.lower()
    if lowered in ("1", "true"):
        return 1
    if lowered in ("0", "false"):
        return 0
    return _UNKNOWN


def _date(value: Any) -> Any:
    if isinstance(value, datetime.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _cell_text(value)
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return _BAD


def _joined_list(value: Any) -> Any:
    """Return a list answer (Parquet list column) as its space-separated names."""
    if isinstance(value, list | tuple | np.ndarray):
        return " ".join(str(v) for v in value)
    return value


def _choice_lookup(form: Form, variable: Variable) -> dict[str, int]:
    """Return choice names and labels (every language, case-folded) -> code."""
    lookup: dict[str, int] = {}
    for code, choice in enumerate(form.choices(variable.name)):
        for text in choice.label.values():
            lookup.setdefault(_folded(text), code)
    for code, choice in enumerate(form.choices(variable.name)):
        lookup[choice.name.casefold()] = code
    return lookup


def _label_code(label: str, lookup: Mapping[str, int]) -> int | None:
    """Return the code of the choice ``label`` names, or None.

    A label cut to SPSS's limit (ending in the ellipsis) names the one choice label it begins.
    """
    key = _folded(label)
    if key in lookup:
        return lookup[key]
    if not key.endswith(_ELLIPSIS):
        return None
    head = key.removesuffix(_ELLIPSIS).rstrip()
    codes = {code for text, code in lookup.items() if head and text.startswith(head)}
    return codes.pop() if len(codes) == 1 else None


def _is_peiling_labelled(labels: Mapping[Any, str]) -> bool:
    """Return whether value labels are peiling's own: it labels -2 "not asked" in each one."""
    return labels.get(NOT_ASKED_CODE) in _NOT_ASKED_LABELS


def _own_codes(variable: Variable, labels: Mapping[Any, str]) -> dict[Any, int] | None:
    """Return peiling's export code -> category index for ``variable``, when ``labels`` are
    those peiling's SPSS writer gives it (see ``coding.value_codes``); else None."""
    if not _is_peiling_labelled(labels):
        return None
    codes = {code: index for index, code in enumerate(value_codes(variable))}
    if not set(labels) - {NOT_ASKED_CODE} <= set(codes):
        return None
    return codes


def _not_asked_blanked(series: pd.Series) -> pd.Series:
    """Return ``series`` with peiling's "not asked" code made empty; the dataset derives who
    was asked from the form's routing."""
    if not pd.api.types.is_numeric_dtype(series):
        return series
    return series.mask(series == NOT_ASKED_CODE)


def _folded(label: str) -> str:
    """Return ``label`` case-folded on one line, as SPSS value labels are written."""
    return " ".join(label.split()).casefold()


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
