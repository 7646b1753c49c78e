"""Benchmark trend tables (issue 22): 40 questions x 8 waves x 100,000 responses per wave,
weighted, in under 3 s.

    .venv/bin/python bench/trends.py [--waves 8] [--n 100000] [--questions 40]

Each wave is a ``Dataset`` of its own (numpy columns made here: 30 single choice questions of
five answers and 10 report-card grades from 1 to 10, shares drifting a little from wave to
wave) with weights of its own (uniform 0.3 to 3). Timed: ``analysis.trends.trend_table`` for
every question (the grades with the share "onvoldoende" below 6). Baseline in the same run:
the crosstab totals the trends stand on, ``frequency_table`` / ``numeric_table`` of every
question in every wave, without the change tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from peiling.analysis import Category, Dataset, Variable  # noqa: E402
from peiling.analysis.tables import frequency_table, numeric_table  # noqa: E402
from peiling.analysis.trends import Wave, trend_table  # noqa: E402

CHOICES = tuple(Category(f"c{i}", f"Antwoord {i}") for i in range(5))


def _waves(count: int, n: int, questions: int) -> list[Wave]:
    rng = np.random.default_rng(2008)
    grades = questions // 4
    waves = []
    for w in range(count):
        variables, columns = [], {}
        for q in range(questions - grades):
            p = np.array([0.3, 0.25, 0.2, 0.15, 0.1]) + 0.01 * w * np.array([1, 0, 0, 0, -1])
            variables.append(Variable(f"v{q}", "single", label=f"Vraag {q}", categories=CHOICES))
            columns[f"v{q}"] = rng.choice(5, size=n, p=p / p.sum()).astype(np.int8)
        for q in range(grades):
            variables.append(Variable(f"cijfer{q}", "numeric", label=f"Rapportcijfer {q}"))
            columns[f"cijfer{q}"] = np.clip(np.round(rng.normal(6.7 + 0.03 * w, 1.2, n)), 1, 10)
        weights = rng.uniform(0.3, 3.0, size=n)
        waves.append(Wave(str(2008 + w), Dataset(variables, columns, weights=weights)))
    return waves


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waves", type=int, default=8)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    waves = _waves(args.waves, args.n, args.questions)
    made = time.perf_counter() - started
    names = list(waves[0].dataset.variables)
    print(f"{args.questions} questions x {args.waves} waves x {args.n:,} responses, weighted "
          f"(made in {made:.1f} s); {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}")

    started = time.perf_counter()
    for wave in waves:
        for name in names:
            if name.startswith("cijfer"):
                numeric_table(wave.dataset, name, significance=False)
            else:
                frequency_table(wave.dataset, name, significance=False)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    tables = [trend_table(waves, name, threshold=6 if name.startswith("cijfer") else None)
              for name in names]
    elapsed = time.perf_counter() - started
    rises = sum(1 for t in tables for r in t.rows if r.previous[-1] == 1)
    print(f"trend tables: {elapsed:.2f} s (target < 3 s: {'met' if elapsed < 3 else 'NOT met'}); "
          f"{len(tables)} tables, {rises} rows significantly up in the last wave")
    print(f"  baseline, the crosstab totals alone: {baseline:.2f} s "
          f"(ratio {elapsed / baseline:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
