"""Benchmark the data quality checks (issue 20): flagging 100,000 completed responses.

    .venv/bin/python bench/quality.py [--n 100000] [--repeats 3]

The example questionnaire answered by simulated respondents (2,000 walks of the real routing,
repeated up to ``--n`` with fresh open answers and six answers drawn again), with durations
around ten minutes, a quarter of the respondents through an open link, some sharing a device. It
times ``fieldwork.quality.flag_responses`` with every rule on (best of ``--repeats``), and as
the baseline in the same run one frequency table per single choice question of the same data (what a
tab book's tables cost). The target is < 10 s for the flags.

It also times what a completion costs: the flags of the first ``--n`` minus ``--new``
responses extended with the last ``--new`` (``prior``, as ``fieldwork.reviews.quality_flags``
does when responses come in), against flagging all of them again.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--new", type=int, default=100)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from peiling.analysis import Dataset, frequency_table
    from peiling.fieldwork.quality import flag_responses
    from peiling.forms.simulate import simulate_answers
    from peiling.forms.xlsform import read_xlsform

    form = read_xlsform(ROOT / "examples" / "digitalisering-overheid.xlsx")
    rng = random.Random(20)
    walks = [simulate_answers(form, rng) for _ in range(2_000)]
    texts = [q.name for q in form.questions() if q.type == "text"]
    singles = {q.name: [c.name for c in form.choices(q)]
               for q in form.questions() if q.type == "select_one"}
    records = []
    for i in range(args.n):
        record = dict(walks[i % len(walks)])
        for name in texts:
            if name in record:
                record[name] = f"{record[name]} ({i})"  # distinct open answers, as in life
        for name in rng.sample(sorted(singles), 6):  # and varied answers: few twins
            if name in record and name not in ("org_type", "domain", "function"):
                record[name] = rng.choice(singles[name])
        records.append(record)
    started = time.perf_counter()
    dataset = Dataset.from_records(form, records)
    print(f"dataset of {dataset.n:,} respondents built in {time.perf_counter() - started:.1f} s")
    durations = [max(30.0, rng.lognormvariate(6.4, 0.4)) for _ in range(args.n)]
    open_link = [rng.random() < 0.25 for _ in range(args.n)]
    devices = [f"d{rng.randrange(args.n)}" if link else "" for link in open_link]

    def flags() -> float:
        begin = time.perf_counter()
        result = flag_responses(form, dataset, durations=durations, open_link=open_link,
                                devices=devices)
        elapsed = time.perf_counter() - begin
        flags.counts = result.counts()  # type: ignore[attr-defined]
        return elapsed

    closed = [n for n, v in dataset.variables.items()
              if v.kind == "single" and v.question_type is not None]

    def baseline() -> float:
        begin = time.perf_counter()
        for name in closed:
            frequency_table(dataset, name)
        return time.perf_counter() - begin

    cut = args.n - args.new
    before = Dataset.from_records(form, records[:cut])
    after = Dataset.from_records(form, records[cut:])
    prior = flag_responses(form, before, durations=durations[:cut], open_link=open_link[:cut],
                           devices=devices[:cut])

    def extend() -> float:
        begin = time.perf_counter()
        result = flag_responses(form, after, durations=durations[cut:],
                                open_link=open_link[cut:], devices=devices[cut:], prior=prior)
        elapsed = time.perf_counter() - begin
        extend.counts = result.counts()  # type: ignore[attr-defined]
        return elapsed

    extend_time = min(extend() for _ in range(args.repeats))
    flag_time = min(flags() for _ in range(args.repeats))
    base_time = min(baseline() for _ in range(args.repeats))
    print(f"flags of {args.n:,} responses, every rule: {flag_time:.2f} s (target < 10 s)")
    print(f"  flagged per rule: {flags.counts}")  # type: ignore[attr-defined]
    print(f"baseline, {len(closed)} frequency tables of the same data: {base_time:.2f} s")
    print(f"ratio flags / baseline: {flag_time / base_time:.1f}")
    same = extend.counts == flags.counts  # type: ignore[attr-defined]
    print(f"extending the flags of {cut:,} with {args.new:,} new responses: "
          f"{extend_time * 1000:.0f} ms ({extend_time / flag_time:.3f} of flagging all again; "
          f"same counts: {same})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
