"""Finish an SPSS system file (.sav) whose dictionary pyreadstat wrote: cases and MR sets.

pyreadstat writes the dictionary well (labels, missing values, measures, formats, long names)
but puts cases in one Python call per cell, and cannot write multiple response sets. So the
SAV writer lets pyreadstat write the dictionary with a single stand-in case, and ``finish``

- walks the dictionary records to the dictionary termination record,
- adds an extension record of subtype 7 (multiple response sets) before it, variables named by
  their lower-cased short names from the long variable names record,
- sets the number of cases (header, and the extension record of subtype 16), and
- replaces the stand-in case with the real ones, bytecode-compressed as the header says,
  built with numpy a block of rows at a time.

Formats: GNU PSPP, "System File Format" (pspp-dev manual, chapter 1): "File Header Record",
"Variable Record", "Value Labels Records", "Document Record", "Multiple Response Sets Records",
"Extended Number of Cases Record", "Long Variable Names Record", "Very Long String Record",
"Data Record" (bytecode compression, bias 100). Pure Python, no Django.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DichotomySet",
    "NumericCases",
    "SavFormatError",
    "StringCases",
    "finish",
    "mrsets_record",
    "storage_width",
]

HEADER_SIZE = 176
_LAYOUT_CODE, _CASE_SIZE, _COMPRESSION, _CASES, _BIAS = 64, 68, 72, 80, 84
_VARIABLE, _VALUE_LABELS, _LABEL_VARIABLES, _DOCUMENT, _EXTENSION, _END = 2, 3, 4, 6, 7, 999
_MRSETS, _LONG_NAMES, _CASE_COUNT = 7, 13, 16
# Bytecode opcodes: 1..251 a whole number (code - bias), 253 eight raw bytes follow,
# 254 eight spaces, 255 system-missing; 0 is padding.
_RAW, _SPACES, _SYSMIS = 253, 254, 255
_EIGHT_SPACES = np.frombuffer(b" " * 8, dtype="<u8")[0]
#: Cases compressed at a time (a multiple of 8, so blocks of 8 opcodes never straddle two).
CHUNK_CASES = 8_192
MAX_STRING_SEGMENT = 255


class SavFormatError(ValueError):
    """The file is not a system file this module can finish."""


@dataclass(frozen=True)
class DichotomySet:
    """A multiple dichotomy set: ``variables`` count a choice when they hold ``counted``."""

    name: str
    label: str
    variables: tuple[str, ...]
    counted: int = 1

    def __post_init__(self) -> None:
        if not self.name.startswith("$"):
            raise ValueError(f"a multiple response set name starts with '$' (got {self.name!r})")
        if len(self.variables) < 2:
            raise ValueError(f"set {self.name!r} needs at least two variables")


@dataclass(frozen=True, eq=False)
class NumericCases:
    """A numeric variable's value per case; NaN is system-missing."""

    values: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class StringCases:
    """A string variable: per case an index into ``values`` (UTF-8), -1 for empty.

    ``width`` is the declared width in bytes (at least 1 and at least the longest value).
    """

    codes: NDArray[np.integer]
    values: tuple[bytes, ...]
    width: int


Cases = NumericCases | StringCases


def storage_width(width: int) -> int:
    """Return the bytes a string of declared ``width`` takes in a case (ReadStat's layout:
    255-byte segments of 256 bytes each, the last rounded up to 8)."""
    if width <= MAX_STRING_SEGMENT:
        return (max(width, 1) + 7) // 8 * 8
    segments = (width + 251) // 252
    last = width - (segments - 1) * 252
    return (segments - 1) * 256 + (last + 7) // 8 * 8


def mrsets_record(sets: Sequence[DichotomySet], short_names: Mapping[str, str]) -> bytes:
    """Return the extension record (type 7, subtype 7) that defines ``sets``.

    Each set is one line: ``$name=D<len> <counted> <len> <label> <var> <var>...``, variables
    by lower-cased short name, lengths in bytes of UTF-8.
    """
    lines = []
    for mrset in sets:
        counted = str(mrset.counted).encode("ascii")
        label = mrset.label.encode("utf-8")
        names = b" ".join(short_names[v].lower().encode("utf-8") for v in mrset.variables)
        lines.append(
            mrset.name.encode("utf-8") + b"=D" + str(len(counted)).encode("ascii") + b" "
            + counted + b" " + str(len(label)).encode("ascii") + b" " + label + b" "
            + names + b"\n"
        )  # fmt: skip
    body = b"".join(lines)
    return struct.pack("<iiii", _EXTENSION, _MRSETS, 1, len(body)) + body


def finish(
    path: Path, *, sets: Sequence[DichotomySet] = (), cases: Sequence[Cases] | None = None
) -> None:
    """Rewrite the system file at ``path`` with ``sets`` added and, given ``cases`` (one per
    variable, in dictionary order), those as its cases.

    Raises ``SavFormatError`` when the file is not a little-endian, bytecode-compressed system
    file whose variables match ``cases``.
    """
    data = path.read_bytes()
    dictionary = _Dictionary(data)
    with path.open("wb") as out:
        head = bytearray(data[: dictionary.end])
        if sets:
            head += mrsets_record(sets, dictionary.short_names(sets))
        if cases is None:
            out.write(head)
            out.write(data[dictionary.end :])
            return
        n = _case_count(cases)
        dictionary.check(cases)
        struct.pack_into("<i", head, _CASES, n)
        if dictionary.case_count_at is not None:
            struct.pack_into("<q", head, dictionary.case_count_at, n)
        out.write(head)
        out.write(struct.pack("<ii", _END, 0))
        _write_cases(out, cases, n, dictionary.bias)


class _Dictionary:
    """What ``finish`` needs of the dictionary records, found by walking them."""

    def __init__(self, data: bytes) -> None:
        if data[:4] not in (b"$FL2", b"$FL3") or len(data) < HEADER_SIZE:
            raise SavFormatError("not an SPSS system file")
        layout, self.case_size, self.compression = struct.unpack_from("<iii", data, _LAYOUT_CODE)
        if layout not in (2, 3):
            raise SavFormatError("not a little-endian system file")
        (self.bias,) = struct.unpack_from("<d", data, _BIAS)
        self.long_names: dict[str, str] = {}
        self.short: list[str] = []
        self.case_count_at: int | None = None
        try:
            self.end = self._walk(data)
        except struct.error:
            raise SavFormatError("the dictionary ends before its termination record") from None

    def _walk(self, data: bytes) -> int:
        position = HEADER_SIZE
        while True:
            (kind,) = struct.unpack_from("<i", data, position)
            if kind == _END:
                return position
            if kind == _VARIABLE:
                width, has_label, missing = struct.unpack_from("<iii", data, position + 4)
                if width >= 0:  # -1: the continuation of a string, no variable of its own
                    self.short.append(data[position + 24 : position + 32].decode().rstrip())
                position += 32
                if has_label:
                    (length,) = struct.unpack_from("<i", data, position)
                    position += 4 + (length + 3) // 4 * 4
                position += 8 * abs(missing)
            elif kind == _VALUE_LABELS:
                (count,) = struct.unpack_from("<i", data, position + 4)
                position += 8
                for _ in range(count):
                    position += 8 + (data[position + 8] + 1 + 7) // 8 * 8
            elif kind == _LABEL_VARIABLES:
                position += 8 + 4 * struct.unpack_from("<i", data, position + 4)[0]
            elif kind == _DOCUMENT:
                position += 8 + 80 * struct.unpack_from("<i", data, position + 4)[0]
            elif kind == _EXTENSION:
                subtype, size, count = struct.unpack_from("<iii", data, position + 4)
                body = data[position + 16 : position + 16 + size * count]
                if subtype == _LONG_NAMES:
                    pairs = body.decode("utf-8").split("\t")
                    self.long_names = dict(p.split("=", 1) for p in pairs if "=" in p)
                elif subtype == _CASE_COUNT:
                    self.case_count_at = position + 16 + 8
                position += 16 + size * count
            else:
                raise SavFormatError(f"unknown record type {kind} at byte {position}")

    def short_names(self, sets: Sequence[DichotomySet]) -> dict[str, str]:
        names = {long: short for short, long in self.long_names.items()}
        names = names or {short.lower(): short for short in self.short}
        missing = sorted({v for s in sets for v in s.variables} - set(names))
        if missing:
            raise SavFormatError(f"no variables named {', '.join(missing)}")
        return names

    def check(self, cases: Sequence[Cases]) -> None:
        if self.compression != 1:
            raise SavFormatError(f"compression {self.compression}; expected 1 (bytecode)")
        elements = sum(1 if isinstance(c, NumericCases) else storage_width(c.width) // 8
                       for c in cases)  # fmt: skip
        if elements != self.case_size:
            raise SavFormatError(
                f"the dictionary has {self.case_size} elements per case; the cases {elements}"
            )


def _case_count(cases: Sequence[Cases]) -> int:
    counts = {len(c.values) if isinstance(c, NumericCases) else len(c.codes) for c in cases}
    if len(counts) > 1:
        raise ValueError(f"variables differ in their number of cases: {sorted(counts)}")
    return counts.pop() if counts else 0


def _string_table(cases: StringCases) -> NDArray[np.uint64]:
    """Return each value (and, last, the empty one) laid out in its storage, as 8-byte words."""
    storage = storage_width(cases.width)
    laid = b"".join(_layout(value, storage, cases.width) for value in (*cases.values, b""))
    return np.frombuffer(laid, dtype="<u8").reshape(len(cases.values) + 1, storage // 8)


def _layout(value: bytes, storage: int, width: int) -> bytes:
    """Return ``value`` space-padded to ``storage`` bytes, a segment of 256 bytes holding 255
    bytes of text (as ReadStat's sav_write_string lays very long strings out)."""
    if len(value) > width:
        raise ValueError(f"a value of {len(value)} bytes in a string of width {width}")
    if len(value) <= MAX_STRING_SEGMENT:
        return value.ljust(storage)
    pieces = [value[i : i + MAX_STRING_SEGMENT] for i in range(0, len(value), MAX_STRING_SEGMENT)]
    return b"".join(piece.ljust(256) for piece in pieces).ljust(storage)[:storage]


def _write_cases(out: BinaryIO, cases: Sequence[Cases], n: int, bias: float) -> None:
    tables = [_string_table(c) if isinstance(c, StringCases) else None for c in cases]
    for start in range(0, n, CHUNK_CASES):
        stop = min(start + CHUNK_CASES, n)
        words, opcodes = [], []
        for column, table in zip(cases, tables, strict=True):
            if isinstance(column, NumericCases):
                values = np.ascontiguousarray(column.values[start:stop], dtype="<f8")
                words.append(values.view("<u8")[:, None])
                opcodes.append(_numeric_opcodes(values, bias)[:, None])
            else:
                assert table is not None
                block = table[np.asarray(column.codes[start:stop])]  # -1 takes the empty row
                words.append(block)
                opcodes.append(np.where(block == _EIGHT_SPACES, _SPACES, _RAW).astype(np.uint8))
        flat_words = np.hstack(words).reshape(-1)
        flat_opcodes = np.hstack(opcodes).reshape(-1)
        out.write(_compress(flat_words, flat_opcodes))


def _numeric_opcodes(values: NDArray[np.float64], bias: float) -> NDArray[np.uint8]:
    with np.errstate(invalid="ignore"):
        small = (values == np.round(values)) & (values >= 1 - bias) & (values <= 251 - bias)
    codes = np.where(small, np.nan_to_num(values) + bias, _RAW).astype(np.uint8)
    return np.where(np.isnan(values), _SYSMIS, codes).astype(np.uint8)


def _compress(words: NDArray[np.uint64], opcodes: NDArray[np.uint8]) -> bytes:
    """Return blocks of 8 opcodes, each followed by the words of its ``_RAW`` opcodes."""
    padded = -len(opcodes) % 8
    if padded:
        opcodes = np.concatenate([opcodes, np.zeros(padded, dtype=np.uint8)])
        words = np.concatenate([words, np.zeros(padded, dtype=np.uint64)])
    blocks = opcodes.reshape(-1, 8)
    raw = blocks == _RAW
    sizes = 1 + raw.sum(axis=1)  # in 8-byte words: the opcodes, then one per raw word
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    output = np.zeros(int(sizes.sum()), dtype="<u8")
    output[starts] = blocks.view("<u8").reshape(-1)
    rank = np.cumsum(raw, axis=1) - 1
    where = (starts[:, None] + 1 + rank)[raw]
    output[where] = words.reshape(-1, 8)[raw]
    return output.tobytes()
