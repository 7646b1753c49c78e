"""The columns of a CSV, XLSX or Parquet export, in ODK/KoboToolbox conventions.

Per variable, in form order (paradata first, when asked for)::

    select_one        q          the choice name (or label)
    select_multiple   q          the chosen names, space-separated (labels: "; "-separated)
                      q/choice   1 when chosen, 0 when not; empty when the question was not
                                 answered or not asked
    integer, decimal  q          the number
    text, calculate   q          the text; rank: the names in rank order, space-separated
    date              q          the date

A column is held dictionary-encoded: ``codes`` (int32, -1 for an empty cell) index into
``values``, the distinct values. Writers turn each distinct value into their own cell text
once, so writing costs one lookup per cell. Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from peiling.analysis.dataset import Dataset, Variable
from peiling.exchange.coding import text
from peiling.exchange.writers import (
    ExportData,
    NotExportable,
    Notice,
    Values,
    export_variables,
)

__all__ = [
    "PARADATA_COLUMNS",
    "ColumnKind",
    "FlatColumn",
    "flat_columns",
    "fuse",
    "neutralise",
    "neutralised_cells",
    "paradata_columns",
]

ColumnKind: TypeAlias = Literal[
    "category", "choices", "choice", "number", "text", "date", "datetime"
]

#: Paradata column names, KoboToolbox style (its meta columns start with "_").
PARADATA_COLUMNS = (
    "_source", "_status", "_started", "_completed", "_duration", "_device", "_language"
)  # fmt: skip
#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
#: Column kinds that hold text (and so may need neutralising).
TEXT_KINDS = frozenset({"category", "choices", "text"})
#: Neighbouring columns are fused while their combinations of values number at most this.
FUSE_LIMIT = 4096
#: Joins the labels of a multiple choice answer (labels may hold spaces; names never do).
LABEL_SEPARATOR = "; "


@dataclass(frozen=True, eq=False)
class FlatColumn:
    """One export column, dictionary-encoded.

    ``values`` are ``str`` (category, choices, text), ``int``/``float`` (number, choice),
    ``datetime.date`` (date) or ``datetime.datetime`` (datetime).
    """

    name: str
    variable: str
    label: str
    kind: ColumnKind
    codes: NDArray[np.int32]
    values: tuple[Any, ...]


def neutralise(value: str) -> str:
    """Return ``value`` prefixed with ``'`` when a spreadsheet would read it as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed,
    unless it is a plain number (``-1``, ``+31``, ``-2,5``), which no spreadsheet runs.
    """
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralised_cells(column: FlatColumn, shown: list[str]) -> Notice | None:
    """Return a notice counting the cells of ``column`` whose text ``neutralise`` changed.

    ``shown`` holds the neutralised text of each of ``column.values``.
    """
    changed = [i for i, (v, s) in enumerate(zip(column.values, shown, strict=True)) if v != s]
    if not changed:
        return None
    counts = np.bincount(column.codes[column.codes >= 0], minlength=len(column.values))
    cells = int(counts[changed].sum())
    if cells == 0:
        return None
    message = (
        f"{cells} cell{'s' if cells != 1 else ''} started with =, +, -, @, tab or CR; "
        "prefixed with ' so that spreadsheets do not run them as formulas"
    )
    return Notice("cells_neutralised", column.name, message, cells)


def flat_columns(data: ExportData, values: Values = "names") -> tuple[FlatColumn, ...]:
    """Return the export columns of ``data`` (see the module docstring).

    Raises ``NotExportable`` when two columns would have the same name.
    """
    dataset = data.dataset
    columns: list[FlatColumn] = []
    if data.paradata is not None:
        columns += paradata_columns(data)
    for variable in export_variables(dataset)[0]:
        columns += _variable_columns(dataset, variable, values)
    seen: dict[str, str] = {}
    for column in columns:
        if column.name in seen:
            raise NotExportable(
                f"column {column.name!r} of {column.variable!r} clashes with the one of "
                f"{seen[column.name]!r}; rename the question in the form"
            )
        seen[column.name] = column.variable
    return tuple(columns)


def _variable_columns(dataset: Dataset, variable: Variable, values: Values) -> list[FlatColumn]:
    name, label, kind = variable.name, variable.label, variable.kind
    if kind == "single":
        shown = _category_texts(variable, values)
        return [FlatColumn(name, name, label, "category", _int32(dataset.codes(name)), shown)]
    if kind == "multiple":
        return _multiple_columns(dataset, variable, values)
    if kind == "numeric":
        numbers = dataset.numbers(name)
        whole = variable.question_type == "integer"
        codes, distinct = _encode_numbers(numbers, whole)
        return [FlatColumn(name, name, label, "number", codes, distinct)]
    if kind == "text":
        distinct = dataset.distinct_values(name)
        column_kind: ColumnKind = "text"
        if distinct and all(isinstance(v, dt.date) for v in distinct):
            column_kind = "date"
            shown: tuple[Any, ...] = distinct
        else:
            shown = tuple(v if type(v) is str else _text_of(v) for v in distinct)
        return [FlatColumn(name, name, label, column_kind, _int32(dataset.codes(name)), shown)]
    raise ValueError(f"kind must be single, multiple, numeric or text (got {kind!r})")


def _category_texts(variable: Variable, values: Values) -> tuple[str, ...]:
    if values == "names":
        return variable.category_names
    if values == "labels":
        return tuple(c.label or c.name for c in variable.categories)
    raise ValueError(f"values must be 'names' or 'labels' (got {values!r})")


def _multiple_columns(dataset: Dataset, variable: Variable, values: Values) -> list[FlatColumn]:
    name = variable.name
    selected = dataset.selected(name)
    answered = dataset.answered(name)
    k = len(variable.categories)
    texts = _category_texts(variable, values)
    separator = " " if values == "names" else LABEL_SEPARATOR
    # One key per combination of choices: the chosen codes as bits (Python ints past 62).
    if k <= 62:
        keys = np.zeros(dataset.n, dtype=np.int64)
        for code in range(k):
            keys |= selected[:, code].astype(np.int64) << code
        distinct, inverse = np.unique(keys, return_inverse=True)
        rows = [[(int(key) >> code) & 1 for code in range(k)] for key in distinct.tolist()]
    else:
        matrix, inverse = np.unique(np.asarray(selected), axis=0, return_inverse=True)
        rows = matrix.tolist()
    joined = tuple(
        separator.join(t for t, bit in zip(texts, row, strict=True) if bit) for row in rows
    )
    codes = np.where(answered, inverse.reshape(-1), -1).astype(np.int32)
    columns = [FlatColumn(name, name, variable.label, "choices", codes, joined)]
    for code, category in enumerate(variable.categories):
        indicator = np.where(answered, selected[:, code].astype(np.int32), -1)
        columns.append(
            FlatColumn(f"{name}/{category.name}", name, category.label, "choice", indicator, (0, 1))
        )
    return columns


def _encode_numbers(
    numbers: NDArray[np.float64], whole: bool
) -> tuple[NDArray[np.int32], tuple[float | int, ...]]:
    present = ~np.isnan(numbers)
    distinct, inverse = np.unique(numbers[present], return_inverse=True)
    codes = np.full(numbers.shape, -1, dtype=np.int32)
    codes[present] = inverse.reshape(-1)
    shown = tuple(
        int(v) if (whole or v.is_integer()) and abs(v) < 2**53 else v for v in distinct.tolist()
    )
    return codes, shown


def _text_of(value: Any) -> str:
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int32(codes: NDArray[Any]) -> NDArray[np.int32]:
    return np.asarray(codes, dtype=np.int32)


def paradata_columns(data: ExportData) -> list[FlatColumn]:
    """Return the paradata columns (``PARADATA_COLUMNS``) of ``data``, then the form's own
    metadata variables (``Form.metadata``); none without paradata."""
    paradata = data.paradata
    if paradata is None:
        return []
    language = data.language

    def coded(name: str, kind: ColumnKind, raw: tuple[Any, ...], label: str = "") -> FlatColumn:
        lookup: dict[Any, int] = {}
        codes = np.fromiter(
            (-1 if v is None or v == "" else lookup.setdefault(v, len(lookup)) for v in raw),
            dtype=np.int32,
            count=len(raw),
        )
        return FlatColumn(name, name, label or text(name, language), kind, codes, tuple(lookup))

    duration_codes, durations = _encode_numbers(paradata.duration(), False)
    columns = [] if not data.paradata_columns else [
        coded("_source", "text", paradata.source),
        coded("_status", "text", paradata.status),
        coded("_started", "datetime", paradata.started_at),
        coded("_completed", "datetime", paradata.completed_at),
        FlatColumn("_duration", "_duration", text("_duration", language), "number",
                   duration_codes, durations),
        coded("_device", "text", paradata.device_class),
        coded("_language", "text", paradata.language),
    ]  # fmt: skip
    if data.paradata_columns and paradata.excluded:
        flags = np.asarray(paradata.excluded, dtype=np.float64)
        codes, values = _encode_numbers(flags, True)
        columns.append(FlatColumn("_excluded", "_excluded", text("_excluded", language),
                                  "number", codes, values))
    # The form's own metadata variables (XLSForm start, end, today), under the form's names.
    days = tuple(None if moment is None else moment.date() for moment in paradata.started_at)
    sources = {"start": ("_started", "datetime", paradata.started_at),
               "end": ("_completed", "datetime", paradata.completed_at),
               "today": ("_started", "date", days)}
    for name, kind in (data.form.metadata.items() if data.form is not None else ()):
        label_key, column_kind, values = sources[kind]
        columns.append(coded(name, column_kind, values, text(label_key, language)))
    return columns


def fuse(
    lookups: Sequence[NDArray[Any]], codes: Sequence[NDArray[np.int32]], separator: str
) -> list[tuple[NDArray[Any], NDArray[np.intp]]]:
    """Return fewer (cell texts, codes) pairs that give the same rows when joined.

    ``lookups[i]`` holds the cell text of each value of column ``i`` and, last, the empty cell
    (which code -1 picks). Neighbouring columns whose combinations number at most
    ``FUSE_LIMIT`` become one column of their joined texts, so that a row is the join of a
    few long pieces instead of many short ones (each piece is a Python call or two).
    """
    groups: list[list[int]] = []
    size = FUSE_LIMIT + 1
    for index, lookup in enumerate(lookups):
        if size * len(lookup) > FUSE_LIMIT:
            groups.append([])
            size = 1
        groups[-1].append(index)
        size *= len(lookup)
    fused = []
    for group in groups:
        if len(group) == 1:
            lookup, code = lookups[group[0]], codes[group[0]]
            fused.append((lookup, np.where(code < 0, len(lookup) - 1, code)))
            continue
        combined = np.zeros(len(codes[group[0]]), dtype=np.int64)
        for index in group:
            k = len(lookups[index])
            combined = combined * k + np.where(codes[index] < 0, k - 1, codes[index])
        distinct, inverse = np.unique(combined, return_inverse=True)
        parts, rest = [], distinct
        for index in reversed(group):
            k = len(lookups[index])
            parts.append(lookups[index][rest % k].tolist())
            rest = rest // k
        texts = [separator.join(row) for row in zip(*reversed(parts), strict=True)]
        fused.append((np.array(texts, dtype=object), inverse.reshape(-1)))
    return fused
