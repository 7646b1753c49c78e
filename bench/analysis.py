"""Benchmark the analysis engine (issue 3): a whole tab plan, raking, memory.

Usage: ``.venv/bin/python bench/analysis.py [--write] [n ...]`` (default 10,000, 100,000 and
1,000,000 respondents). ``--write`` replaces the "## Analysis (issue 3)" section of
``docs/benchmarks.md`` with the figures measured.

The data: ``n`` respondents x 100 single choice questions (5 categories, one of them "weet
niet", 3% no answer), a banner of two variables (org: 5 categories, regio: 7; 12 columns plus
the total) and 4 raking variables (geslacht 2, leeftijd 4, opleiding 3, regio 7) drawn skewed
against their targets. In ONE run, per size:

(a) peiling: ``tabulate`` of all 100 questions against the banner, weighted (raked weights),
    with significance letters and higher/lower-than-rest marks; best of 5 (and the first run);
(a') the same tab plan unweighted and without significance, like for like with (b);
(b) the analyst's loop: for each question ``pandas.crosstab(q, banner_var, normalize="columns")``
    for both banner variables plus ``value_counts(normalize=True)`` for the total, unweighted;
(c) raking to the 4 targets: ``peiling.analysis.rake`` against ``weightipy.weight`` (its default
    stopping rule, and with the same number of sweeps as peiling), and the largest relative
    difference of the weight vectors.

Memory: the dataset's bytes, tracemalloc's peak while building the dataset and running (a), and
the process's peak resident set size (``resource.getrusage``).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import itertools
import os
import platform
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import weightipy
from machine import cpu_model  # bench/machine.py, beside this script

from peiling.analysis import Category, Dataset, Variable, make_banner, rake, tabulate

QUESTIONS = 100
BANNER = {"org": 5, "regio": 7}
RAKING = {"geslacht": 2, "leeftijd": 4, "opleiding": 3, "regio": 7}
MISSING = 0.03
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Analysis (issue 3)"


def make_data(n: int, seed: int = 20240601) -> tuple[Dataset, dict[str, np.ndarray], dict]:
    """Return the dataset, the raking codes and the raking targets (proportions)."""
    rng = np.random.default_rng(seed)
    scale = tuple(Category(name, name.capitalize()) for name in
                  ("zeer_eens", "eens", "neutraal", "oneens", "weet_niet"))  # fmt: skip
    variables = [Variable(f"q{i:03d}", "single", f"Vraag {i}", scale, question_type="select_one")
                 for i in range(QUESTIONS)]  # fmt: skip
    columns: dict[str, np.ndarray] = {}
    for variable in variables:
        codes = rng.integers(0, 5, n, dtype=np.int8)
        codes[rng.random(n) < MISSING] = -1
        columns[variable.name] = codes
    targets: dict[str, dict[int, float]] = {}
    for name, k in {**BANNER, **RAKING}.items():
        target = np.linspace(1.0, 2.0, k)
        target /= target.sum()
        sample = target[::-1] / target.sum()  # the sample leans the other way
        columns[name] = rng.choice(k, size=n, p=sample).astype(np.int8)
        categories = tuple(Category(f"{name}{c}", f"{name.capitalize()} {c}") for c in range(k))
        variables.append(Variable(name, "single", name.capitalize(), categories))
        if name in RAKING:
            targets[name] = {code: float(p) for code, p in enumerate(target)}
    data = Dataset(variables, columns)
    return data, {name: columns[name] for name in RAKING}, targets


def timed(function: Callable[[], Any], runs: int = 1) -> tuple[float, float, Any]:
    """Return (first time, best time, last result) over ``runs`` calls."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return times[0], min(times), result


def pandas_tab_plan(frame: pd.DataFrame, questions: list[str]) -> list[pd.DataFrame]:
    """The analyst's loop: column percentages per banner variable and the total."""
    tables = []
    for question in questions:
        for banner in BANNER:
            tables.append(pd.crosstab(frame[question], frame[banner], normalize="columns"))
        tables.append(frame[question].value_counts(normalize=True).to_frame())
    return tables


def weightipy_weights(codes: dict[str, np.ndarray], targets: dict, **rim: Any) -> np.ndarray:
    frame = pd.DataFrame({name: values.astype(np.int64) + 1 for name, values in codes.items()})
    percent = {v: {c + 1: 100 * p for c, p in t.items()} for v, t in targets.items()}
    scheme = weightipy.scheme_from_dict(percent, name="bench", rim_params=rim)
    with contextlib.redirect_stdout(io.StringIO()):  # weightipy prints its iterations
        return weightipy.weight(frame, scheme).to_numpy()


def measure(n: int) -> dict[str, Any]:
    data, raking_codes, targets = make_data(n)
    questions = [f"q{i:03d}" for i in range(QUESTIONS)]
    row: dict[str, Any] = {"n": n, "dataset_mb": data.nbytes / 1e6}

    _, row["rake_s"], raked = timed(lambda: rake(raking_codes, targets), runs=3)
    assert raked.converged, raked.summary()
    row["rake_iterations"] = raked.iterations
    _, row["wpy_default_s"], default = timed(lambda: weightipy_weights(raking_codes, targets), 3)
    _, row["wpy_same_s"], same = timed(
        lambda: weightipy_weights(
            raking_codes, targets, max_iterations=raked.iterations, convcrit=-1e12
        ),
        runs=3,
    )
    row["wpy_same_diff"] = float(np.max(np.abs(raked.weights - same) / same))
    row["wpy_default_diff"] = float(np.max(np.abs(raked.weights - default) / default))

    weighted = data.with_weights(raked.weights)
    banner = make_banner(weighted, list(BANNER))
    row["a_first_s"], row["a_s"], tables = timed(
        lambda: tabulate(weighted, questions, banner), runs=5
    )
    assert len(tables) == QUESTIONS and tables[0].weighted
    plain_banner = make_banner(data, list(BANNER))
    _, row["a_plain_s"], _ = timed(
        lambda: tabulate(data, questions, plain_banner, significance=False), runs=5
    )

    frame = pd.DataFrame(
        {name: np.where(data.codes(name) < 0, np.nan, data.codes(name)) for name in questions}
        | {name: data.codes(name) for name in BANNER}
    )
    _, row["b_s"], baseline = timed(lambda: pandas_tab_plan(frame, questions))
    check_against_pandas(data, tables_unweighted=tabulate(data, questions[:3], plain_banner),
                         baseline=baseline)  # fmt: skip
    return row


def check_against_pandas(data: Dataset, tables_unweighted: Any, baseline: Any) -> None:
    """The first questions' column percentages must equal pandas' (to 1e-9)."""
    for index, table in enumerate(tables_unweighted):
        expected = baseline[index * 3] * 100  # crosstab against "org"
        for code, row in enumerate(table.rows):
            ours = np.array(row.values[: BANNER["org"]], dtype=float)
            np.testing.assert_allclose(ours, expected.loc[code].to_numpy(), atol=1e-9)


def memory_peak(n: int) -> tuple[float, float]:
    """Return (tracemalloc peak MB, peak RSS MB) of building the dataset, raking and one weighted
    tab plan, measured in a fresh process so the pandas baseline does not count."""
    result = subprocess.run(
        [sys.executable, __file__, "--memory", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    traced, rss = result.stdout.split()
    return float(traced), float(rss)


def _memory_child(n: int) -> None:
    tracemalloc.start()
    data, raking_codes, targets = make_data(n)
    weighted = data.with_weights(rake(raking_codes, targets).weights)
    tabulate(weighted, [f"q{i:03d}" for i in range(QUESTIONS)], list(BANNER))
    traced = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    # VmHWM is this process's own peak; ru_maxrss would include the parent's peak at fork.
    with open("/proc/self/status", encoding="utf-8") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(traced, peak_kb / 1024)


def report(rows: list[dict[str, Any]], peak: tuple[float, float], rss_mb: float) -> str:
    largest = rows[-1]
    lines = [
        SECTION,
        "",
        f"`bench/analysis.py`, run {datetime.date.today()} on {os.cpu_count()} cores "
        f"({cpu_model()}), Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, weightipy {weightipy.__version__}. Load average (1 min) at "
        f"the end of the run: {os.getloadavg()[0]:.1f} (other work on the machine slows both "
        "sides; the ratios are the figures to compare).",
        "",
        f"Tab plan: {QUESTIONS} single choice questions x a banner of two variables "
        f"({sum(BANNER.values())} columns + total), weighted by raking on {len(RAKING)} "
        "variables, with significance letters (z-test on effective bases) and higher/lower-"
        "than-rest marks. Times in seconds: (a) and (a') are the best of 5 runs (the first run "
        "of (a) in brackets), raking the best of 3, (b) one run.",
        "",
        "| n | (a) peiling weighted + sig | (a') peiling unweighted | (b) pandas.crosstab loop "
        "| (b)/(a) | (b)/(a') | raking peiling | weightipy default | weightipy same sweeps "
        "| same/peiling | max rel. diff (same) | max rel. diff (default) | dataset MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['a_s']:.3f} ({r['a_first_s']:.3f}) | {r['a_plain_s']:.3f} "
            f"| {r['b_s']:.2f} | {r['b_s'] / r['a_s']:.0f}x | {r['b_s'] / r['a_plain_s']:.0f}x "
            f"| {r['rake_s']:.3f} ({r['rake_iterations']} sweeps) | {r['wpy_default_s']:.3f} "
            f"| {r['wpy_same_s']:.3f} | {r['wpy_same_s'] / r['rake_s']:.1f}x "
            f"| {r['wpy_same_diff']:.1e} | {r['wpy_default_diff']:.1e} | {r['dataset_mb']:.0f} |"
        )
    growth = [f"{b['a_s'] / a['a_s']:.1f}x" for a, b in itertools.pairwise(rows)]
    verdict = {
        "(a) < 1 s": largest["a_s"] < 1.0,
        "(a) >= 20x faster than (b)": largest["b_s"] / largest["a_s"] >= 20,
        "raking >= 2x faster than weightipy": largest["wpy_same_s"] / largest["rake_s"] >= 2
        and largest["wpy_default_s"] / largest["rake_s"] >= 2,
    }
    lines += [
        "",
        f"Growth of (a) per tenfold n: {', '.join(growth) or 'n/a'}; below 100,000 respondents "
        "the fixed cost of building 100 tables (significance tests, rows) dominates, above it "
        "the counting, which is linear in n.",
        f"Memory at n = {largest['n']:,}: dataset {largest['dataset_mb']:.0f} MB (one byte per "
        f"answer). Building it, raking and running (a) in a fresh process: tracemalloc peak "
        f"{peak[0]:.0f} MB, peak resident set size {peak[1]:.0f} MB (Python, numpy and scipy "
        f"included). Peak RSS of this whole benchmark run, with the pandas copy of the data for "
        f"(b) and weightipy: {rss_mb:.0f} MB.",
        "",
        "Targets at the largest n: "
        + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in verdict.items())
        + ".",
        "",
        "weightipy's default stopping rule can end after a sweep or two on large samples (see "
        "`bench/weighting.py`), hence the difference from its default weights; with the same "
        "number of sweeps the weights agree to rounding.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace (or append) this benchmark's section of docs/benchmarks.md."""
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    DOCS.write_text(updated, encoding="utf-8")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--memory"]:
        _memory_child(int(argv[1]))
        return
    write = "--write" in argv
    sizes = [int(a) for a in argv if a != "--write"] or [10_000, 100_000, 1_000_000]
    rows = []
    for n in sizes:
        rows.append(measure(n))
        print(rows[-1], flush=True)
    peak = memory_peak(sizes[-1])
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = report(rows, peak, rss_mb)
    print(text)
    if write:
        write_section(text)


if __name__ == "__main__":
    main(sys.argv[1:])
