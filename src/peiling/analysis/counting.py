"""Counting: tallies of a question over a banner's columns, significance marks, and the
columns, percentage rows and notes the table kinds share."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from peiling.analysis import significance
from peiling.analysis.banner import _Frame
from peiling.analysis.dataset import Dataset
from peiling.analysis.results import Column, Row, RowKind
from peiling.analysis.significance import CORRECTIONS, Correction

__all__ = ["DONT_KNOW_OPTIONS", "DontKnow"]

DontKnow: TypeAlias = Literal["include", "exclude"]
DONT_KNOW_OPTIONS: tuple[str, ...] = DontKnow.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Tally:
    """Weighted (and unweighted) counts per row and column, and each column's base."""

    weighted: NDArray[np.float64]  # rows x columns
    counts: NDArray[np.float64] | None  # unweighted; None when weighted and not asked for
    base_w: NDArray[np.float64]
    base_n: NDArray[np.float64]
    base_w2: NDArray[np.float64]  # sum of squared weights in the base, for effective n

    @property
    def effective(self) -> NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.base_w2 > 0, self.base_w**2 / self.base_w2, 0.0)

    def percent(self, weighted: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.base_w > 0, 100.0 * weighted / self.base_w, np.nan)


def _tally_codes(
    frame: _Frame, codes: NDArray[Any], k: int, excluded: Sequence[int], counts: bool
) -> _Tally:
    """Tally a single choice column; codes in ``excluded`` stay out of the base.

    Weighted, one pass counts the weights per code and cell; the unweighted base and the sum
    of squared weights come from the column totals minus the (few) respondents left out, so
    unweighted counts per category cost a second pass only when asked for.
    """
    keep = np.ones(k, dtype=bool)
    keep[list(excluded)] = False
    if frame.weights is None or frame.squares is None or frame.squares_total is None:
        (unweighted,) = frame.tally(codes, k, [None])
        unweighted = unweighted[1:]
        base_n = unweighted[keep].sum(axis=0)
        return _Tally(unweighted, unweighted, base_n, base_n, base_n)
    sums = frame.tally(codes, k, [frame.weights, None] if counts else [frame.weights])
    weighted = sums[0][1:]
    out = codes < 0
    for code in excluded:
        out |= codes == code
    left_out, left_out_squares = frame.sums_at(np.flatnonzero(out), [None, frame.squares])
    return _Tally(
        weighted=weighted,
        counts=sums[1][1:] if counts else None,
        base_w=weighted[keep].sum(axis=0),
        base_n=frame.everyone - left_out,
        base_w2=frame.squares_total - left_out_squares,
    )


def _tally_indicators(
    frame: _Frame, base: NDArray[np.bool_], indicators: Sequence[NDArray[Any]]
) -> _Tally:
    """Tally 0/1 indicators (choices, nets) among the respondents in ``base``."""
    w = frame.weights
    base_f = base.astype(np.float64)
    base_n = frame.sum(base_f)
    base_w = base_n if w is None else frame.sum(base_f * w)
    base_w2 = base_n if frame.squares is None else frame.sum(base_f * frame.squares)
    counts = np.array([frame.sum(np.asarray(x, dtype=np.float64)) for x in indicators])
    weighted = counts if w is None else np.array([frame.sum(x * w) for x in indicators])
    counts = counts.reshape(len(indicators), frame.ncol)
    return _Tally(weighted.reshape(counts.shape), counts, base_w, base_n, base_w2)


# -- significance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    filter: str | None
    dont_know: DontKnow
    dont_know_names: tuple[str, ...] | None
    alpha: float
    correction: Correction
    significance: bool
    small_base: int
    counts: bool


def _marks(
    frame: _Frame, tally: _Tally, weighted: NDArray[np.float64], options: _Options
) -> tuple[list[tuple[str, ...]], list[tuple[int, ...]]]:
    """Return per row the significance letters and higher/lower-than-rest marks per column."""
    rows, ncol = weighted.shape
    letters = [[""] * ncol for _ in range(rows)]
    rest = np.zeros((rows, ncol), dtype=np.int8)
    banner = frame.banner
    if options.significance and rows:
        with np.errstate(divide="ignore", invalid="ignore"):
            props = np.clip(np.where(tally.base_w > 0, weighted / tally.base_w, 0.0), 0.0, 1.0)
        effective = tally.effective
        for group in banner.letter_groups:
            cols = list(group)
            tests = significance.compare_column_proportions(
                props[:, cols],
                effective[cols],
                alpha=options.alpha,
                correction=options.correction,
            )
            # As PairwiseTests.letters, in plain Python: faster for many small tables.
            names = [banner.columns[c].letter for c in cols]
            for r, above in enumerate(tests.higher.tolist()):
                for j, c in enumerate(cols):
                    letters[r][c] = "".join(n for n, h in zip(names, above[j], strict=True) if h)
        if banner.total and banner.columns:
            rest[:, : len(banner.columns)] = _rest_marks(tally, props, len(banner.columns), options)
    return [tuple(r) for r in letters], [tuple(int(x) for x in r) for r in rest.tolist()]


def _rest_marks(
    tally: _Tally, props: NDArray[np.float64], ncols: int, options: _Options
) -> NDArray[np.int8]:
    """Compare each banner column with everyone else in the total column (disjoint groups)."""
    total = ncols
    rest_w = tally.base_w[total] - tally.base_w[:ncols]
    rest_w2 = tally.base_w2[total] - tally.base_w2[:ncols]
    in_w = props[:, :ncols] * tally.base_w[:ncols]
    with np.errstate(divide="ignore", invalid="ignore"):
        # Differences of sums can leave rounding dust where the rest is empty.
        n_rest = np.where(rest_w2 > 1e-9, rest_w**2 / rest_w2, 0.0)
        p_rest = np.where(
            rest_w > 1e-9, (props[:, [total]] * tally.base_w[total] - in_w) / rest_w, 0.0
        )
    return significance.versus_rest(
        props[:, :ncols],
        tally.effective[:ncols],
        np.clip(p_rest, 0.0, 1.0),
        n_rest,
        alpha=options.alpha,
    )


# -- building tables --------------------------------------------------------------------------


def _columns(frame: _Frame, tally: _Tally, options: _Options) -> tuple[Column, ...]:
    banner = frame.banner
    heads = [(c.key, c.label, c.letter) for c in banner.columns]
    if banner.total:
        heads.append(("total", banner.total_label, ""))
    effective = tally.effective
    return tuple(
        Column(
            key=key,
            label=label,
            base=_whole(tally.base_n[i]),
            weighted_base=float(tally.base_w[i]),
            effective_base=float(effective[i]),
            letter=letter,
            small_base=bool(tally.base_n[i] < options.small_base),
        )
        for i, (key, label, letter) in enumerate(heads)
    )


#: A row of percentages: key, label, kind and the tally rows (codes) it adds up.
_RowSpec: TypeAlias = tuple[str, str, RowKind, Sequence[int]]


def _percent_rows(
    frame: _Frame, tally: _Tally, specs: Sequence[_RowSpec], options: _Options
) -> list[Row]:
    def summed(table: NDArray[np.float64]) -> NDArray[np.float64]:
        rows = [table[list(codes)].sum(axis=0) for _, _, _, codes in specs]
        return np.array(rows, dtype=np.float64).reshape(len(specs), frame.ncol)

    weighted = summed(tally.weighted)
    counts = None if tally.counts is None else summed(tally.counts)
    percents = tally.percent(weighted)
    letters, rest = _marks(frame, tally, weighted, options)
    return [
        Row(
            key=key,
            label=label,
            kind=kind,
            values=_values(percents[i]),
            counts=None if counts is None else tuple(_whole(x) for x in counts[i]),
            weighted_counts=tuple(weighted[i].tolist()),
            sig=letters[i],
            rest=rest[i],
        )
        for i, (key, label, kind, _) in enumerate(specs)
    ]


def _values(array: NDArray[np.float64]) -> tuple[float | None, ...]:
    return tuple(None if math.isnan(x) else float(x) for x in array.tolist())


def _common_notes(
    frame: _Frame, dataset: Dataset, name: str, options: _Options, *, means: bool = False
) -> list[str]:
    """Return the notes every table kind shares: routing, weighting, significance."""
    notes = []
    if name in dataset.variables and dataset.variable(name).relevance:
        asked = dataset.asked(name)
        if frame.mask is not None:
            asked = asked & frame.mask
        universe = dataset.n if frame.mask is None else int(frame.mask.sum())
        rule = " en ".join(dataset.variable(name).relevance)
        notes.append(f"Alleen gevraagd aan {int(asked.sum())} van {universe} ({rule}).")
    if frame.weights is not None:
        notes.append("Gewogen percentages; n is het ongewogen aantal respondenten.")
    if options.significance:
        alpha = f"{options.alpha:g}".replace(".", ",")
        rest = "" if means else "; ▲/▼: significant hoger/lager dan de rest"
        notes.append(f"Letters: significant hoger dan de kolom met die letter{rest} (α = {alpha}).")
    return notes


def _small_base_note(columns: Sequence[Column], options: _Options) -> list[str]:
    if any(c.small_base for c in columns):
        return [f"* Kleine basis (n < {options.small_base}): uitkomsten zijn indicatief."]
    return []


def _options(
    filter: str | None,
    dont_know: DontKnow,
    dont_know_names: Iterable[str] | None,
    alpha: float,
    correction: Correction,
    significance: bool,
    small_base: int,
    counts: bool = True,
) -> _Options:
    if dont_know not in DONT_KNOW_OPTIONS:
        raise ValueError(f"dont_know must be one of {DONT_KNOW_OPTIONS!r} (got {dont_know!r})")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha!r})")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS!r} (got {correction!r})")
    names = None if dont_know_names is None else tuple(dont_know_names)
    return _Options(filter, dont_know, names, alpha, correction, significance, small_base, counts)


def _whole(value: float) -> int:
    """Return a count held as float (a sum of 0/1) as an int."""
    return int(np.rint(value))
