"""Significance marks for crosstabs: column proportion tests, Welch t-tests, multiple testing.

Conventions (see ``docs/methods.md``): tests are two-sided; a difference is significant when its
(adjusted) p-value is below ``alpha``; with weights, ``n`` is a column's effective base (Kish)
and ``p`` its weighted proportion. A column is marked with the letters of the columns it is
significantly *higher* than, as SPSS Custom Tables and Q do.

Array shapes: ``proportions`` and ``means`` are ``(rows, cols)``; ``bases`` are ``(cols,)`` (one
base per column) or ``(rows, cols)`` (a base per cell, e.g. when "weet niet" is left out per row).

Proportion tests are a variation point: ``PROPORTION_TESTS`` maps a name to a ``ProportionTest``;
add an implementation there to offer another test.

Errors::

    ValueError        bad shapes, values or options; the message names the argument
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "CORRECTIONS",
    "PROPORTION_TESTS",
    "Correction",
    "PairwiseTests",
    "PooledZTest",
    "ProportionTest",
    "TwoSampleResult",
    "WelchResult",
    "adjust_p_values",
    "column_letters",
    "compare_column_means",
    "compare_column_proportions",
    "mean_letters",
    "versus_rest",
    "welch_t",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Correction = Literal["none", "bonferroni", "holm"]
CORRECTIONS: tuple[str, ...] = Correction.__args__  # type: ignore[attr-defined]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, eq=False)
class TwoSampleResult:
    """Element-wise result of a two-sample test; entries not ``tested`` hold NaN."""

    statistic: FloatArray
    p_value: FloatArray
    tested: BoolArray


class ProportionTest(ABC):
    """A two-sample test of proportions, element-wise over broadcastable arrays."""

    name: ClassVar[str]

    @abstractmethod
    def test(
        self,
        p1: npt.ArrayLike,
        n1: npt.ArrayLike,
        p2: npt.ArrayLike,
        n2: npt.ArrayLike,
    ) -> TwoSampleResult:
        """Test ``p1 == p2`` for samples of (effective) sizes ``n1`` and ``n2``, two-sided."""


class PooledZTest(ProportionTest):
    """Two-proportion z-test with the pooled proportion under H0.

    ``z = (p1 - p2) / sqrt(p̄ (1 - p̄) (1/n1 + 1/n2))`` with ``p̄ = (p1 n1 + p2 n2) / (n1 + n2)``;
    ``p = 2 Φ(-|z|)``. Not tested (NaN) when ``n1 < 2``, ``n2 < 2``, or ``p̄`` is 0 or 1.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed. Wiley (comparing two proportions;
    the pooled z is the square root of Pearson's X² for the 2×2 table).
    IBM SPSS Statistics, Custom Tables: "Compare column proportions" (Test Statistics tab).
    """

    name = "z"

    def test(
        self,
        p1: npt.ArrayLike,
        n1: npt.ArrayLike,
        p2: npt.ArrayLike,
        n2: npt.ArrayLike,
    ) -> TwoSampleResult:
        p1, n1, p2, n2 = np.broadcast_arrays(*(np.asarray(a, np.float64) for a in (p1, n1, p2, n2)))
        tested = (n1 >= 2) & (n2 >= 2) & ~np.isnan(p1) & ~np.isnan(p2)
        with np.errstate(divide="ignore", invalid="ignore"):
            pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
            tested &= (pooled > 0) & (pooled < 1)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            z = np.where(tested, (p1 - p2) / se, np.nan)
        return TwoSampleResult(z, np.where(tested, 2 * special.ndtr(-np.abs(z)), np.nan), tested)


#: Proportion tests by name; the ``test=`` option of the functions below picks one.
PROPORTION_TESTS: Mapping[str, ProportionTest] = MappingProxyType({"z": PooledZTest()})


@dataclass(frozen=True, eq=False)
class WelchResult:
    """Welch's t-test: statistic ``t``, degrees of freedom ``df``, two-sided ``p``.

    Unpacks as a triple: ``t, df, p = welch_t(...)``. NaN where the test is undefined.
    """

    t: FloatArray
    df: FloatArray
    p: FloatArray

    def __iter__(self) -> Iterator[FloatArray]:
        return iter((self.t, self.df, self.p))


@dataclass(frozen=True, eq=False)
class PairwiseTests:
    """All pairwise column tests of a table, as ``(rows, cols, cols)`` arrays.

    Entry ``[r, i, j]`` compares column ``i`` with column ``j`` in row ``r``: ``statistic`` is
    positive when ``i`` is higher (``statistic[r, j, i] == -statistic[r, i, j]``); entries not
    ``tested`` (and the diagonal) are NaN in the float arrays and False in ``significant``.
    ``higher[r, i, j]`` is True when column ``i`` is significantly higher than ``j``.
    """

    statistic: FloatArray
    p_values: FloatArray
    adjusted_p_values: FloatArray
    tested: BoolArray
    significant: BoolArray
    higher: BoolArray
    alpha: float
    correction: str

    def letters(self, letters: Sequence[str] = LETTERS) -> list[list[str]]:
        """Return, per row and column, the letters of the columns it is significantly above."""
        cols = self.higher.shape[2]
        _check_letters(letters, cols)
        return [
            ["".join(letters[j] for j in np.flatnonzero(above)) for above in row]
            for row in self.higher
        ]


def compare_column_proportions(
    proportions: npt.ArrayLike,
    bases: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    correction: Correction = "none",
    test: str = "z",
) -> PairwiseTests:
    """Test every pair of columns in every row of a table of column proportions.

    Parameters
    ----------
    proportions
        ``(rows, cols)`` column proportions in [0, 1] (weighted, if weighted). NaN is allowed
        only where the base is below 2 (an empty column's 0/0).
    bases
        ``(cols,)`` or ``(rows, cols)`` (effective) base per column; columns below 2 are not
        tested.
    alpha
        Significance level, between 0 and 1.
    correction
        Multiple-testing correction over the tested pairs of each row: "none", "bonferroni" or
        "holm".
    test
        Name of the test in ``PROPORTION_TESTS``.

    Returns
    -------
    PairwiseTests
        Statistics, p-values and significance per row and pair of columns.

    Raises
    ------
    ValueError
        If shapes or values are invalid, or ``test``/``correction``/``alpha`` is unknown.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed. Wiley. IBM SPSS Statistics Custom
    Tables, "Compare column proportions". Kish, L. (1965). *Survey Sampling* (effective base).
    """
    valid = tuple(PROPORTION_TESTS)
    if test not in PROPORTION_TESTS:
        raise ValueError(f"test must be one of {valid!r} (got {test!r})")
    p, n = _table(proportions, bases, "proportions")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("proportions must lie between 0 and 1 (percentages? divide by 100)")
    stats = PROPORTION_TESTS[test].test(p[:, :, None], n[:, :, None], p[:, None, :], n[:, None, :])
    return _pairwise(stats, alpha, correction)


def column_letters(
    proportions: npt.ArrayLike,
    bases: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    correction: Correction = "none",
    letters: Sequence[str] = LETTERS,
    test: str = "z",
) -> list[list[str]]:
    """Return, per row and column, the letters of the columns its proportion is significantly
    higher than (the SPSS Custom Tables / Q convention: "AC" under column B means B > A, B > C).

    Parameters, Raises and References are those of ``compare_column_proportions``; ``letters``
    names the columns in order (at least as many as there are columns).

    Returns
    -------
    list[list[str]]
        ``[row][column]`` strings of letters, "" where none.
    """
    tests = compare_column_proportions(
        proportions, bases, alpha=alpha, correction=correction, test=test
    )
    return tests.letters(letters)


def versus_rest(
    proportions_in: npt.ArrayLike,
    bases_in: npt.ArrayLike,
    proportions_rest: npt.ArrayLike,
    bases_rest: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    test: str = "z",
) -> npt.NDArray[np.int8]:
    """Mark each column significantly higher (+1) or lower (-1) than the rest of the total (0:
    neither), as "significant lager dan de andere groep" in a report table.

    The column and "the rest" (everyone in the total outside the column) are disjoint groups,
    so the two-sample test applies unchanged; no correction is made (one test per cell).

    Parameters
    ----------
    proportions_in, bases_in
        ``(rows, cols)`` proportions of each column and its ``(cols,)`` or ``(rows, cols)``
        (effective) bases.
    proportions_rest, bases_rest
        The same for the respondents outside each column.
    alpha
        Significance level, between 0 and 1.
    test
        Name of the test in ``PROPORTION_TESTS``.

    Returns
    -------
    numpy.ndarray
        ``(rows, cols)`` int8 of +1, -1 and 0.

    Raises
    ------
    ValueError
        If shapes or values are invalid, or ``test``/``alpha`` is unknown.

    References
    ----------
    As ``compare_column_proportions``.
    """
    valid = tuple(PROPORTION_TESTS)
    if test not in PROPORTION_TESTS:
        raise ValueError(f"test must be one of {valid!r} (got {test!r})")
    _check_alpha(alpha)
    p_in, n_in = _table(proportions_in, bases_in, "proportions_in")
    p_rest, n_rest = _table(proportions_rest, bases_rest, "proportions_rest")
    if p_in.shape != p_rest.shape:
        raise ValueError(
            f"proportions_in has shape {p_in.shape} but proportions_rest {p_rest.shape}; "
            f"give both for the same rows and columns"
        )
    stats = PROPORTION_TESTS[test].test(p_in, n_in, p_rest, n_rest)
    significant = stats.tested & (np.nan_to_num(stats.p_value, nan=1.0) < alpha)
    return (np.sign(np.nan_to_num(stats.statistic)) * significant).astype(np.int8)


def welch_t(
    mean1: npt.ArrayLike,
    var1: npt.ArrayLike,
    n1: npt.ArrayLike,
    mean2: npt.ArrayLike,
    var2: npt.ArrayLike,
    n2: npt.ArrayLike,
) -> WelchResult:
    """Welch's t-test of ``mean1 == mean2``, element-wise over broadcastable arrays.

    ``t = (m1 - m2) / sqrt(v1/n1 + v2/n2)``; ``df = (v1/n1 + v2/n2)² / ((v1/n1)²/(n1-1) +
    (v2/n2)²/(n2-1))`` (Welch-Satterthwaite); ``p = 2 P(T_df > |t|)``.

    Parameters
    ----------
    mean1, var1, n1, mean2, var2, n2
        Means, sample variances (``ddof=1``) and sizes of the two groups; with weights, the
        weighted mean and variance and the effective base.

    Returns
    -------
    WelchResult
        ``t``, ``df`` and ``p`` arrays (0-d for scalar input); NaN where undefined: a size
        below 2, or both variances 0.

    Raises
    ------
    ValueError
        If a variance or size is negative.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. *Biometrika* 34(1-2), 28-35. Satterthwaite, F. E.
    (1946). *Biometrics Bulletin* 2(6), 110-114.
    """
    m1, v1, k1, m2, v2, k2 = np.broadcast_arrays(
        *(np.asarray(a, np.float64) for a in (mean1, var1, n1, mean2, var2, n2))
    )
    if (v1 < 0).any() or (v2 < 0).any():
        raise ValueError("welch_t: variances must be >= 0")
    if (k1 < 0).any() or (k2 < 0).any():
        raise ValueError("welch_t: sizes must be >= 0")
    defined = (k1 >= 2) & (k2 >= 2) & ((v1 > 0) | (v2 > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        s1, s2 = v1 / k1, v2 / k2
        t = np.where(defined, (m1 - m2) / np.sqrt(s1 + s2), np.nan)
        df = np.where(defined, (s1 + s2) ** 2 / (s1**2 / (k1 - 1) + s2**2 / (k2 - 1)), np.nan)
    p = np.where(defined, 2 * special.stdtr(np.where(defined, df, 1), -np.abs(t)), np.nan)
    return WelchResult(t, df, p)


def compare_column_means(
    means: npt.ArrayLike,
    variances: npt.ArrayLike,
    bases: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    correction: Correction = "none",
) -> PairwiseTests:
    """Welch-test every pair of columns in every row of a table of column means.

    Parameters
    ----------
    means, variances
        ``(rows, cols)`` column means and sample variances (``ddof=1``; weighted, if weighted).
    bases
        ``(cols,)`` or ``(rows, cols)`` (effective) bases; columns below 2 are not tested.
    alpha, correction
        As for ``compare_column_proportions``.

    Returns
    -------
    PairwiseTests
        With Welch t statistics.

    Raises
    ------
    ValueError
        If shapes or values are invalid, or ``correction``/``alpha`` is unknown.

    References
    ----------
    Welch, B. L. (1947). *Biometrika* 34(1-2), 28-35.
    """
    m, n = _table(means, bases, "means")
    v, _ = _table(variances, bases, "variances")
    if m.shape != v.shape:
        raise ValueError(f"means have shape {m.shape} but variances {v.shape}")
    welch = welch_t(
        m[:, :, None], v[:, :, None], n[:, :, None], m[:, None, :], v[:, None, :], n[:, None, :]
    )
    tested = ~np.isnan(welch.p)
    return _pairwise(TwoSampleResult(welch.t, welch.p, tested), alpha, correction)


def mean_letters(
    means: npt.ArrayLike,
    variances: npt.ArrayLike,
    bases: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    correction: Correction = "none",
    letters: Sequence[str] = LETTERS,
) -> list[list[str]]:
    """Return, per row and column, the letters of the columns its mean is significantly higher
    than (Welch t-test); see ``compare_column_means`` and ``column_letters``.

    Returns
    -------
    list[list[str]]
        ``[row][column]`` strings of letters, "" where none.
    """
    tests = compare_column_means(means, variances, bases, alpha=alpha, correction=correction)
    return tests.letters(letters)


def adjust_p_values(p_values: npt.ArrayLike, method: Correction) -> FloatArray:
    """Adjust p-values for multiple testing along the last axis (one family per row).

    NaN marks a test not performed: it is left out of its family and stays NaN. Bonferroni:
    ``min(1, m p)``; Holm: with the family's ``m`` p-values sorted ascending,
    ``p̃_(k) = min(1, max_{j<=k} (m - j + 1) p_(j))``.

    Parameters
    ----------
    p_values
        Array of p-values in [0, 1] or NaN, families along the last axis.
    method
        "none", "bonferroni" or "holm".

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape.

    Raises
    ------
    ValueError
        If ``method`` is unknown or a p-value is outside [0, 1].

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics* 6(2), 65-70. Dunn, O. J. (1961). Multiple comparisons among means.
    *JASA* 56(293), 52-64 (Bonferroni).
    """
    p = np.array(p_values, dtype=np.float64)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p-values must lie between 0 and 1")
    tested = ~np.isnan(p)
    m = tested.sum(axis=-1, keepdims=True)
    if method == "none":
        return p
    elif method == "bonferroni":
        return np.minimum(p * m, 1.0)
    elif method == "holm":
        order = np.argsort(np.where(tested, p, np.inf), axis=-1, kind="stable")
        ranked = np.take_along_axis(np.where(tested, p, 0.0), order, axis=-1)
        factor = np.maximum(m - np.arange(p.shape[-1]), 1)
        stepped = np.minimum(np.maximum.accumulate(ranked * factor, axis=-1), 1.0)
        adjusted = np.empty_like(p)
        np.put_along_axis(adjusted, order, stepped, axis=-1)
        return np.where(tested, adjusted, np.nan)
    else:
        raise ValueError(f"method must be one of {CORRECTIONS!r} (got {method!r})")


# -- helpers -------------------------------------------------------------------------------------


def _pairwise(stats: TwoSampleResult, alpha: float, correction: Correction) -> PairwiseTests:
    """Adjust each row's pairs ``i < j`` as one family and mirror them to ``j > i``."""
    _check_alpha(alpha)
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS!r} (got {correction!r})")
    rows, cols, _ = stats.statistic.shape
    upper_i, upper_j = np.triu_indices(cols, k=1)
    adjusted_upper = adjust_p_values(stats.p_value[:, upper_i, upper_j], correction)
    adjusted = np.full((rows, cols, cols), np.nan)
    adjusted[:, upper_i, upper_j] = adjusted_upper
    adjusted[:, upper_j, upper_i] = adjusted_upper
    tested = stats.tested.copy()
    tested[:, np.arange(cols), np.arange(cols)] = False
    significant = tested & (np.nan_to_num(adjusted, nan=1.0) < alpha)
    higher = significant & (np.nan_to_num(stats.statistic) > 0)
    return PairwiseTests(
        statistic=np.where(tested, stats.statistic, np.nan),
        p_values=np.where(tested, stats.p_value, np.nan),
        adjusted_p_values=np.where(tested, adjusted, np.nan),
        tested=tested,
        significant=significant,
        higher=higher,
        alpha=alpha,
        correction=correction,
    )


def _table(values: npt.ArrayLike, bases: npt.ArrayLike, name: str) -> tuple[FloatArray, FloatArray]:
    """Return ``values`` as ``(rows, cols)`` and ``bases`` broadcast to the same shape."""
    v = np.asarray(values, dtype=np.float64)
    n = np.asarray(bases, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"{name} must be a (rows, cols) array (got shape {v.shape})")
    if n.shape not in {(v.shape[1],), v.shape}:
        raise ValueError(
            f"bases must have shape ({v.shape[1]},) or {v.shape} to match {name} (got {n.shape})"
        )
    if not np.isfinite(n).all() or (n < 0).any():
        raise ValueError("bases must be finite and >= 0")
    n = np.broadcast_to(n, v.shape)
    if np.isnan(v[n >= 2]).any() or np.isinf(v).any():
        raise ValueError(f"{name} must be finite where the base is 2 or more")
    return v, n


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha!r})")


def _check_letters(letters: Sequence[str], cols: int) -> None:
    if len(letters) < cols:
        raise ValueError(f"{cols} columns need {cols} letters (got {len(letters)}: {letters!r})")
