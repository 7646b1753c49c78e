"""Finishing a .sav: MR set records and bytecode-compressed cases, read back by pyreadstat.

Record layouts from GNU PSPP's "System File Format"; every file written here is read back by
ReadStat (pyreadstat), whose reader checks the structure as it decodes it.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from peiling.exchange.savfile import (
    DichotomySet,
    NumericCases,
    SavFormatError,
    StringCases,
    finish,
    mrsets_record,
    storage_width,
)


def test_mrsets_record_bytes() -> None:
    sets = [
        DichotomySet("$kanalen", "Welke kanalen?", ("kanalen_web", "kanalen_balie")),
        DichotomySet("$q", "", ("q_a", "q_b"), counted=11),
    ]
    short = {"kanalen_web": "KANALEN_", "kanalen_balie": "V2_A", "q_a": "Q_A", "q_b": "Q_B"}
    body = b"$kanalen=D1 1 14 Welke kanalen? kanalen_ v2_a\n$q=D2 11 0  q_a q_b\n"
    # "Multiple Response Sets Records": record type 7, subtype 7, items of one byte.
    assert mrsets_record(sets, short) == struct.pack("<iiii", 7, 7, 1, len(body)) + body


def test_a_set_needs_a_dollar_and_two_variables() -> None:
    with pytest.raises(ValueError, match=r"starts with '\$' \(got 'kanalen'\)"):
        DichotomySet("kanalen", "", ("a", "b"))
    with pytest.raises(ValueError, match=r"set '\$k' needs at least two variables"):
        DichotomySet("$k", "", ("a",))


@pytest.mark.parametrize(
    ("width", "storage"), [(0, 8), (1, 8), (8, 8), (9, 16), (255, 256), (256, 264), (504, 512),
                           (505, 520), (1000, 1016)],
)  # fmt: skip
def test_storage_width_follows_readstat(width: int, storage: int) -> None:
    # ReadStat's sav_variable_width: segments of 252 characters, 256 bytes each but the last.
    assert storage_width(width) == storage


def stand_in(tmp_path: Path, columns: dict[str, object]) -> Path:
    path = tmp_path / "a.sav"
    pyreadstat.write_sav(pd.DataFrame({k: [v] for k, v in columns.items()}), str(path),
                         row_compress=True)  # fmt: skip
    return path


def test_cases_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 20_003  # not a multiple of the chunk or of 8
    codes = rng.integers(-2, 6, n).astype(float)
    codes[rng.random(n) < 0.2] = np.nan
    amounts = rng.normal(0, 1e6, n)  # mostly not whole: raw words
    amounts[:3] = [151, -99, 152]  # the edges of one-byte numbers, and one past
    texts = ("Prima", "", "é" * 10, "lang " * 60, "x" * 8)
    text_codes = rng.integers(-1, len(texts), n)
    encoded = tuple(t.encode() for t in texts)
    width = max(map(len, encoded))
    path = stand_in(tmp_path, {"code": 0.0, "amount": 0.0, "text": "x" * width})
    finish(path, cases=[NumericCases(codes), NumericCases(amounts),
                        StringCases(text_codes, encoded, width)])  # fmt: skip
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.number_rows == n
    np.testing.assert_array_equal(frame["code"].to_numpy(), codes)
    np.testing.assert_array_equal(frame["amount"].to_numpy(), amounts)
    lookup = np.array([*texts, ""], dtype=object)
    expected = [t.rstrip() for t in lookup[text_codes]]  # SPSS strings lose trailing spaces
    assert frame["text"].tolist() == expected
    assert len(texts[3].encode()) == 300 and width > 255  # a very long string: two segments


def test_no_cases(tmp_path: Path) -> None:
    path = stand_in(tmp_path, {"a": 0.0, "b": "xy"})
    finish(path, cases=[NumericCases(np.array([])), StringCases(np.array([], int), (), 2)])
    frame, meta = pyreadstat.read_sav(str(path))
    assert (meta.number_rows, list(frame.columns)) == (0, ["a", "b"])


def test_cases_must_match_the_dictionary(tmp_path: Path) -> None:
    path = stand_in(tmp_path, {"a": 0.0, "b": "x" * 20})
    with pytest.raises(SavFormatError) as caught:
        finish(path, cases=[NumericCases(np.zeros(2)), StringCases(np.zeros(2, int), (b"x",), 1)])
    assert str(caught.value) == "the dictionary has 4 elements per case; the cases 2"


def test_an_uncompressed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0]}), str(path))
    with pytest.raises(SavFormatError, match=r"compression 0; expected 1 \(bytecode\)"):
        finish(path, cases=[NumericCases(np.zeros(1))])


def test_a_file_that_is_no_sav(tmp_path: Path) -> None:
    path = tmp_path / "a.sav"
    path.write_bytes(b"PK\x03\x04 not spss" * 20)
    with pytest.raises(SavFormatError, match="not an SPSS system file"):
        finish(path, sets=[DichotomySet("$k", "", ("a", "b"))])
