"""Benchmark ``peiling.analysis.weighting.rake`` against weightipy on the same data.

Usage: ``.venv/bin/python bench/weighting.py [n ...]`` (default 10,000, 100,000 and 1,000,000).

Four raking variables (8, 5, 4 and 2 categories) are drawn from one latent variable, so they are
correlated and raking needs several sweeps; the sample is skewed against the targets. Times are
the best of three runs in this process.

weightipy stops when the summed absolute change of all weights stops shrinking by 1% per sweep,
and compares the first sweep's change with a fixed 999,999: a large sample whose first sweep
moves the weights by more than that in total stops after one sweep, far from the targets. Two
weightipy runs are therefore shown:

* ``weightipy default`` — ``weightipy.weight`` with its default scheme parameters, as a user
  would call it; and
* ``weightipy same sweeps`` — its stopping rule switched off (``convcrit=-1e12``) and
  ``max_iterations`` set to the number of sweeps peiling needed: the same computation, so the
  time ratio is like for like and the weights must agree to rounding.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import weightipy
from machine import cpu_model  # bench/machine.py, beside this script

from peiling.analysis.weighting import rake

SIZES = (8, 5, 4, 2)
SAMPLE_SKEW = (2.5, 1.5, 1.0, 0.6)  # how far each variable's cut points sit from the targets'


def make_problem(n: int, seed: int = 20240601) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return codes (1..K per variable) and proportion targets for ``n`` respondents."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n)
    codes, targets = {}, {}
    for j, (k, skew) in enumerate(zip(SIZES, SAMPLE_SKEW, strict=True)):
        target = np.linspace(1.0, 2.0, k)
        target /= target.sum()
        score = 0.6 * latent + 0.8 * rng.standard_normal(n) + skew * 0.3
        cuts = np.quantile(score, np.cumsum(target)[:-1] * 0.8 + 0.1 * np.arange(1, k) / k)
        codes[f"v{j}"] = np.searchsorted(cuts, score).astype(np.int64) + 1
        targets[f"v{j}"] = {code + 1: float(p) for code, p in enumerate(target)}
    return codes, targets


def best_of(runs: int, function: Callable[[], Any]) -> tuple[float, Any]:
    """Return the shortest wall time of ``runs`` calls and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def weightipy_weights(frame: pd.DataFrame, targets: dict[str, Any], **rim: Any) -> np.ndarray:
    """Run ``weightipy.weight`` (it prints its convergence messages; keep them out of the way)."""
    percent = {var: {code: 100 * p for code, p in t.items()} for var, t in targets.items()}
    scheme = weightipy.scheme_from_dict(percent, name="bench", rim_params=rim)
    with contextlib.redirect_stdout(io.StringIO()):
        return weightipy.weight(frame, scheme).to_numpy()


def main(sizes: list[int]) -> None:
    print(f"date {datetime.date.today()}, nproc {os.cpu_count()}, CPU {cpu_model()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"weightipy {weightipy.__version__}")  # fmt: skip
    header = (
        f"{'n':>9} {'peiling s':>10} {'iter':>4} {'wpy same s':>10} {'ratio':>6} "
        f"{'max rel diff':>12} {'wpy default s':>13} {'default rel diff':>16}"
    )
    print(header)
    for n in sizes:
        codes, targets = make_problem(n)
        frame = pd.DataFrame(codes)
        ours_time, result = best_of(3, lambda c=codes, t=targets: rake(c, t))
        assert result.converged, result.summary()
        same_time, same = best_of(
            3,
            lambda f=frame, t=targets, k=result.iterations: weightipy_weights(
                f, t, max_iterations=k, convcrit=-1e12
            ),
        )
        default_time, default = best_of(3, lambda f=frame, t=targets: weightipy_weights(f, t))
        same_diff = np.max(np.abs(result.weights - same) / same)
        default_diff = np.max(np.abs(result.weights - default) / default)
        print(
            f"{n:>9,} {ours_time:>10.4f} {result.iterations:>4} {same_time:>10.4f} "
            f"{same_time / ours_time:>5.1f}x {same_diff:>12.2e} {default_time:>13.4f} "
            f"{default_diff:>16.2e}"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
