"""Draw simple random and stratified samples from a frame of eligible members. Pure numpy.

The frame is one integer stratum code per eligible member (``0 .. n_strata - 1``), in a fixed
order (the caller sorts members by id), so a seed reproduces the sample exactly. Each stratum
is drawn without replacement by giving every member a uniform random key and taking the
``allocation[h]`` smallest keys per stratum — one ``argsort`` for the whole frame, no loop
over strata (1,000,000 members in about a tenth of a second).

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., §5.5 (proportional allocation).
Balinski, M. L. & Young, H. P. (2001). *Fair Representation*, 2nd ed. (largest remainder
rounding, Hamilton's method).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["METHODS", "Draw", "Method", "allocate_proportional", "draw_sample"]

Method: TypeAlias = Literal["simple", "proportional", "targets"]
METHODS: tuple[str, ...] = Method.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Draw:
    """The drawn frame positions (ascending) and, per stratum, eligible / target / achieved."""

    indices: NDArray[np.intp]
    eligible: NDArray[np.int64]
    target: NDArray[np.int64]
    achieved: NDArray[np.int64]


def allocate_proportional(counts: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    """Return per-stratum sample sizes proportional to ``counts`` that sum to ``size``.

    Each stratum gets the whole part of its quota ``size * N_h / N``; the units left go to
    the largest fractional parts (ties to the lower stratum code). No stratum gets more than
    it has.

    Raises
    ------
    ValueError
        ``size`` is negative or larger than ``counts.sum()``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if size < 0 or size > total:
        raise ValueError(f"size must be between 0 and {total} (got {size})")
    if total == 0:
        return np.zeros_like(counts)
    quotas = counts * (size / total)
    allocation = np.floor(quotas).astype(np.int64)
    left = size - int(allocation.sum())
    order = np.argsort(-(quotas - allocation), kind="stable")
    allocation[order[:left]] += 1
    return allocation


def draw_sample(
    *, codes: NDArray[np.intp], n_strata: int, method: Method, seed: int,
    size: int | None = None, targets: NDArray[np.int64] | None = None,
) -> Draw:
    """Draw a sample from the frame ``codes`` (one stratum code per eligible member).

    Parameters
    ----------
    codes
        Stratum code of each eligible member, ``0 <= code < n_strata``; all 0 for ``simple``.
    method
        ``simple`` (``size`` members at random), ``proportional`` (``size`` members allocated
        to strata in proportion to their eligible members) or ``targets`` (``targets[h]``
        members from stratum ``h``; a stratum with fewer eligible members gives them all).
    seed
        Seed of numpy's PCG64 generator: the same frame and seed give the same sample.

    Raises
    ------
    ValueError
        An unknown method, a missing ``size``/``targets``, or a ``size`` larger than the frame.
    """
    codes = np.asarray(codes, dtype=np.intp)
    eligible = np.bincount(codes, minlength=n_strata).astype(np.int64)
    if method == "simple" or method == "proportional":
        if size is None:
            raise ValueError(f"method {method!r} needs a size")
        target = allocate_proportional(eligible, size)
    elif method == "targets":
        if targets is None or len(targets) != n_strata:
            raise ValueError(f"method 'targets' needs one target per stratum ({n_strata})")
        target = np.asarray(targets, dtype=np.int64)
        if (target < 0).any():
            raise ValueError("targets must be 0 or more")
    else:
        raise ValueError(f"method must be one of {METHODS!r} (got {method!r})")
    achieved = np.minimum(target, eligible)
    rng = np.random.default_rng(seed)
    # Sort by stratum, then by a uniform key within it: code + key in [code, code + 1).
    order = np.argsort(codes + rng.random(codes.size), kind="stable")
    starts = np.concatenate(([0], np.cumsum(eligible)[:-1]))
    sorted_codes = codes[order]
    rank = np.arange(codes.size) - starts[sorted_codes]
    chosen = np.sort(order[rank < achieved[sorted_codes]])
    return Draw(indices=chosen, eligible=eligible, target=target, achieved=achieved)
