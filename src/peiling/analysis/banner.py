"""Banners: the columns a table is split by, and a banner prepared for one filter.

A banner is turned once into one *cell* number per respondent (the combination of its
variables' categories); a question is tallied with one ``np.bincount`` over ``answer code x
cell`` and the cells are summed into columns by a small matrix product (``_Frame``). A filter
moves the respondents it excludes to a cell that belongs to no column. Expressions are
evaluated by ``Dataset.evaluate`` (once per distinct combination of answers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peiling.analysis.dataset import Dataset
from peiling.analysis.results import TableError

__all__ = ["TOTAL_LABEL", "Banner", "BannerColumn", "make_banner"]

TOTAL_LABEL = "Totaal"
#: Banner cells per tally; past this, banner variables are tallied in separate groups.
_CELL_LIMIT = 4096


@dataclass(frozen=True)
class BannerColumn:
    """A column of a banner; ``group`` is the banner spec it came from."""

    key: str
    label: str
    group: str
    letter: str


@dataclass(frozen=True, eq=False)
class _CellGroup:
    """Banner factors tallied together: a cell per respondent, and cell -> column membership."""

    cells: NDArray[np.intp]
    size: int
    membership: NDArray[np.float64]  # (size, number of columns of this group)
    columns: tuple[int, ...]  # positions in Banner.columns


@dataclass(frozen=True, eq=False)
class Banner:
    """The columns of a table, made for one dataset by ``make_banner``."""

    specs: tuple[str, ...]
    columns: tuple[BannerColumn, ...]
    total: bool
    total_label: str
    n: int
    letter_groups: tuple[tuple[int, ...], ...]
    groups: tuple[_CellGroup, ...] = field(repr=False)


def make_banner(
    dataset: Dataset,
    specs: Iterable[str] = (),
    *,
    total: bool = True,
    total_label: str = TOTAL_LABEL,
) -> Banner:
    """Return the banner of ``specs`` for ``dataset``.

    Parameters
    ----------
    dataset
        The data the banner splits.
    specs
        Each a variable name (single choice: a column per category; multiple choice: a column
        per choice) or ``"LABEL=EXPR"``: one column of the respondents for whom the XLSForm
        expression holds. A single string is one spec.
    total, total_label
        Whether to add a total column over everyone in the filter, and its heading.

    Returns
    -------
    Banner
        Columns in spec order; significance letters A, B, ... go to the columns of single
        choice variables, which are compared among themselves.

    Raises
    ------
    UnknownVariableError, ExpressionFailed, TableError
        for a name that is no variable, an expression that fails, a variable that is not a
        choice question.
    """
    specs = (specs,) if isinstance(specs, str) else tuple(specs)
    factors: list[tuple[NDArray[np.int64], int, list[tuple[int, int]]]] = []
    columns: list[BannerColumn] = []
    letter_groups: list[tuple[int, ...]] = []
    for spec in specs:
        start = len(columns)
        factors.extend(_spec_factors(dataset, spec, columns))
        if spec in dataset.variables and dataset.variable(spec).kind == "single":
            letter_groups.append(tuple(range(start, len(columns))))
    letters = iter(_letters())
    lettered = {i for group in letter_groups for i in group}
    columns = [
        BannerColumn(c.key, c.label, c.group, next(letters) if i in lettered else "")
        for i, c in enumerate(columns)
    ]
    return Banner(
        specs=specs,
        columns=tuple(columns),
        total=total,
        total_label=total_label,
        n=dataset.n,
        letter_groups=tuple(letter_groups),
        groups=_cell_groups(factors, dataset.n, len(columns)),
    )


def _spec_factors(
    dataset: Dataset, spec: str, columns: list[BannerColumn]
) -> list[tuple[NDArray[np.int64], int, list[tuple[int, int]]]]:
    """Return (levels per respondent, level count, [(level, column index)]) for ``spec``."""
    if spec in dataset.variables:
        variable = dataset.variable(spec)
        if variable.kind == "single":
            members = []
            for code, category in enumerate(variable.categories):
                members.append((code + 1, len(columns)))
                columns.append(BannerColumn(f"{spec}:{category.name}", category.label, spec, ""))
            levels = dataset.codes(spec).astype(np.int64) + 1
            return [(levels, len(variable.categories) + 1, members)]
        if variable.kind == "multiple":
            result = []
            selected = dataset.selected(spec)
            for code, category in enumerate(variable.categories):
                result.append((selected[:, code].astype(np.int64), 2, [(1, len(columns))]))
                columns.append(BannerColumn(f"{spec}:{category.name}", category.label, spec, ""))
            return result
        raise TableError(
            f"banner variable {spec!r} is {variable.kind}; expected a single or multiple "
            f"choice question (use LABEL=EXPR for ranges of numbers)"
        )
    label, equals, expression = spec.partition("=")
    if not equals:
        dataset.variable(spec)  # raises UnknownVariableError, with suggestions
    if not label.strip() or not expression.strip():
        raise TableError(f"banner {spec!r}: expected a variable name or LABEL=EXPR")
    mask = dataset.evaluate(expression.strip())
    columns.append(BannerColumn(f"expr:{label.strip()}", label.strip(), spec, ""))
    return [(mask.astype(np.int64), 2, [(1, len(columns) - 1)])]


def _cell_groups(
    factors: list[tuple[NDArray[np.int64], int, list[tuple[int, int]]]],
    n: int,
    column_count: int,
) -> tuple[_CellGroup, ...]:
    """Combine factors into as few cell groups as the cell limit allows."""
    batches: list[list[tuple[NDArray[np.int64], int, list[tuple[int, int]]]]] = [[]]
    size = 1
    for factor in factors:
        if size * factor[1] > _CELL_LIMIT and batches[-1]:
            batches.append([])
            size = 1
        batches[-1].append(factor)
        size *= factor[1]
    groups = []
    for batch in batches:
        cells = np.zeros(n, dtype=np.intp)
        size = 1
        for levels, count, _ in batch:
            cells = cells * count + levels
            size *= count
        owned = sorted(col for _, _, members in batch for _, col in members)
        membership = np.zeros((size, len(owned)), dtype=np.float64)
        if not batch:
            groups.append(_CellGroup(cells, size, membership, ()))
            continue
        cell_levels = np.indices([count for _, count, _ in batch]).reshape(len(batch), -1)
        for position, (_, _, members) in enumerate(batch):
            for level, col in members:
                membership[cell_levels[position] == level, owned.index(col)] = 1.0
        groups.append(_CellGroup(cells, size, membership, tuple(owned)))
    return tuple(groups)


def _letters() -> Iterable[str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    yield from alphabet
    for first in alphabet:
        for second in alphabet:
            yield first + second


# -- tallying ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Frame:
    """A banner prepared for one filter and weighting: what every tally of a table needs.

    In each group the cell ``size`` holds the respondents the filter excludes; the aggregation
    matrix ``agg`` (cells x columns) has a zero row for it, and the total column last.
    """

    banner: Banner
    cells: tuple[NDArray[np.intp], ...]
    shifted: tuple[NDArray[np.intp], ...]  # cells + (size + 1): the cell of answer code -1
    aggs: tuple[NDArray[np.float64], ...]
    sizes: tuple[int, ...]
    positions: tuple[NDArray[np.intp], ...]  # where each group's columns go in the table
    weights: NDArray[np.float64] | None
    squares: NDArray[np.float64] | None
    mask: NDArray[np.bool_] | None
    filter: str | None
    ncol: int
    everyone: NDArray[np.float64]  # respondents per column
    squares_total: NDArray[np.float64] | None  # sum of squared weights per column
    scratch: threading.local = field(default_factory=threading.local, repr=False)

    def key_buffer(self, dtype: type[np.signedinteger[Any]]) -> NDArray[Any]:
        """Return this thread's buffer for tally keys (fresh arrays would page-fault)."""
        buffers: dict[Any, NDArray[Any]] = self.scratch.__dict__.setdefault("keys", {})
        if dtype not in buffers:
            buffers[dtype] = np.empty(self.cells[0].size, dtype=dtype)
        return buffers[dtype]

    def sum(self, values: NDArray[Any] | None) -> NDArray[np.float64]:
        """Return per column the sum of ``values`` (a count of respondents for ``None``)."""
        out = np.zeros(self.ncol)
        for cells, agg, size, pos in zip(
            self.cells, self.aggs, self.sizes, self.positions, strict=True
        ):
            out[pos] = np.bincount(cells, weights=values, minlength=size + 1) @ agg
        return out

    def tally(
        self, codes: NDArray[np.integer[Any]], k: int, weights: Sequence[NDArray[Any] | None]
    ) -> list[NDArray[np.float64]]:
        """Return per weight vector the (k + 1) x columns sums per answer code (row 0: -1).

        The key ``code x cell`` is computed once and counted once per weight vector.
        """
        out = [np.zeros((k + 1, self.ncol)) for _ in weights]
        for shifted, agg, size, pos in zip(
            self.shifted, self.aggs, self.sizes, self.positions, strict=True
        ):
            # The narrowest integer type that holds every key: less memory to stream.
            dtype = _key_dtype((k + 1) * (size + 1))
            key = np.multiply(codes, size + 1, out=self.key_buffer(dtype), dtype=dtype)
            key += shifted
            for result, vector in zip(out, weights, strict=True):
                sums = np.bincount(key, weights=vector, minlength=(k + 1) * (size + 1))
                result[:, pos] = sums.reshape(k + 1, size + 1) @ agg
        return out

    def sums_at(
        self, rows: NDArray[np.intp], values: Sequence[NDArray[Any] | None]
    ) -> list[NDArray[np.float64]]:
        """Return per vector the per-column sums over the respondents ``rows`` only."""
        out = [np.zeros(self.ncol) for _ in values]
        picked = [None if v is None else v[rows] for v in values]
        for cells, agg, size, pos in zip(
            self.cells, self.aggs, self.sizes, self.positions, strict=True
        ):
            chosen = cells[rows]  # gathered once: the rows are scattered, the gather is costly
            for result, vector in zip(out, picked, strict=True):
                result[pos] = np.bincount(chosen, weights=vector, minlength=size + 1) @ agg
        return out

    def members(self, column: int) -> NDArray[np.bool_]:
        """Return who is in ``column`` (after the filter)."""
        for cells, agg, pos in zip(self.cells, self.aggs, self.positions, strict=True):
            where = np.flatnonzero(pos == column)
            if where.size:
                return agg[:, where[0]][cells] > 0
        raise IndexError(column)


def _frame(dataset: Dataset, banner: Banner | Iterable[str] | None, filter: str | None) -> _Frame:
    if not isinstance(banner, Banner):
        banner = make_banner(dataset, banner or ())
    if banner.n != dataset.n:
        raise TableError(f"banner is for {banner.n} respondents; the dataset has {dataset.n}")
    mask = None if filter is None else dataset.evaluate(filter)
    ncol = len(banner.columns) + (1 if banner.total else 0)
    cells, shifted, aggs, sizes, positions = [], [], [], [], []
    for index, group in enumerate(banner.groups):
        cell = group.cells if mask is None else np.where(mask, group.cells, group.size)
        agg = np.zeros((group.size + 1, len(group.columns)))
        agg[: group.size] = group.membership
        pos = list(group.columns)
        if index == 0 and banner.total:
            total = np.ones((group.size + 1, 1))
            total[group.size] = 0.0
            agg = np.hstack([agg, total])
            pos.append(ncol - 1)
        cells.append(cell)
        shifted.append((cell + (group.size + 1)).astype(_key_dtype(2 * (group.size + 1))))
        aggs.append(agg)
        sizes.append(group.size)
        positions.append(np.array(pos, dtype=np.intp))
    weights = dataset.weights
    frame = _Frame(
        banner=banner,
        cells=tuple(cells),
        shifted=tuple(shifted),
        aggs=tuple(aggs),
        sizes=tuple(sizes),
        positions=tuple(positions),
        weights=weights,
        squares=None if weights is None else weights * weights,
        mask=mask,
        filter=filter,
        ncol=ncol,
        everyone=np.zeros(ncol),
        squares_total=None,
    )
    squares_total = None if frame.squares is None else frame.sum(frame.squares)
    return replace(frame, everyone=frame.sum(None), squares_total=squares_total)


def _key_dtype(size: int) -> type[np.signedinteger[Any]]:
    """Return the narrowest signed integer type for keys ``0 .. size - 1``."""
    for dtype in (np.int16, np.int32):
        if size <= np.iinfo(dtype).max:
            return dtype
    return np.intp
