"""Comparing two Datasets variable by variable, for tests that build one in two ways."""

from __future__ import annotations

from typing import Literal

import numpy as np

from peiling.analysis.dataset import Dataset


def assert_same_variables(expected: Dataset, got: Dataset, *,
                          text: Literal["codes", "answers"]) -> None:
    """Assert that ``got`` holds ``expected``'s variables with the same values.

    Open answers are compared by their ``codes`` (and distinct values) where both datasets
    coded them alike, else by the ``answers`` row by row (a file read back codes anew).
    """
    assert list(got.variables) == list(expected.variables)
    for name, variable in expected.variables.items():
        assert got.asked(name).tolist() == expected.asked(name).tolist(), name
        if variable.kind == "single":
            assert got.codes(name).tolist() == expected.codes(name).tolist(), name
        elif variable.kind == "multiple":
            assert got.selected(name).tolist() == expected.selected(name).tolist(), name
            assert got.answered(name).tolist() == expected.answered(name).tolist(), name
        elif variable.kind == "numeric":
            np.testing.assert_array_equal(got.numbers(name), expected.numbers(name), name)
        elif text == "codes":
            assert got.distinct_values(name) == expected.distinct_values(name), name
            assert got.codes(name).tolist() == expected.codes(name).tolist(), name
        else:
            answers = [expected.answer(name, row) for row in range(expected.n)]
            assert [got.answer(name, row) for row in range(got.n)] == answers, name
