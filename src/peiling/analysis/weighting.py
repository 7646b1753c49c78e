"""Weighting: raking (iterative proportional fitting), post-stratification and Kish's effective n.

``rake`` adjusts weights until the weighted distribution of every raking variable matches its
targets; ``cell_weights`` is the one-variable case. Both return a frozen ``WeightingResult`` that
reports convergence, so unconverged weights are never handed back silently.

Raking works on *cells* (the distinct combinations of categories over the raking variables), not
on respondents: every raking step multiplies a respondent's weight by a factor that depends only
on the respondent's categories, so the factors can be found on the cell totals and applied to each
respondent once at the end. The result equals raking respondent by respondent (up to rounding),
and the cost of an iteration no longer grows with the sample.

Errors::

    ValueError
     └── WeightingError      bad codes, targets, base weights or options;
                             ``problems`` holds every problem found, each a ``WeightingProblem``
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "MESSAGES",
    "SUM_TOLERANCE",
    "TRIM_TOLERANCE",
    "WeightingError",
    "WeightingProblem",
    "WeightingResult",
    "cell_weights",
    "effective_n",
    "rake",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
CodeArray = npt.NDArray[np.int64]

#: Proportion targets must sum to 1 within this; count totals must agree within it (relative).
SUM_TOLERANCE = 1e-6
#: A trimmed weight may exceed ``cap × mean`` (or undercut ``floor × mean``) by this, relative.
TRIM_TOLERANCE = 1e-6
#: Codes below this are looked up in a dense table; larger codes are binary-searched.
_DENSE_CODE_LIMIT = 1 << 20


@dataclass(frozen=True)
class WeightingProblem:
    """One thing wrong with the input of ``rake``: a stable ``kind`` (a key of ``MESSAGES``),
    the full message, and the variable and code concerned (None if not applicable)."""

    kind: str
    message: str
    variable: str | None = None
    code: int | None = None


class WeightingError(ValueError):
    """The codes, targets, base weights or options given to ``rake`` cannot be used."""

    def __init__(self, problems: Sequence[WeightingProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.message for problem in self.problems))


@dataclass(frozen=True, eq=False)
class WeightingResult:
    """Weights with the evidence needed to judge them.

    ``targets`` and ``achieved`` map variable -> category code -> proportion of the weighted
    total. ``iterations`` counts sweeps (one sweep adjusts every variable once) over the first
    raking and every re-raking after trimming. ``notes`` says why ``converged`` is False.
    ``weights`` is read-only; ``eq=False`` because arrays have no single truth value.
    """

    weights: FloatArray
    converged: bool
    iterations: int
    targets: Mapping[str, Mapping[int, float]]
    achieved: Mapping[str, Mapping[int, float]]
    max_difference: float
    tolerance: float
    total: float
    min: float
    max: float
    effective_n: float
    efficiency: float
    design_effect: float
    trimmed: bool
    trim_rounds: int
    cap: float | None
    floor: float | None
    notes: tuple[str, ...]

    @property
    def n(self) -> int:
        """Return the number of weighted respondents."""
        return int(self.weights.size)

    def summary(self) -> list[str]:
        """Return the result as readable lines, for logs and a report's methods appendix."""
        status = "converged" if self.converged else "did NOT converge"
        mean = self.total / self.n
        lines = [
            f"Raking on {len(self.targets)} variable(s), {self.n:,} respondents: {status} after "
            f"{self.iterations} iteration(s) (max |achieved - target| {self.max_difference:.3g},"
            f" tolerance {self.tolerance:.3g}).",
            f"Weights: sum {self.total:,.6g}, min {self.min:.4f}, max {self.max:.4f} "
            f"({self.min / mean:.3f} to {self.max / mean:.3f} x mean).",
            f"Effective n {self.effective_n:,.1f} (efficiency {self.efficiency:.1%}, "
            f"design effect {self.design_effect:.3f}).",
        ]
        if self.cap is not None or self.floor is not None:
            bounds = ", ".join(
                f"{name} {value:g} x mean"
                for name, value in (("cap", self.cap), ("floor", self.floor))
                if value is not None
            )
            done = f"{self.trim_rounds} round(s)" if self.trimmed else "no weight needed trimming"
            lines.append(f"Trimming: {bounds}; {done}.")
        lines.extend(f"Note: {note}" for note in self.notes)
        return lines


def effective_n(weights: npt.ArrayLike) -> float:
    """Return Kish's effective sample size ``(Σw)² / Σw²`` of non-negative weights.

    Parameters
    ----------
    weights
        One weight per respondent; finite, non-negative, not all zero.

    Returns
    -------
    float
        The effective n: the number of respondents for equal weights, smaller otherwise.

    Raises
    ------
    ValueError
        If the weights are empty, not one-dimensional, non-finite, negative or all zero.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*, section 11.7. New York: Wiley.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"effective_n: expected a non-empty 1-D array of weights (got {w.shape})")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("effective_n: weights must be finite and non-negative")
    if not w.any():
        raise ValueError("effective_n: weights are all zero; the effective n is undefined")
    return _kish(w)


def _kish(weights: FloatArray) -> float:
    total = float(weights.sum())
    return total * total / float(np.dot(weights, weights))


def rake(
    codes: Mapping[str, npt.ArrayLike],
    targets: Mapping[str, Mapping[int, float]],
    *,
    base_weights: npt.ArrayLike | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
    cap: float | None = None,
    floor: float | None = None,
    trim_iterations: int = 20,
) -> WeightingResult:
    """Rake weights to marginal targets by iterative proportional fitting.

    Each sweep multiplies, variable by variable, every weight by ``target total of the category /
    current weighted total of the category``. Raking stops once ``max |achieved proportion -
    target proportion| < tolerance`` over all categories of all variables. With ``cap`` or
    ``floor``, weights are then clipped to ``[floor × mean, cap × mean]`` and re-raked, until they
    stay within the bounds (within ``TRIM_TOLERANCE``) or ``trim_iterations`` rounds are done.

    Parameters
    ----------
    codes
        Variable name -> integer category code per respondent (all of one length); ``-1`` is
        missing, which is an error: every respondent given here is weighted.
    targets
        Variable name -> category code -> target. Either proportions (every variable summing to
        1 within ``SUM_TOLERANCE``; weights then sum to the number of respondents) or counts (a
        positive total, the same for every variable; weights then sum to it). Percentages summing
        to 100 are counts with total 100. A target of 0 is allowed for an empty category only.
    base_weights
        Positive starting (design) weights, one per respondent; default all 1.
    tolerance
        Convergence criterion on proportions (absolute), > 0.
    max_iterations
        Maximum number of sweeps per raking, >= 1.
    cap, floor
        Optional trimming bounds as multiples of the mean weight: ``cap > 1``, ``0 < floor < 1``.
    trim_iterations
        Maximum number of clip-and-re-rake rounds, >= 1.

    Returns
    -------
    WeightingResult
        ``converged`` is False, with the reason in ``notes``, if the targets were not met within
        ``max_iterations`` or the weights still break a bound after ``trim_iterations`` rounds
        (the weights are then those of the last re-raking: on target, off bounds).

    Raises
    ------
    WeightingError
        Listing every problem found: missing or unknown codes, empty target categories, targets
        that are neither proportions nor counts with one total, bad base weights or options.

    References
    ----------
    Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
    table when the expected marginal totals are known. *Annals of Mathematical Statistics* 11(4),
    427-444. Battaglia, M. P., Izrael, D., Hoaglin, D. C., & Frankel, M. R. (2009). Practical
    considerations in raking survey data. *Survey Practice* 2(5) (trimming between rakings).
    """
    problems = _Problems("rake")
    problems.check_options(tolerance, max_iterations, cap, floor, trim_iterations)
    checked = _check_input(problems, codes, targets, base_weights)
    return _rake(checked, tolerance, max_iterations, cap, floor, trim_iterations)


def cell_weights(
    codes: npt.ArrayLike,
    targets: Mapping[int, float],
    *,
    base_weights: npt.ArrayLike | None = None,
    variable: str = "cell",
) -> WeightingResult:
    """Post-stratify: weight every cell (category of one variable) to its target.

    A respondent in cell ``c`` gets ``base × T_c / Σ_{i in c} base_i``, with ``T_c`` the target
    total of ``c`` (scaled as in ``rake``): exact after one iteration.

    Parameters
    ----------
    codes
        Integer cell code per respondent; ``-1`` (missing) is an error.
    targets
        Cell code -> proportion (summing to 1) or count (weights then sum to the total).
    base_weights
        Positive starting weights, one per respondent; default all 1.
    variable
        Name of the cell variable in the result's ``targets``/``achieved`` and in messages.

    Returns
    -------
    WeightingResult
        As for ``rake``, with one variable and one iteration.

    Raises
    ------
    WeightingError
        As for ``rake``.

    References
    ----------
    Holt, D., & Smith, T. M. F. (1979). Post stratification. *Journal of the Royal Statistical
    Society A* 142(1), 33-46.
    """
    problems = _Problems("cell_weights")
    checked = _check_input(problems, {variable: codes}, {variable: targets}, base_weights)
    return _rake(checked, 1e-10, 1, None, None, 1)


# -- input checking ------------------------------------------------------------------------------

#: Every problem ``rake`` reports, by stable code: where → what → rule → fix.
MESSAGES: Mapping[str, str] = MappingProxyType({
    "bad_tolerance": "tolerance must be > 0 (got {value!r}).",
    "bad_max_iterations": "max_iterations must be >= 1 (got {value!r}).",
    "bad_cap": "cap must be > 1, a multiple of the mean weight (got {value!r}).",
    "bad_floor": "floor must be between 0 and 1, a multiple of the mean weight (got {value!r}).",
    "bad_trim_iterations": "trim_iterations must be >= 1 (got {value!r}).",
    "no_variables": "no raking variables; give codes and targets for at least one.",
    "no_targets": "variable {variable!r} has codes but no targets; give targets for it or "
    "leave it out of codes.",
    "no_codes": "variable {variable!r} has targets but no codes; give codes for it or leave it "
    "out of targets.",
    "codes_shape": "variable {variable!r}: codes must be a 1-D array, one code per respondent "
    "(got shape {value}).",
    "codes_dtype": "variable {variable!r}: codes have dtype {value}; expected integer category "
    "codes (-1 = missing).",
    "lengths_differ": "code arrays differ in length ({value}); every variable needs one code "
    "per respondent.",
    "no_respondents": "no respondents to weight.",
    "base_shape": "base_weights has shape {value}; expected one weight per respondent ({n}).",
    "base_values": "base_weights: {count} weight(s) are not finite and positive, first at "
    "index {first} ({value!r}); leave respondents with weight 0 out before raking.",
    "targets_type": "variable {variable!r}: targets must be a non-empty mapping of category "
    "code to proportion or count (got {value!r}).",
    "target_code": "variable {variable!r}: target code {value!r} is not a category code; codes "
    "are integers >= 0.",
    "target_value": "variable {variable!r}: target for code {code} is {value!r}; targets must "
    "be finite and non-negative.",
    "targets_zero": "variable {variable!r}: targets are all 0; give positive targets.",
    "totals_differ": "targets sum to {value}; give proportions (every variable summing to 1) "
    "or counts with the same total for every variable.",
    "missing_code": "variable {variable!r}: {count} respondent(s) have a missing code (-1), "
    "first at index {first}; every respondent to be weighted needs a category — impute one "
    "or leave these respondents out.",
    "negative_code": "variable {variable!r}: code {code} is negative; category codes are >= 0 "
    "and -1 means missing.",
    "code_without_target": "variable {variable!r}: code {code} occurs in the data ({count} "
    "respondent(s)) but has no target; give it a target or recode these respondents.",
    "empty_category": "variable {variable!r}: target category {code} has no respondents; an "
    "empty category cannot be weighted to a positive target — merge it with another category "
    "or set its target to 0.",
    "zero_target": "variable {variable!r}: target category {code} has target 0 but {count} "
    "respondent(s), who would get weight 0 — leave them out or give a positive target.",
})  # fmt: skip


class _Problems(list[WeightingProblem]):
    """Collects every problem of one call, each message prefixed with the function's name."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def add(
        self, kind: str, variable: str | None = None, code: int | None = None, **fields: Any
    ) -> None:
        text = MESSAGES[kind].format(variable=variable, code=code, **fields)
        self.append(WeightingProblem(kind, f"{self.where}: {text}", variable, code))

    def check_options(
        self,
        tolerance: float,
        max_iterations: int,
        cap: float | None,
        floor: float | None,
        trim_iterations: int,
    ) -> None:
        if not tolerance > 0:
            self.add("bad_tolerance", value=tolerance)
        if max_iterations < 1:
            self.add("bad_max_iterations", value=max_iterations)
        if cap is not None and not cap > 1:
            self.add("bad_cap", value=cap)
        if floor is not None and not 0 < floor < 1:
            self.add("bad_floor", value=floor)
        if trim_iterations < 1:
            self.add("bad_trim_iterations", value=trim_iterations)


@dataclass(frozen=True)
class _Input:
    """Checked input of one raking, with categories as indexes ``0..K-1`` per variable."""

    names: tuple[str, ...]
    keys: tuple[CodeArray, ...]  # sorted target codes per variable
    proportions: tuple[FloatArray, ...]  # target proportion per key, summing to 1
    index: tuple[IntArray, ...]  # per variable, each respondent's index into keys
    base: FloatArray
    total: float  # what the weights must sum to


def _check_input(
    problems: _Problems,
    codes: Mapping[str, npt.ArrayLike],
    targets: Mapping[str, Mapping[int, float]],
    base_weights: npt.ArrayLike | None,
) -> _Input:
    """Check everything, then raise ``WeightingError`` with every problem found, if any."""
    for name in codes:
        if name not in targets:
            problems.add("no_targets", name)
    for name in targets:
        if name not in codes:
            problems.add("no_codes", name)
    if not codes and not targets:
        problems.add("no_variables")
    names = tuple(name for name in codes if name in targets)
    arrays = {name: np.asarray(codes[name]) for name in names}
    n = _check_lengths(problems, arrays)
    base = _check_base(problems, base_weights, n)
    keys, proportions, index, totals = [], [], [], {}
    for name in names:
        checked = _check_targets(problems, name, targets[name])
        if checked is not None:
            key, values = checked
            keys.append(key)
            totals[name] = float(values.sum())
            proportions.append(values / totals[name])
            if n is not None:
                index.append(_check_codes(problems, name, arrays[name], key, values))
    total = _check_totals(problems, totals, n)
    if problems or n is None or base is None or total is None:
        raise WeightingError(problems)
    return _Input(names, tuple(keys), tuple(proportions), tuple(index), base, total)


def _check_lengths(problems: _Problems, arrays: Mapping[str, npt.NDArray[Any]]) -> int | None:
    """Return the number of respondents if every code array is usable."""
    usable = {}
    for name, a in arrays.items():
        if a.ndim != 1:
            problems.add("codes_shape", name, value=a.shape)
        elif a.size and not np.issubdtype(a.dtype, np.integer):
            problems.add("codes_dtype", name, value=a.dtype)
        else:
            usable[name] = a.size
    if len(set(usable.values())) > 1:
        problems.add("lengths_differ", value=usable)
        return None
    if 0 in usable.values():
        problems.add("no_respondents")
        return None
    return next(iter(usable.values())) if len(usable) == len(arrays) and usable else None


def _check_base(
    problems: _Problems, base_weights: npt.ArrayLike | None, n: int | None
) -> FloatArray | None:
    if base_weights is None:
        return None if n is None else np.ones(n)
    base = np.asarray(base_weights, dtype=np.float64)
    if base.ndim != 1 or (n is not None and base.size != n):
        problems.add("base_shape", value=base.shape, n=n)
        return None
    bad = ~np.isfinite(base) | (base <= 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        problems.add("base_values", count=int(bad.sum()), first=first, value=float(base[first]))
        return None
    return base


def _check_targets(
    problems: _Problems, name: str, target: Mapping[int, float]
) -> tuple[CodeArray, FloatArray] | None:
    """Return the sorted target codes and their values, or None after reporting problems."""
    if not isinstance(target, Mapping) or not target:
        problems.add("targets_type", name, value=target)
        return None
    found = len(problems)
    for code, value in target.items():
        if isinstance(code, bool) or not isinstance(code, int | np.integer) or code < 0:
            problems.add("target_code", name, value=code)
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.integer | np.floating)
            or not (math.isfinite(value) and value >= 0)
        ):
            problems.add("target_value", name, int(code), value=value)
    if len(problems) > found:
        return None
    key = np.array(sorted(int(code) for code in target), dtype=np.int64)
    values = np.array([float(target[code]) for code in key.tolist()], dtype=np.float64)
    if not values.sum() > 0:
        problems.add("targets_zero", name)
        return None
    return key, values


def _check_totals(problems: _Problems, totals: Mapping[str, float], n: int | None) -> float | None:
    """Return what the weights must sum to: ``n`` for proportions, else the common count."""
    if not totals:
        return None
    if all(abs(total - 1.0) <= SUM_TOLERANCE for total in totals.values()):
        return None if n is None else float(n)
    first = next(iter(totals.values()))
    if any(abs(total - first) > SUM_TOLERANCE * first for total in totals.values()):
        problems.add("totals_differ", value={k: round(v, 9) for k, v in totals.items()})
        return None
    return first


def _check_codes(
    problems: _Problems, name: str, codes: npt.NDArray[Any], key: CodeArray, values: FloatArray
) -> IntArray:
    """Return each respondent's index into ``key``; report missing, unknown and empty codes."""
    found = len(problems)
    codes = codes.astype(np.int64, copy=False)
    if codes.min() < 0:
        missing = np.flatnonzero(codes == -1)
        if missing.size:
            problems.add("missing_code", name, -1, count=missing.size, first=int(missing[0]))
        for code in np.unique(codes[codes < -1]).tolist():
            problems.add("negative_code", name, code)
        codes = codes[codes >= 0]
    distinct, counts = _distinct_counts(codes)
    for code in np.setdiff1d(distinct, key, assume_unique=True).tolist():
        count = int(counts[np.searchsorted(distinct, code)])
        problems.add("code_without_target", name, code, count=count)
    at = np.minimum(np.searchsorted(distinct, key), max(distinct.size - 1, 0))
    key_counts = np.where(distinct[at] == key, counts[at], 0) if distinct.size else 0 * key
    for code, count, value in zip(key.tolist(), key_counts.tolist(), values.tolist(), strict=True):
        if count == 0 and value > 0:
            problems.add("empty_category", name, code)
        elif count > 0 and value == 0:
            problems.add("zero_target", name, code, count=count)
    if len(problems) > found:
        return np.zeros(0, dtype=np.intp)
    return _category_index(codes, key)


def _distinct_counts(codes: CodeArray) -> tuple[CodeArray, CodeArray]:
    """Return the sorted distinct (non-negative) codes and how often each occurs."""
    if codes.size and codes.max() < _DENSE_CODE_LIMIT:
        counts = np.bincount(codes)
        distinct = np.flatnonzero(counts)
        return distinct.astype(np.int64), counts[distinct].astype(np.int64)
    distinct, counts = np.unique(codes, return_counts=True)
    return distinct, counts.astype(np.int64)


def _category_index(codes: CodeArray, key: CodeArray) -> IntArray:
    """Return the position of each code in the sorted ``key`` (every code is in ``key``)."""
    largest = int(key[-1])
    if largest < _DENSE_CODE_LIMIT:
        lookup = np.zeros(largest + 1, dtype=np.intp)
        lookup[key] = np.arange(key.size)
        return lookup.take(codes)
    return np.searchsorted(key, codes).astype(np.intp, copy=False)


# -- the algorithm -------------------------------------------------------------------------------


def _rake(
    checked: _Input,
    tolerance: float,
    max_iterations: int,
    cap: float | None,
    floor: float | None,
    trim_iterations: int,
) -> WeightingResult:
    cell, categories = _cells(checked.index, [key.size for key in checked.keys])
    absolute = [p * checked.total for p in checked.proportions]

    def rake_cells(base: FloatArray) -> tuple[FloatArray, int, bool]:
        return _rake_cells(
            base, cell, categories, absolute, checked.proportions, tolerance, max_iterations
        )

    weights, iterations, converged = rake_cells(checked.base)
    rounds = 0
    bounded = cap is not None or floor is not None
    mean = checked.total / checked.base.size
    high = math.inf if cap is None else cap * mean
    low = 0.0 if floor is None else floor * mean
    while bounded and not _within(weights, low, high) and rounds < trim_iterations:
        rounds += 1
        weights, sweeps, converged = rake_cells(np.clip(weights, low, high))
        iterations += sweeps
    notes = []
    if not converged:
        after = f" (re-raking after trimming round {rounds})" if rounds else ""
        notes.append(f"raking did not converge in {max_iterations} iteration(s){after}.")
    if bounded and not _within(weights, low, high):
        converged = False
        notes.append(
            f"weights still range from {weights.min() / mean:.6g} to {weights.max() / mean:.6g} "
            f"x mean after {rounds} trimming round(s); the bounds cannot be met together with "
            f"the targets — widen cap/floor or merge categories."
        )
    achieved = _shares(weights, cell, categories, checked.keys)
    return _result(
        checked, weights, achieved, converged, iterations, tolerance, rounds, cap, floor, notes
    )


def _cells(index: Sequence[IntArray], sizes: Sequence[int]) -> tuple[IntArray, list[IntArray]]:
    """Return each respondent's cell and, per variable, each cell's category index."""
    n = index[0].size
    key = index[0].astype(np.int64)
    space = sizes[0]
    for idx, size in zip(index[1:], sizes[1:], strict=True):
        if space * size >= 1 << 62:  # keep the mixed-radix key within int64
            key, space = _renumber(key, space, n)
        key = key * size + idx
        space *= size
    cell, space = _renumber(key, space, n)
    categories = []
    for idx in index:
        category = np.empty(space, dtype=np.intp)
        category[cell] = idx  # all respondents of a cell share its categories
        categories.append(category)
    return cell, categories


def _renumber(key: CodeArray, space: int, n: int) -> tuple[IntArray, int]:
    """Number the distinct values of ``key`` (all in ``0..space-1``) as 0, 1, ... in order."""
    if space <= 4 * n + 1024:
        present = np.flatnonzero(np.bincount(key, minlength=space))
        lookup = np.empty(space, dtype=np.intp)
        lookup[present] = np.arange(present.size)
        return lookup.take(key), int(present.size)
    distinct, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.intp, copy=False).reshape(-1), int(distinct.size)


def _rake_cells(
    base: FloatArray,
    cell: IntArray,
    categories: Sequence[IntArray],
    absolute: Sequence[FloatArray],
    proportions: Sequence[FloatArray],
    tolerance: float,
    max_iterations: int,
) -> tuple[FloatArray, int, bool]:
    """Rake ``base`` on its cell totals; return the weights, the sweeps done and convergence."""
    mass = np.bincount(cell, weights=base)
    current = mass.copy()
    total = float(absolute[0].sum())
    for sweep in range(1, max_iterations + 1):
        for category, target in zip(categories, absolute, strict=True):
            sums = np.bincount(category, weights=current, minlength=target.size)
            # A category with target 0 has no respondents (checked), hence sum 0: leave it.
            current *= np.divide(target, sums, out=np.ones_like(target), where=sums > 0)[category]
        if _max_difference(current, categories, proportions, total) < tolerance:
            return base * (current / mass)[cell], sweep, True
    return base * (current / mass)[cell], max_iterations, False


def _max_difference(
    weights: FloatArray,
    categories: Sequence[IntArray],
    proportions: Sequence[FloatArray],
    total: float,
) -> float:
    """Return ``max |weighted share - target proportion|`` over all categories."""
    return max(
        float(np.abs(np.bincount(c, weights=weights, minlength=p.size) / total - p).max())
        for c, p in zip(categories, proportions, strict=True)
    )


def _within(weights: FloatArray, low: float, high: float) -> bool:
    too_high = weights.max() > high * (1 + TRIM_TOLERANCE)
    return not (too_high or weights.min() < low * (1 - TRIM_TOLERANCE))


def _shares(
    weights: FloatArray, cell: IntArray, categories: Sequence[IntArray], keys: Sequence[CodeArray]
) -> list[FloatArray]:
    """Return per variable the share of the weight total in each category."""
    # One pass over the respondents for the cell totals; the categories then sum the cells.
    cell_totals = np.bincount(cell, weights=weights, minlength=categories[0].size)
    total = cell_totals.sum()
    return [
        np.bincount(category, weights=cell_totals, minlength=key.size) / total
        for category, key in zip(categories, keys, strict=True)
    ]


def _result(
    checked: _Input,
    weights: FloatArray,
    shares: Sequence[FloatArray],
    converged: bool,
    iterations: int,
    tolerance: float,
    rounds: int,
    cap: float | None,
    floor: float | None,
    notes: list[str],
) -> WeightingResult:
    total = float(weights.sum())
    achieved: dict[str, Mapping[int, float]] = {}
    targets: dict[str, Mapping[int, float]] = {}
    difference = 0.0
    for name, key, share, proportion in zip(
        checked.names, checked.keys, shares, checked.proportions, strict=True
    ):
        difference = max(difference, float(np.abs(share - proportion).max()))
        codes = key.tolist()
        achieved[name] = MappingProxyType(dict(zip(codes, share.tolist(), strict=True)))
        targets[name] = MappingProxyType(dict(zip(codes, proportion.tolist(), strict=True)))
    if converged and difference >= tolerance:
        # Raking met the targets, but the returned weights, multiplied out and summed again,
        # do not: report what the weights achieve.
        converged = False
        notes.append(f"achieved proportions differ from the targets by {difference:.3g}.")
    neff = _kish(weights)  # finite and positive by construction: no need to check again
    weights.flags.writeable = False
    return WeightingResult(
        weights=weights,
        converged=converged,
        iterations=iterations,
        targets=MappingProxyType(targets),
        achieved=MappingProxyType(achieved),
        max_difference=difference,
        tolerance=tolerance,
        total=total,
        min=float(weights.min()),
        max=float(weights.max()),
        effective_n=neff,
        efficiency=neff / weights.size,
        design_effect=weights.size / neff,
        trimmed=rounds > 0,
        trim_rounds=rounds,
        cap=cap,
        floor=floor,
        notes=tuple(notes),
    )
