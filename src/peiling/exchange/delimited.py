"""CSV export: UTF-8, ODK/KoboToolbox columns (``peiling.exchange.columns``), RFC 4180 quoting.

Options: ``values`` (choice names, readable back by ``peiling tabulate``, or labels),
``delimiter`` (``;`` for Dutch Excel, which then also gets decimal commas) and ``bom`` (a byte
order mark, so that Excel reads the file as UTF-8). Lines end in CRLF (RFC 4180).

Text that a spreadsheet would run as a formula is neutralised (``columns.neutralise``) and
counted in a notice per column. Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
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
from peiling.exchange.writers import (
    ExportData,
    ExportError,
    Notice,
    WriteOptions,
    Writer,
    Written,
)

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
        notices: list[Notice] = []
        with path.open("w", encoding="utf-8", newline="") as out:
            names = self._write(data, out.write, options, notices, header=True)
        return Written(names, tuple(notices))

    def stream(self, pieces: Iterable[ExportData], options: WriteOptions | None = None
               ) -> Iterator[str]:
        """Yield the CSV text of ``pieces`` (``services.fieldwork_export_pieces``): the
        header from the first, then each piece's rows; what one file of all of them holds,
        with one piece in memory at a time. Raises ``ExportError`` when a piece's columns
        differ from the first's."""
        options = options or WriteOptions()
        self.check(options)
        names: tuple[str, ...] | None = None
        for piece in pieces:
            parts: list[str] = []
            written = self._write(piece, parts.append, options, [], header=names is None)
            if names is None:
                names = written
            elif written != names:
                raise ExportError("the columns changed while the file was written")
            yield "".join(parts)

    def _write(self, data: ExportData, write: Callable[[str], Any], options: WriteOptions,
               notices: list[Notice], *, header: bool) -> tuple[str, ...]:
        columns = flat_columns(data, options.values)
        lookups = [self._lookup(column, options, notices) for column in columns]
        separator = options.delimiter
        n = data.dataset.n
        if header:
            if options.bom:
                write("\ufeff")
            names = [csv_field(neutralise(column.name), separator) for column in columns]
            write(separator.join(names) + LINE_END)
        fused = fuse(lookups, [column.codes for column in columns], separator)
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            cells = [lookup[codes[start:stop]].tolist() for lookup, codes in fused]
            if not cells:
                write(LINE_END * (stop - start))
                continue
            write(LINE_END.join(map(separator.join, zip(*cells, strict=True))))
            write(LINE_END)
        return tuple(column.name for column in columns)

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
