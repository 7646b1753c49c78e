"""SPSS .sav export via pyreadstat: codes with value labels, missing values, measure levels.

One SPSS variable per question, except ``select_multiple``: one 0/1 variable per choice
(``q_choice``, or ``q.choice`` when ``q_choice`` is taken), grouped in a multiple dichotomy
set ``$q`` (added by ``peiling.exchange.savfile``). Codes, missing values and measure levels
follow ``peiling.exchange.coding``. SPSS's limits are met, and every change reported:

    names             letters, digits and . _ @ # $, starting with a letter, at most 64 bytes,
                      no reserved word (ALL, AND, BY ...), unique ignoring case
    variable labels   256 bytes; value labels 120 bytes; file label 64 bytes; notes 80 bytes
                      a line: cut at a word boundary, ending in "…"

Pure Python (pandas, pyreadstat), no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peiling.analysis.dataset import Dataset, Variable
from peiling.exchange.coding import (
    NOT_ASKED_CODE,
    Measure,
    measure_level,
    text,
    truncate_bytes,
    value_codes,
)
from peiling.exchange.columns import paradata_columns
from peiling.exchange.savfile import (
    Cases,
    DichotomySet,
    NumericCases,
    SavFormatError,
    StringCases,
    finish,
)
from peiling.exchange.writers import (
    ExportData,
    NotExportable,
    Notice,
    WriteOptions,
    Writer,
    Written,
    export_variables,
)

__all__ = ["LIMITS", "SavWriter", "spss_name"]

#: SPSS's limits, in bytes of UTF-8 (IBM SPSS Statistics, "Variable names"; ReadStat's
#: MAX_LABEL_SIZE and MAX_VALUE_LABEL_SIZE in readstat_sav_write.c).
LIMITS = {"name": 64, "variable label": 256, "value label": 120, "file label": 64, "note": 80}
RESERVED = frozenset(
    {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
)
_INVALID = re.compile(r"[^\w.@#$]")


def spss_name(name: str) -> str:
    """Return ``name`` made a valid SPSS variable name (uniqueness is the caller's job)."""
    cleaned = _INVALID.sub("_", name).rstrip(".").lstrip("_")
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "@"):
        cleaned = "v" + cleaned
    if cleaned.upper() in RESERVED:
        cleaned += "_"
    return truncate_bytes(cleaned, LIMITS["name"], ellipsis="")[0]


class SavWriter(Writer):
    format = "sav"
    suffixes = (".sav",)
    media_type = "application/x-spss-sav"
    description = "SPSS .sav: codes, value labels, missing values, measure levels, MR sets"
    # Codes with value labels always: ``values`` does not apply.
    options = frozenset()

    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        import pyreadstat

        plan = _Plan(data)
        plan.build()
        # pyreadstat writes the dictionary from one stand-in case; savfile.finish, the cases.
        frame = pd.DataFrame({name: [value] for name, value in plan.stand_in.items()})
        file_label = plan.fit(data.heading, "file label", "")
        try:
            pyreadstat.write_sav(
                frame,
                str(path),
                row_compress=True,
                file_label=file_label,
                column_labels=plan.labels,
                note=plan.notes(),
                variable_value_labels=plan.value_labels,
                missing_ranges=plan.missing,
                variable_measure=plan.measures,
                variable_format=plan.formats,
                variable_display_width=plan.widths,
            )
        except Exception as error:  # pyreadstat raises PyreadstatError, ReadstatError, others
            raise NotExportable(f"SPSS cannot hold this data: {error}") from None
        try:
            finish(path, sets=plan.mrsets, cases=list(plan.cases.values()))
        except SavFormatError as error:
            raise NotExportable(f"cannot finish the SPSS file: {error}") from None
        return Written(tuple(plan.cases), tuple(plan.notices))


@dataclass(eq=False)
class _Plan:
    """The pyreadstat arguments for one export, built variable by variable."""

    data: ExportData
    cases: dict[str, Cases] = field(default_factory=dict)
    stand_in: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    missing: dict[str, list[Any]] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)
    mrsets: list[DichotomySet] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    _taken: set[str] = field(default_factory=set)
    _cut_value_labels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def language(self) -> str | None:
        return self.data.language

    def build(self) -> None:
        variables = export_variables(self.data.dataset)[0]
        names = self._names(variables)
        dataset = self.data.dataset
        for name, column in ((c.name, c) for c in paradata_columns(self.data)):
            self._paradata(names[name], column)
        for variable in variables:
            if variable.kind == "single":
                self._single(dataset, variable, names[variable.name])
            elif variable.kind == "multiple":
                self._multiple(dataset, variable, names)
            elif variable.kind == "numeric":
                self._numeric(dataset, variable, names[variable.name])
            elif variable.kind == "text":
                self._text(dataset, variable, names[variable.name])
            else:
                raise ValueError(f"unknown variable kind {variable.kind!r}")
        for original, variables_cut in self._cut_value_labels.items():
            more = len(variables_cut) - 1
            also = f" (and {more} more variable{'s' if more > 1 else ''})" if more else ""
            message = (
                f"value label cut to {LIMITS['value label']} bytes, SPSS's limit{also}: "
                f"{original!r}"
            )
            self.notices.append(Notice("label_truncated", variables_cut[0], message))

    # -- names --------------------------------------------------------------------------------

    def _names(self, variables: Iterable[Variable]) -> dict[str, str]:
        """Return export name -> SPSS name: questions first, so they keep their own names."""
        names: dict[str, str] = {}
        variables = list(variables)
        for variable in variables:
            if variable.kind != "multiple":
                names[variable.name] = self._take(variable.name, [spss_name(variable.name)])
        for variable in variables:
            if variable.kind == "multiple":
                for choice in variable.category_names:
                    key = f"{variable.name}/{choice}"
                    preferred = [spss_name(f"{variable.name}_{choice}"),
                                 spss_name(f"{variable.name}.{choice}")]  # fmt: skip
                    names[key] = self._take(key, preferred)
        for column in paradata_columns(self.data):
            names[column.name] = self._take(column.name, [spss_name(column.name)])
        return names

    def _take(self, original: str, preferred: list[str]) -> str:
        chosen = next((p for p in preferred if p.lower() not in self._taken), None)
        if chosen is None:
            base, number = preferred[0], 2
            while chosen is None or chosen.lower() in self._taken:
                suffix = f"_{number}"
                chosen = truncate_bytes(base, LIMITS["name"] - len(suffix), ellipsis="")[0]
                chosen, number = chosen + suffix, number + 1
        self._taken.add(chosen.lower())
        expected = original.replace("/", "_")
        if chosen != expected:
            self.notices.append(
                Notice("name_changed", original, f"written as {chosen!r} to fit SPSS's names")
            )
        return chosen

    # -- labels -------------------------------------------------------------------------------

    def fit(self, label: str, what: str, column: str) -> str:
        """Return ``label`` on one line, cut to SPSS's limit for ``what`` (with a notice)."""
        flat = " ".join(label.split())
        cut, was_cut = truncate_bytes(flat, LIMITS[what])
        if was_cut and what == "value label":
            self._cut_value_labels.setdefault(flat, []).append(column)
        elif was_cut:
            size = len(flat.encode("utf-8"))
            message = f"{what} cut from {size} to {LIMITS[what]} bytes, SPSS's limit: {cut!r}"
            self.notices.append(Notice("label_truncated", column, message))
        return cut

    def _label(self, name: str, label: str) -> None:
        if label:
            self.labels[name] = self.fit(label, "variable label", name)

    def notes(self) -> list[str]:
        form = self.data.form
        version = f" version {form.version}" if form is not None and form.version else ""
        form_id = f"form {form.form_id}{version}; " if form is not None else ""
        language = self.language
        lines = [
            f"peiling export: {self.data.heading}",
            f"{form_id}{self.data.dataset.n} respondents; {self.data.created:%Y-%m-%d %H:%M}",
            f"{text('codes', language)}; {text('not_answered', language)}",
            f"-1 (-3, -4 ...) = {text('dont_know', language)}; -2 = {text('not_asked', language)}",
        ]
        return [truncate_bytes(line, LIMITS["note"])[0] for line in lines]

    # -- variables ----------------------------------------------------------------------------

    def _single(self, dataset: Dataset, variable: Variable, name: str) -> None:
        codes = value_codes(variable)
        table = np.array([*codes, np.nan], dtype=np.float64)
        values = table[dataset.codes(variable.name)]
        values[~dataset.asked(variable.name)] = NOT_ASKED_CODE
        self._number(name, values)
        self._label(name, variable.label)
        labels = {
            float(code): self.fit(category.label or category.name, "value label", name)
            for code, category in zip(codes, variable.categories, strict=True)
        }
        labels[float(NOT_ASKED_CODE)] = text("not_asked", self.language)
        self.value_labels[name] = labels
        self.missing[name] = [{"lo": float(min(*codes, NOT_ASKED_CODE)), "hi": -1.0}]
        self.measures[name] = measure_level(variable, self.data.form)
        self.formats[name] = f"F{max(2, len(str(len(codes))) + 1)}.0"
        self.widths[name] = _width(name)

    def _multiple(self, dataset: Dataset, variable: Variable, names: dict[str, str]) -> None:
        selected = dataset.selected(variable.name)
        answered = dataset.answered(variable.name)
        asked = dataset.asked(variable.name)
        labels = {
            0.0: text("not_selected", self.language),
            1.0: text("selected", self.language),
            float(NOT_ASKED_CODE): text("not_asked", self.language),
        }
        members = []
        for code, category in enumerate(variable.categories):
            name = names[f"{variable.name}/{category.name}"]
            values = selected[:, code].astype(np.float64)
            values[~answered] = np.nan
            values[~asked] = NOT_ASKED_CODE
            self._number(name, values)
            self._label(name, category.label or category.name)
            self.value_labels[name] = labels
            self.missing[name] = [float(NOT_ASKED_CODE)]
            self.measures[name] = "nominal"
            self.formats[name] = "F2.0"
            self.widths[name] = _width(name)
            members.append(name)
        if len(members) >= 2:
            stem = truncate_bytes(spss_name(variable.name), LIMITS["name"] - 1, ellipsis="")[0]
            set_name = "$" + stem
            label = self.fit(variable.label, "variable label", set_name)
            self.mrsets.append(DichotomySet(set_name, label, tuple(members)))

    def _numeric(self, dataset: Dataset, variable: Variable, name: str) -> None:
        values = np.array(dataset.numbers(variable.name), dtype=np.float64)
        self._number(name, values)
        self._label(name, variable.label)
        self.measures[name] = "scale"
        self.formats[name] = _number_format(values, variable.question_type == "integer")
        self.widths[name] = _width(name)

    def _text(self, dataset: Dataset, variable: Variable, name: str) -> None:
        distinct = dataset.distinct_values(variable.name)
        codes = dataset.codes(variable.name)
        dates = bool(distinct) and all(_is_date(v) for v in distinct)
        if dates:
            self._moments(name, codes, distinct, dt.date(2000, 1, 1))
        else:
            self._string(name, codes, tuple(v if type(v) is str else _text_of(v) for v in distinct))
        self._label(name, variable.label)
        self.measures[name] = "scale" if dates else "nominal"
        self.widths[name] = _width(name)

    def _paradata(self, name: str, column: Any) -> None:
        if column.kind == "number":
            table = np.array([*column.values, np.nan], dtype=np.float64)
            self._number(name, table[column.codes])
            self.measures[name], self.formats[name] = "scale", "F8.0"
        elif column.kind == "datetime":
            self._moments(name, column.codes, column.values, pd.Timestamp(2000, 1, 1))
            self.measures[name] = "scale"
        elif column.kind == "date":
            self._moments(name, column.codes, column.values, dt.date(2000, 1, 1))
            self.measures[name] = "scale"
        else:
            self._string(name, column.codes, tuple(str(v) for v in column.values))
            self.measures[name] = "nominal"
        self._label(name, column.label)
        self.widths[name] = _width(name)

    # -- cases --------------------------------------------------------------------------------

    def _number(self, name: str, values: np.ndarray[Any, Any]) -> None:
        self.cases[name] = NumericCases(values)
        self.stand_in[name] = 0.0

    def _string(self, name: str, codes: np.ndarray[Any, Any], values: tuple[str, ...]) -> None:
        encoded = tuple(value.encode("utf-8") for value in values)
        width = max([1, *map(len, encoded)])
        self.cases[name] = StringCases(codes, encoded, width)
        self.stand_in[name] = "x" * width  # pyreadstat declares the width of the longest value

    def _moments(
        self, name: str, codes: np.ndarray[Any, Any], values: tuple[Any, ...], stand_in: Any
    ) -> None:
        """A date or time: SPSS holds seconds since the Gregorian calendar began."""
        seconds = [_spss_seconds(value) for value in values]
        table = np.array([*seconds, np.nan], dtype=np.float64)
        self.cases[name] = NumericCases(table[codes])
        self.stand_in[name] = stand_in


#: SPSS's day zero: 14 October 1582, the first day of the Gregorian calendar.
_SPSS_EPOCH = dt.datetime(1582, 10, 14)


def _spss_seconds(value: dt.date) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - _SPSS_EPOCH).total_seconds()


def _width(name: str) -> int:
    return max(8, min(len(name) + 1, 32))


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _text_of(value: Any) -> str:
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return str(value)


def _number_format(values: np.ndarray[Any, Any], whole: bool) -> str:
    present = values[~np.isnan(values)]
    largest = float(np.abs(present).max()) if present.size else 0.0
    digits = len(str(int(largest))) + 1
    decimals = 0
    if not whole:
        fractions = {repr(float(v)).partition(".")[2] for v in np.unique(present)[:1000]}
        decimals = min(max((len(f) for f in fractions if f != "0"), default=0), 6)
    return f"F{min(max(digits + decimals + 1, 8), 40)}.{decimals}"
