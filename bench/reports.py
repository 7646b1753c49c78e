"""Benchmark the demo report: build once, then render every format, at 1,415 and 100,000.

Usage: ``.venv/bin/python bench/reports.py [n ...]`` (default 1,415 and 100,000).

The demo report is the default report of the example questionnaire: every closed question,
banner by type of organisation, the statement tables in an appendix (42 tables, 11 figures).
Respondents are simulated as the reference report's shares (``peiling.reports.simulated``);
above 5,000 the rows of 5,000 simulated respondents are drawn again with replacement, since
simulating takes ~1 ms a respondent and is not what is measured.

Timed, best of ``--repeat`` runs each: ``build`` (all tables, findings, methods: the analysis
engine's work) and each format on its own (a fresh chart cache, as one ``peiling report`` run
makes one format). "All four, separately" is build + HTML + Word + Excel + PDF, each with its
own charts; "all four, one run" renders the four in one go with one chart cache (the SVGs of
the HTML serve the PDF). The targets are under 10 s at 1,415 and under 30 s at 100,000.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
EXAMPLE = ROOT / "examples" / "digitalisering-overheid.xlsx"
FORMATS = ("html", "docx", "xlsx", "pdf", "json")
SIMULATED = 5_000


def best(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def dataset_of(form, n: int):
    from peiling.analysis import Dataset
    from peiling.reports.simulated import simulated_records

    records = simulated_records(form, min(n, SIMULATED), seed=2018)
    if n > len(records):
        rng = random.Random(1)
        records = [records[rng.randrange(len(records))] for _ in range(n)]
    return Dataset.from_records(form, records, language="nl")


def run(n: int, repeat: int) -> dict[str, float]:
    from peiling.forms.xlsform import read_xlsform
    from peiling.reports.build import build_report
    from peiling.reports.definition import ReportDefinition
    from peiling.reports.model import MethodsFacts, SourceCount
    from peiling.reports.renderers import Assets, renderer_for

    form = read_xlsform(EXAMPLE)
    dataset = dataset_of(form, n)
    definition = ReportDefinition(population="ambtenaren", appendix=True).with_banner(["org_type"])
    panel = round(n * 0.77)
    facts = MethodsFacts(n=n, start=datetime.date(2018, 2, 27), end=datetime.date(2018, 3, 8),
                         sources=(SourceCount("panel", "het panel", panel),
                                  SourceCount("open", "de open link", n - panel)))  # fmt: skip
    seconds, report = best(lambda: build_report(form, dataset, definition, facts), repeat)
    times = {"build": seconds}
    for fmt in FORMATS:
        renderer = renderer_for(fmt)
        times[fmt], data = best(lambda r=renderer: r.render(report, assets=Assets()), repeat)
        times[f"{fmt} bytes"] = len(data)
    def together() -> None:
        assets = Assets()  # one chart cache: the SVGs drawn for HTML serve the PDF too
        for fmt in ("html", "docx", "xlsx", "pdf"):
            renderer_for(fmt).render(report, assets=assets)

    times["together"], _ = best(together, repeat)
    times["tables"], times["figures"] = len(report.tables()), len(report.figures())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1415, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("PEILING_SECURE", "0")
    from peiling.cli import setup_django

    setup_django()
    print(f"# bench/reports.py, {datetime.date.today()}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")  # fmt: skip
    print("| n | tables | figures | build | HTML | Word | Excel | PDF | JSON | all four, "
          "separately | all four, one run |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        t = run(n, args.repeat)
        total = t["build"] + t["html"] + t["docx"] + t["xlsx"] + t["pdf"]
        print(f"| {n:,} | {t['tables']} | {t['figures']} | {t['build']:.2f} | {t['html']:.2f} | "
              f"{t['docx']:.2f} | {t['xlsx']:.2f} | {t['pdf']:.2f} | {t['json']:.2f} | "
              f"{total:.2f} | {t['build'] + t['together']:.2f} |", flush=True)  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Load average (1 min) at the end: {load:.1f}")


if __name__ == "__main__":
    main()
