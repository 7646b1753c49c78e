"""Coding answers into a Dataset's columns: from records, and from dict-encoded columns.

Two ways in, one set of rules:

- ``code_records``: one mapping of answers per respondent (``Dataset.from_records``);
- ``code_encoded``: per variable, each respondent's index into the column's distinct answers
  (``Dataset.from_encoded``). This is the fast path for large data. The storage layer reads
  one column at a time and dict-encodes it (``peiling.fieldwork.selectors.answer_columns``),
  so each distinct answer is checked and coded once and the whole column is one numpy
  ``take``. 100,000 records of 100 answers held as Python dicts spend most of their time in
  cache misses; the encoded way touches each distinct value once.

Both collect every answer that does not fit (a value not in the choice list, a number of the
wrong type, a key that is no question) as a ``DataProblem`` with its count and examples, and
report the same problems for the same data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from peiling.analysis.dataset import (
    Answer,
    DataProblem,
    EncodedText,
    Variable,
    answers_phrase,
    examples_text,
)

__all__ = ["code_encoded", "code_records"]

_UNHASHABLE = frozenset({dict, list, set})


def code_records(
    variables: Mapping[str, Variable],
    rows: Sequence[Mapping[str, Answer]],
    weight: str | None,
) -> tuple[dict[str, Any], NDArray[np.float64] | None, list[DataProblem]]:
    """Return the constructor's columns, the weights and the problems of ``rows``."""
    known = set(variables) | ({weight} if weight else set())
    unknown: dict[str, int] = {}
    for row in rows:
        for key in row:
            if key not in known:
                unknown[key] = unknown.get(key, 0) + 1
    problems = unknown_key_problems(unknown)
    columns: dict[str, Any] = {}
    for variable in variables.values():
        values = [row.get(variable.name) for row in rows]
        columns[variable.name] = code_answers(variable, values, problems)
    weights = None
    if weight is not None:
        weights = record_weights([row.get(weight) for row in rows], weight, problems)
    return columns, weights, problems


def code_encoded(
    variables: Mapping[str, Variable],
    encoded: Mapping[str, tuple[ArrayLike, Sequence[Answer]]],
    n: int,
    unknown_keys: Mapping[str, int],
    distinct: bool = False,
) -> tuple[dict[str, Any], list[DataProblem]]:
    """Return the constructor's columns and the problems of dict-encoded answers.

    ``encoded`` maps a variable to ``(codes, values)``: ``codes[i]`` is the position of
    respondent ``i``'s answer in ``values`` (the distinct answers, ``None`` for no answer).
    ``unknown_keys`` counts the answers stored under keys that are no variable. Variables
    without codes get a column of no answers, so the columns always have ``n`` rows.
    """
    problems = unknown_key_problems(unknown_keys)
    stray = [name for name in encoded if name not in variables]
    if stray:
        raise ValueError(f"encoded columns without a variable: {', '.join(stray)}")
    columns: dict[str, Any] = {}
    nobody = (np.zeros(n, dtype=np.intp), (None,))
    for name, variable in variables.items():
        codes, values = encoded.get(name, nobody)
        index = np.asarray(codes, dtype=np.intp)
        if index.shape != (n,):
            raise ValueError(f"codes of {name!r} have shape {index.shape}; expected ({n},)")
        if index.size and (index.min() < 0 or index.max() >= len(values)):
            raise ValueError(f"codes of {name!r} point past its {len(values)} values")
        counts = np.bincount(index, minlength=len(values))
        coded = code_answers(variable, list(values), problems, counts=counts)
        if variable.kind == "text":
            columns[name] = EncodedText(index, tuple(coded), distinct)
        else:
            columns[name] = np.asarray(coded)[index]
    return columns, problems


def unknown_key_problems(unknown: Mapping[str, int]) -> list[DataProblem]:
    return [
        DataProblem(key, "unknown_key", f"{answers_phrase(count)} under a key that is no question")
        for key, count in unknown.items()
    ]


def code_answers(
    variable: Variable,
    values: list[Any],
    problems: list[DataProblem],
    counts: Sequence[int] | NDArray[np.integer[Any]] | None = None,
) -> Any:
    """Turn Python answers into the column the constructor takes, collecting problems.

    ``counts`` (for distinct values) says how many respondents gave each value, so that a
    problem counts answers, not distinct values.
    """
    kind = variable.kind
    bad: list[tuple[Any, int]] = []
    times = [1] * len(values) if counts is None else counts.tolist() if isinstance(
        counts, np.ndarray) else [int(count) for count in counts]
    if kind == "single":
        lookup = {name: code for code, name in enumerate(variable.category_names)}
        codes = []
        for i, value in enumerate(values):
            code = -1 if value is None else lookup.get(value) if isinstance(value, str) else None
            if code is None:
                bad.append((value, times[i]))
                code = -1
            codes.append(code)
        column: Any = np.array(codes, dtype=np.int16)
        what = "{} not in the choice list"
    elif kind == "multiple":
        lookup = {name: code for code, name in enumerate(variable.category_names)}
        column = np.zeros((len(values), len(lookup)), dtype=np.int8)
        for row, value in enumerate(values):
            chosen = value.split() if isinstance(value, str) else value
            if not chosen:
                column[row] = -1
                continue
            if not isinstance(chosen, list | tuple):
                bad.append((value, times[row]))
                column[row] = -1
                continue
            for name in chosen:
                if name in lookup:
                    column[row, lookup[name]] = 1
                else:
                    bad.append((name, times[row]))
        what = "{} not in the choice list"
    elif kind == "numeric":
        numbers = []
        for i, value in enumerate(values):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if value is not None and not ok:
                bad.append((value, times[i]))
            numbers.append(float(value) if ok else np.nan)
        column, what = (
            np.array(numbers, dtype=np.float64),
            "{} of the wrong type (expected a number)",
        )
    else:  # text, dates, ranks, calculations: anything a dict key can be
        column = values
        if not _UNHASHABLE.isdisjoint(map(type, values)):
            column = []
            for i, value in enumerate(values):
                if isinstance(value, dict | list | set):
                    bad.append((value, times[i]))
                    value = None
                column.append(value)
        what = "{} of the wrong type (expected text)"
    bad = [(value, count) for value, count in bad if count]
    if bad:
        total = sum(count for _value, count in bad)
        examples = _examples(bad)
        problems.append(
            DataProblem(
                variable.name,
                "unknown_value" if kind in ("single", "multiple") else "type_clash",
                what.format(_values(total)) + f" (e.g. {examples_text(examples)})",
                count=total,
                examples=tuple(str(v) for v in examples[:3]),
            )
        )
    return column


def record_weights(
    values: list[Any], key: str, problems: list[DataProblem]
) -> NDArray[np.float64]:
    bad = [
        v
        for v in values
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < 0
    ]
    if bad:
        problems.append(
            DataProblem(
                key,
                "bad_weight",
                f"{_values(len(bad))} that cannot be a weight (expected a finite number >= 0;"
                f" e.g. {examples_text(bad)})",
                count=len(bad),
                examples=tuple(str(v) for v in bad[:3]),
            )
        )
        return np.ones(len(values))
    return np.array(values, dtype=np.float64)


def _examples(bad: Iterable[tuple[Any, int]], limit: int = 3) -> list[Any]:
    """Return the first ``limit`` distinct bad answers, in the order they first occur."""
    examples: list[Any] = []
    for value, _count in bad:
        if value not in examples:
            examples.append(value)
            if len(examples) >= limit:
                break
    return examples


def _values(count: int) -> str:
    return "1 value" if count == 1 else f"{count} values"
