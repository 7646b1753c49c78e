"""Parquet export via pyarrow: ODK/KoboToolbox columns, typed, with the labels in the schema.

Column types (``peiling.exchange.columns`` decides the columns):

    category, choices, text   dictionary<int32, string> (categorical in pandas and R): for a
                              choice question the dictionary is the whole choice list, in form
                              order, so categories never answered are there too
    choice (q/choice)         int8, null when the question was not answered or not asked
    number                    int64 for integer questions, else float64; null for no answer
    date / datetime           date32 / timestamp (local time, no zone; whole seconds, which
                              Parquet stores in milliseconds)

The schema metadata key ``peiling`` holds JSON: the form (id, title, version, language) and per
variable its label, type, measure level, routing and choices (code, name, label), as the
codebook shows them; each field's metadata holds its ``label`` and ``variable``. Pure Python
(pyarrow), no Django.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from peiling.exchange.codebook import codebook_entries
from peiling.exchange.columns import FlatColumn, flat_columns
from peiling.exchange.writers import ExportData, ExportError, WriteOptions, Writer, Written

__all__ = ["METADATA_KEY", "ParquetWriter", "schema_metadata"]

METADATA_KEY = b"peiling"


class ParquetWriter(Writer):
    format = "parquet"
    suffixes = (".parquet", ".pq")
    media_type = "application/vnd.apache.parquet"
    description = "Parquet: typed and categorical columns, labels in the schema metadata"
    options = frozenset({"values"})

    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        import pyarrow.parquet as pq

        table = _table(data, options)
        pq.write_table(table, str(path), compression="snappy")
        return Written(tuple(table.column_names))

    def stream(self, pieces: Iterable[ExportData], options: WriteOptions | None = None, *,
               respondents: int | None = None) -> Iterator[bytes]:
        """Yield the bytes of one Parquet file of ``pieces``
        (``services.fieldwork_export_pieces``), a row group per piece, holding one piece at
        a time; ``respondents`` is the total the schema's metadata gives."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        options = options or WriteOptions()
        self.check(options)
        sink = _Sink()
        writer = None
        for piece in pieces:
            table = _table(piece, options, respondents)
            if writer is None:
                writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), table.schema,
                                          compression="snappy")
            elif table.schema.names != writer.schema.names:
                raise ExportError("the columns changed while the file was written")
            writer.write_table(table.cast(writer.schema))
            yield sink.take()
        if writer is not None:
            writer.close()
        yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only file that hands over what was written so far (pyarrow asks its
    position for the file's offsets, so it counts on)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _table(data: ExportData, options: WriteOptions, respondents: int | None = None) -> Any:
    import pyarrow as pa

    columns = flat_columns(data, options.values)
    whole = {name for name, v in data.dataset.variables.items() if v.question_type == "integer"}
    arrays = [_array(column, column.variable in whole) for column in columns]
    fields = [
        pa.field(column.name, array.type, metadata={
            "label": column.label, "variable": column.variable
        })
        for column, array in zip(columns, arrays, strict=True)
    ]  # fmt: skip
    metadata = schema_metadata(data, options, respondents)
    schema = pa.schema(fields, metadata={METADATA_KEY: metadata})
    return pa.Table.from_arrays(arrays, schema=schema)


def schema_metadata(data: ExportData, options: WriteOptions,
                    respondents: int | None = None) -> bytes:
    """Return the JSON kept under ``METADATA_KEY``: the form and the codebook's variables."""
    form = data.form
    document: dict[str, Any] = {
        "title": data.heading,
        "form_id": form.form_id if form is not None else None,
        "version": form.version if form is not None else None,
        "language": data.language,
        "values": options.values,
        "respondents": data.dataset.n if respondents is None else respondents,
        "variables": [
            {
                "name": entry.name,
                "label": entry.label,
                "type": entry.type,
                "measure": entry.measure,
                "relevant": entry.routing or None,
                "columns": list(entry.columns),
                "choices": [
                    {"code": c.code, "name": c.name, "label": c.label} for c in entry.choices
                ],
            }
            for entry in codebook_entries(data)
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _array(column: FlatColumn, whole: bool) -> Any:
    import pyarrow as pa

    codes = column.codes
    empty = codes < 0
    if column.kind in ("category", "choices", "text"):
        # Two choices may share a label; a dictionary (a pandas category) must not repeat one.
        first: dict[str, int] = {}
        remap = np.array([first.setdefault(v, len(first)) for v in column.values] + [0], np.int32)
        indices = pa.array(remap[codes], type=pa.int32(), mask=empty)
        return pa.DictionaryArray.from_arrays(indices, pa.array(list(first), type=pa.string()))
    if column.kind == "choice":
        return pa.array(codes.astype(np.int8), type=pa.int8(), mask=empty)
    if column.kind == "number":
        table = np.array([*column.values, 0], dtype=np.int64 if whole else np.float64)
        return pa.array(table[codes], mask=empty)
    if column.kind == "date":
        return pa.array([*column.values, None], pa.date32()).take(_take(codes, column.values))
    if column.kind == "datetime":
        values = pa.array([*column.values, None], pa.timestamp("s"))
        return values.take(_take(codes, column.values))
    raise ValueError(f"unknown column kind {column.kind!r}")


def _take(codes: np.ndarray[Any, Any], values: tuple[Any, ...]) -> Any:
    """Return indices for ``take`` on ``values`` with a null appended: -1 picks the null."""
    import pyarrow as pa

    return pa.array(np.where(codes < 0, len(values), codes).astype(np.int64))
