"""Table values: the ``Table`` of ``Column`` and ``Row`` every table kind returns, the row
specifications ``Net``, ``NetScore`` and ``Band``, rounding half up and don't-know codes.

Errors: ``TableError`` (a ``ValueError``) for options that do not fit the data.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from peiling.analysis.dataset import Variable

__all__ = [
    "DONT_KNOW_NAMES",
    "Band",
    "Column",
    "Net",
    "NetScore",
    "Row",
    "RowKind",
    "Table",
    "TableError",
    "TableKind",
    "bands",
    "dont_know_codes",
    "round_half_up",
]

TableKind: TypeAlias = Literal["frequency", "multiple", "grid", "numeric", "banded"]
RowKind: TypeAlias = Literal[
    "category", "dont_know", "net", "net_score", "choice", "statement", "band", "statistic"
]

#: Choice names (lower case, without separators) that mean "don't know".
DONT_KNOW_NAMES = frozenset(
    {"weetniet", "weetikniet", "wn", "dk", "dontknow", "weetnietnvt", "wnnvt", "dknvt"}
)
_PERCENT = 0


class TableError(ValueError):
    """Table options that do not fit the data (wrong kind of variable, unknown category)."""


# -- result values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table: who is in it and how many.

    ``base`` is the unweighted number of respondents in the base, ``weighted_base`` their sum of
    weights and ``effective_base`` Kish's effective n (equal to ``base`` when unweighted).
    ``letter`` names the column in significance marks ("" for the total).
    """

    key: str
    label: str
    base: int
    weighted_base: float
    effective_base: float
    letter: str = ""
    small_base: bool = False


@dataclass(frozen=True)
class Row:
    """One row: a value per column, unrounded, with counts and significance marks.

    ``values`` are percentages (or, for numeric tables, statistics) before rounding; ``None``
    where the column's base is empty. ``sig`` holds per column the letters of the columns this
    one is significantly higher than; ``rest`` is +1 / -1 where the column is significantly
    higher / lower than everyone else in the total, else 0. ``bases`` are given when the row has
    its own bases (statements of a grid).
    """

    key: str
    label: str
    kind: RowKind
    values: tuple[float | None, ...]
    counts: tuple[int, ...] | None = None
    weighted_counts: tuple[float, ...] | None = None
    sig: tuple[str, ...] = ()
    rest: tuple[int, ...] = ()
    bases: tuple[int, ...] | None = None
    weighted_bases: tuple[float, ...] | None = None
    decimals: int = _PERCENT

    @property
    def rounded(self) -> tuple[float | int | None, ...]:
        """Return the values rounded half up to ``decimals`` (ints for whole percentages)."""
        return tuple(None if v is None else _rounded_scalar(v, self.decimals) for v in self.values)


@dataclass(frozen=True)
class Table:
    """A question (or set of statements) tabulated against a banner."""

    name: str
    title: str
    kind: TableKind
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    filter: str | None = None
    weighted: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the table as JSON-ready data: rounded ``values`` and unrounded ``exact``."""
        rows = []
        for row in self.rows:
            data: dict[str, Any] = {
                "key": row.key,
                "label": row.label,
                "kind": row.kind,
                "values": list(row.rounded),
                "exact": list(row.values),
                "counts": None if row.counts is None else list(row.counts),
                "sig": list(row.sig),
                "rest": list(row.rest),
            }
            if row.bases is not None:
                data["bases"] = list(row.bases)
                data["weighted_bases"] = list(row.weighted_bases or ())
            rows.append(data)
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "filter": self.filter,
            "weighted": self.weighted,
            "columns": [
                {
                    "key": c.key,
                    "label": c.label,
                    "base": c.base,
                    "weighted_base": c.weighted_base,
                    "effective_base": c.effective_base,
                    "letter": c.letter,
                    "small_base": c.small_base,
                }
                for c in self.columns
            ],
            "rows": rows,
            "notes": list(self.notes),
        }


# -- options ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    """A named merge of categories: explicit choice names, or the first / last ``n`` choices.

    Choices are counted in list order, leaving out don't-know choices. Dutch scales usually
    run from positive to negative ("Zeer tevreden" first), so ``Net.top_box()`` takes the first
    two; pass ``positive_first=False`` for lists that run the other way.
    """

    label: str
    categories: tuple[str, ...] = ()
    first: int = 0
    last: int = 0

    def __post_init__(self) -> None:
        given = [bool(self.categories), self.first > 0, self.last > 0]
        if sum(given) != 1:
            raise ValueError(
                f"net {self.label!r}: give exactly one of categories, first or last "
                f"(got categories={self.categories!r}, first={self.first}, last={self.last})"
            )

    @classmethod
    def top_box(cls, n: int = 2, label: str | None = None, *, positive_first: bool = True) -> Net:
        """Return the net of the ``n`` most positive choices ("top-2 box")."""
        label = label or f"Top-{n}"
        return cls(label, first=n) if positive_first else cls(label, last=n)

    @classmethod
    def bottom_box(
        cls, n: int = 2, label: str | None = None, *, positive_first: bool = True
    ) -> Net:
        """Return the net of the ``n`` most negative choices ("bottom-2 box")."""
        label = label or f"Bottom-{n}"
        return cls(label, last=n) if positive_first else cls(label, first=n)

    def codes(self, variable: Variable, dont_know: Iterable[int] = ()) -> tuple[int, ...]:
        """Return the category codes the net merges, for ``variable``.

        Raises ``TableError`` naming the valid choices when a name is not one of them.
        """
        if self.categories:
            try:
                return tuple(sorted(variable.code_of(name) for name in self.categories))
            except ValueError as error:
                raise TableError(f"net {self.label!r}: {error}") from None
        scale = [code for code in range(len(variable.categories)) if code not in set(dont_know)]
        count = self.first or self.last
        if count > len(scale):
            raise TableError(
                f"net {self.label!r}: {variable.name!r} has {len(scale)} scale choices, "
                f"fewer than {count}"
            )
        return tuple(scale[:count] if self.first else scale[-count:])


@dataclass(frozen=True)
class NetScore:
    """ "Per saldo": the percentage in ``positive`` minus the percentage in ``negative``."""

    positive: Net
    negative: Net
    label: str = "Per saldo"


@dataclass(frozen=True)
class Band:
    """A class of a numeric variable: ``lower <= value < upper`` (``None`` is unbounded)."""

    label: str
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(f"band {self.label!r}: lower {self.lower} >= upper {self.upper}")


def bands(edges: Sequence[float], *, suffix: str = "", open_top: bool = False) -> tuple[Band, ...]:
    """Return consecutive bands between ``edges``, labelled as Dutch reports do.

    ``bands([1, 30, 40], suffix="%")`` gives "1 tot 30%" and "30 tot 40%"; ``open_top=True``
    adds "40% of meer".
    """
    if len(edges) < 2 and not open_top:
        raise ValueError(f"bands need at least two edges (got {list(edges)!r})")
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(f"band edges must increase (got {list(edges)!r})")
    result = [
        Band(f"{_number(lo)} tot {_number(hi)}{suffix}", lo, hi)
        for lo, hi in itertools.pairwise(edges)
    ]
    if open_top:
        result.append(Band(f"{_number(edges[-1])}{suffix} of meer", edges[-1], None))
    return tuple(result)


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def round_half_up(values: ArrayLike, decimals: int = 0) -> NDArray[np.float64]:
    """Round half away from zero (12.5 -> 13, -12.5 -> -13), never to even as ``round`` does.

    A tolerance of one part in 10⁹ absorbs binary representation error, so a value computed as
    62.49999999999999 for an exact 62.5 still rounds up.

    References
    ----------
    CBS, "Afronden" (rounding rule in Statistics Netherlands publications); Python ``decimal``
    ``ROUND_HALF_UP``.
    """
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0**decimals
    scaled = np.abs(x) * scale
    rounded = np.floor(scaled + 0.5 + 1e-9 * np.maximum(1.0, scaled))
    return np.asarray(np.sign(x) * rounded / scale, dtype=np.float64)


def _rounded_scalar(value: float, decimals: int) -> float | int:
    rounded = float(round_half_up(value, decimals))
    return int(rounded) if decimals == 0 else rounded


def dont_know_codes(variable: Variable, names: Iterable[str] | None = None) -> tuple[int, ...]:
    """Return the codes of ``variable``'s don't-know choices.

    With ``names``, exactly those choices (each must exist); otherwise every choice whose name,
    lower-cased without ``_``, ``-`` or spaces, is in ``DONT_KNOW_NAMES`` (``weet_niet``, ``wn``,
    ``dk``, ``weetniet`` ...).
    """
    if names is not None:
        wanted = [n for n in names if n in variable.category_names]
        return tuple(variable.code_of(name) for name in wanted)
    return tuple(
        code
        for code, category in enumerate(variable.categories)
        if re.sub(r"[\s_\-./]", "", category.name.lower()) in DONT_KNOW_NAMES
    )
