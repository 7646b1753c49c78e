"""CSV export: UTF-8, ODK/KoboToolbox columns (``peiling.exchange.columns``), RFC 4180 quoting.

Options: ``values`` (choice names, readable back by ``peiling tabulate``, or labels),
``delimiter`` (``;`` for Dutch Excel, which then also gets decimal commas) and ``bom`` (a byte
order mark, so that Excel reads the file as UTF-8). Lines end in CRLF (RFC 4180).

Text that a spreadsheet would run as a formula is neutralised (``columns.neutralise``) and
counted in a notice per column. Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peiling.exchange.columns import (
    TEXT_KINDS,
    FlatColumn,
    flat_columns,
    fuse,
    neutralise,
    neutralised_cells,
)
from peiling.exchange.writers import ExportData, Notice, WriteOptions, Writer, Written

__all__ = ["CsvWriter", "csv_field"]

#: Rows turned into text at once: bounds memory while keeping numpy's work in large pieces.
CHUNK_ROWS = 20_000
LINE_END = "\r\n"


def csv_field(value: str, delimiter: str) -> str:
    """Return ``value`` quoted as RFC 4180 asks: when it holds the delimiter, a quote or a
    line break (quotes doubled)."""
    if delimiter in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


class CsvWriter(Writer):
    format = "csv"
    suffixes = (".csv",)
    media_type = "text/csv"
    description = "CSV, UTF-8, ODK/KoboToolbox columns"
    options = frozenset({"values", "delimiter", "bom"})

    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        columns = flat_columns(data, options.values)
        notices: list[Notice] = []
        lookups = [self._lookup(column, options, notices) for column in columns]
        separator = options.delimiter
        n = data.dataset.n
        with path.open("w", encoding="utf-8", newline="") as out:
            if options.bom:
                out.write("\ufeff")
            header = [csv_field(neutralise(column.name), separator) for column in columns]
            out.write(separator.join(header) + LINE_END)
            fused = fuse(lookups, [column.codes for column in columns], separator)
            for start in range(0, n, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, n)
                cells = [lookup[codes[start:stop]].tolist() for lookup, codes in fused]
                if not cells:
                    out.write(LINE_END * (stop - start))
                    continue
                out.write(LINE_END.join(map(separator.join, zip(*cells, strict=True))))
                out.write(LINE_END)
        return Written(tuple(column.name for column in columns), tuple(notices))

    def _lookup(
        self, column: FlatColumn, options: WriteOptions, notices: list[Notice]
    ) -> NDArray[Any]:
        """Return the cell text of each distinct value, and "" last (code -1 picks it)."""
        shown = [_cell_text(value, column.kind, options.delimiter) for value in column.values]
        if column.kind in TEXT_KINDS:
            neutral = [neutralise(text) for text in shown]
            notice = neutralised_cells(column, neutral)
            if notice is not None:
                notices.append(notice)
            shown = neutral
        quoted = [csv_field(text, options.delimiter) for text in shown]
        return np.array([*quoted, ""], dtype=object)


def _cell_text(value: Any, kind: str, delimiter: str) -> str:
    if kind in ("number", "choice"):
        if isinstance(value, int):
            return str(value)
        shown = repr(float(value))
        return shown.replace(".", ",") if delimiter == ";" else shown
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
