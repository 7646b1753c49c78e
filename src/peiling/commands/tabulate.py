"""``peiling tabulate``: tables of a data file against a banner, without a database.

Reads the questionnaire (XLSForm) and the data (CSV, XLSX, SPSS .sav, Parquet), weights it if
asked, tabulates every closed question (or those named) and prints text or JSON, or writes an
Excel workbook. Problems in the data are printed as warnings; anything that stops the run is one
line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peiling.cli import CommandError
from peiling.commands import one_line, read_form

if TYPE_CHECKING:  # the analysis stack loads only when the command runs, not for --help
    import numpy as np

    from peiling.analysis import Dataset, Table

EXIT_USAGE = 2
TARGETS_HELP = """\
TARGETS.csv (for --rake) has a header row and one row per category:

    variable,category,target
    org_type,gemeente,0.40
    org_type,rijk,0.35
    org_type,overig,0.25

variable is a single choice question (or a categorical column of the data), category one of
its choice names, target its share of the population: proportions summing to 1 or
percentages summing to 100 per variable. ';' works as separator too. Every respondent needs an
answer on every raking variable."""

EXAMPLES = """\
examples:
  peiling tabulate vragenlijst.xlsx antwoorden.csv --banner org_type
  peiling tabulate vragenlijst.xlsx data.sav --banner org_type \\
      --banner "ICT gemeenten=${ict} = 1 and ${org_type} = 'gemeente'" \\
      --filter "${org_type} != 'overig'" --rake doelen.csv --format xlsx -o tabellen.xlsx
  peiling tabulate monitor.xlsx 2008.csv 2012.csv 2015.csv --by-wave --threshold 6
  peiling tabulate monitor.xlsx 2008.csv 2015.csv --banner golf   # the waves stacked
  peiling tabulate burgerpeiling-2021 burgerpeiling-2025 --by-wave  # fieldworks as waves
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "tabulate",
        help="tabulate a data file against a banner (text, JSON or Excel)",
        description="Tabulate every closed question of FORM (or those named) in DATA against a\n"
        "banner: column percentages with bases, significance letters and a total column.",
        epilog=EXAMPLES + "\n" + TARGETS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("form", type=Path, metavar="FORM.xlsx",
                        help="the XLSForm questionnaire; or, instead of FORM and DATA, the "
                        "short names of fieldworks (the waves of a study, oldest first)")
    parser.add_argument("data", type=Path, metavar="DATA", nargs="+",
                        help=".csv, .xlsx, .sav or .parquet; several: the waves of a monitor, "
                        "oldest first (stacked, with the variable golf)")
    parser.add_argument("--waves", metavar="L1,L2", help="the waves' labels (default: the "
                        "files' names)")
    parser.add_argument("--by-wave", action="store_true",
                        help="trend tables: a column per wave, the change from the previous "
                        "and the first wave tested")
    parser.add_argument("--threshold", type=float, metavar="X",
                        help="with --by-wave: the share below X of numeric questions too "
                        "(default: the threshold stored with the study, else 6 for a grade "
                        "from 1 to 10)")
    parser.add_argument(
        "--banner",
        action="append",
        default=[],
        metavar="VAR|LABEL=EXPR",
        help="a banner variable (a column per category) or LABEL=EXPR (one column); repeatable",
    )
    parser.add_argument("--filter", metavar="EXPR", help="only respondents for whom EXPR holds")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--weight", metavar="VAR", help="a numeric column holding the weights")
    weights.add_argument(
        "--rake", type=Path, metavar="TARGETS.csv", help="rake to targets (format below)"
    )
    parser.add_argument("--questions", metavar="Q1,Q2", help="tabulate only these questions")
    parser.add_argument(
        "--dont-know",
        choices=("include", "exclude"),
        default="include",
        help="keep 'weet niet' answers in the base (default) or leave them out",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (0.05)")
    parser.add_argument("--language", metavar="LANG", help="label language, e.g. nl or en")
    parser.add_argument(
        "--counts", action="store_true", help="add unweighted counts (text: after each percentage)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "xlsx"),
        default="text",
        help="text (default), json (a list of tables) or xlsx (a sheet per table; needs -o)",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from peiling.analysis import DatasetError, TableError, WeightingError, make_banner, tabulate
    from peiling.exchange import ReadError, read_data
    from peiling.reports.text import pipe_values, question_text

    if args.format == "xlsx" and args.output is None:
        raise CommandError("--format xlsx writes a workbook: give -o FILE.xlsx", EXIT_USAGE)
    if not 0 < args.alpha < 1:
        raise CommandError(f"--alpha must be between 0 and 1 (got {args.alpha})", EXIT_USAGE)
    if args.by_wave and args.format == "xlsx":
        raise CommandError("--by-wave writes text or json, not xlsx", EXIT_USAGE)
    if args.threshold is not None and not args.by_wave:
        raise CommandError("--threshold goes with --by-wave", EXIT_USAGE)
    maps: list[Any] = []
    if args.form.suffix.lower() not in (".xlsx", ".xls"):
        form, datasets, names, maps, thresholds = _fieldworks(
            [str(args.form), *map(str, args.data)], args.language)
        labels = _wave_labels(args, names)
    else:
        form, thresholds = read_form(args.form), {}
        labels = _wave_labels(args, [path.stem for path in args.data])
        datasets = []
        for path in args.data:
            try:
                result = read_data(path, form, language=args.language)
            except ReadError as error:
                raise CommandError(str(error), EXIT_USAGE) from None
            for line in result.report.lines():
                print(f"peiling tabulate: warning: {line}", file=sys.stderr)
            datasets.append(result.dataset)
    questions = None
    if args.questions:
        questions = [q.strip() for q in args.questions.split(",") if q.strip()]
    try:
        # Each wave is weighted on its own (raked to the targets in its own sample).
        for i, dataset in enumerate(datasets):
            if args.weight:
                datasets[i] = dataset.with_weights(_weight_column(dataset, args.weight))
            elif args.rake:
                datasets[i] = dataset.with_weights(_rake(dataset, args.rake))
        if args.by_wave:
            _write_trends(datasets, labels, maps, form, questions, thresholds, args)
            return 0
        dataset = datasets[0] if len(datasets) == 1 else _stacked(datasets, labels, maps)
        banner = make_banner(dataset, args.banner)
        tables = tabulate(
            dataset,
            questions,
            banner,
            filter=args.filter,
            dont_know=args.dont_know,
            alpha=args.alpha,
            counts=args.counts,
        )
    except (DatasetError, TableError, WeightingError) as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    # Titles as the report prints them: "in uw ${org_word}" -> "in uw <gemeente / organisatie>".
    pipes = pipe_values(dataset)
    tables = [dataclasses.replace(table, title=question_text(table.title, pipes))
              for table in tables]  # fmt: skip
    _write(tables, args)
    return 0


def _fieldworks(references: list[str], language: str | None):
    """The questionnaire of the newest of the fieldworks ``references`` (short names), their
    completed answers, their names, the mappings of their study that concern them, and the
    thresholds of "onvoldoende" stored with the study."""
    from peiling.cli import setup_django

    setup_django()
    from peiling.exchange.services import ExportError, fieldwork_export_data, fieldwork_find
    from peiling.reports.waves import stored_maps, thresholds

    found, datasets = [], []
    try:
        for reference in references:
            fieldwork = fieldwork_find(reference=reference)
            datasets.append(fieldwork_export_data(fieldwork=fieldwork, language=language,
                                                  codes=False).dataset)
            found.append(fieldwork)
    except ExportError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    names = [f.name for f in found]
    # Named by position: the waves may be relabelled with --waves.
    maps = stored_maps(fieldworks=found, labels=[str(i) for i in range(len(found))])
    newest = max(found, key=lambda f: f.opens_at)
    return (newest.form_version.form, datasets, names, maps,
            thresholds(questionnaire=newest.form_version.questionnaire))


def _wave_labels(args: argparse.Namespace, names: list[str]) -> list[str]:
    if args.waves is None:
        labels = names
    else:
        labels = [label.strip() for label in args.waves.split(",")]
        if len(labels) != len(names):
            raise CommandError(f"--waves names {len(labels)} waves for {len(names)} data "
                               "files", EXIT_USAGE)
    if len(set(labels)) != len(labels) or not all(labels):
        raise CommandError(f"the waves need labels of their own (got {', '.join(labels)}); "
                           "give --waves L1,L2", EXIT_USAGE)
    if args.by_wave and len(labels) < 2:
        raise CommandError("--by-wave needs the data of two waves or more", EXIT_USAGE)
    return labels


def _waves(datasets: list[Dataset], labels: list[str], maps: list[Any]) -> list[Any]:
    from peiling.analysis.trends import TrendError, Wave, harmonise

    waves = [Wave(label, d) for label, d in zip(labels, datasets, strict=True)]
    if not maps:
        return waves
    try:
        return harmonise(waves, [replace(m, wave=labels[int(m.wave)]) for m in maps])
    except TrendError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None


def _stacked(datasets: list[Dataset], labels: list[str], maps: list[Any]) -> Dataset:
    from peiling.analysis.trends import TrendError, stack

    try:
        return stack(_waves(datasets, labels, maps))
    except TrendError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None


def _write_trends(datasets: list[Dataset], labels: list[str], maps: list[Any], form: Any,
                  questions: list[str] | None, thresholds: dict[str, float],
                  args: argparse.Namespace) -> None:
    """Trend tables; a numeric question's "onvoldoende" row starts below --threshold, else
    below the threshold stored for it with the study, else below 6 for a grade."""
    from peiling.analysis.trends import TrendError, grade_threshold, trend_table

    waves = _waves(datasets, labels, maps)
    if questions is None:
        questions = [q.name for q in form.questions()
                     if any(q.name in d.variables and d.variable(q.name).kind in
                            ("single", "multiple", "numeric") for d in datasets)]
    try:
        tables = [trend_table(waves, name, alpha=args.alpha, threshold=(
            args.threshold if args.threshold is not None
            else thresholds.get(name, grade_threshold(waves, name)))) for name in questions]
    except TrendError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    if args.format == "json":
        text = json.dumps([dataclasses.asdict(t) for t in tables], ensure_ascii=False,
                          indent=2, default=str) + "\n"
    else:
        text = "\n\n".join(render_trend(t) for t in tables) + "\n"
    _emit(text, args.output)


def _emit(text: str, output: Path | None) -> None:
    """Print ``text``, or write it to ``output``."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{output}: cannot write ({error.strerror})", 2) from None


def render_trend(table: Any) -> str:
    """Return a trend table as aligned plain text: a column per wave with its base, the
    values with ▲/▼ (change from the previous wave) and △/▽ (from the first), the footnote."""
    from peiling.analysis.trends import NOT_ASKED

    heads = [(label, f"n = {base}" if asked else NOT_ASKED)
             for label, base, asked in zip(table.waves, table.bases, table.asked, strict=True)]
    body = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row.values):
            if value is None:
                cells.append("–")
                continue
            text = (f"{value:.0f}%" if row.kind in ("share", "below")
                    else f"{value:.1f}".replace(".", ","))
            earlier = [j for j in range(i) if row.values[j] is not None]
            marks = {1: "▲", -1: "▼"}.get(row.previous[i], "")
            if len(earlier) > 1:  # the first wave is not the previous one
                marks += {1: "△", -1: "▽"}.get(row.first[i], "")
            cells.append(f"{text}{marks}")
        body.append((row.label, cells))
    width = max([len(label) for label, _ in body] + [10])
    widths = [max(len(h[0]), len(h[1]), *(len(c[i]) for _, c in body))
              for i, h in enumerate(heads)]
    lines = [f"{table.name} — {table.title}" if table.title else table.name]
    for part in (0, 1):
        lines.append((" " * width + "".join("  " + h[part].rjust(w)
                                             for h, w in zip(heads, widths, strict=True)))
                     .rstrip())
    for label, cells in body:
        lines.append(label.ljust(width) + "".join("  " + c.rjust(w)
                                                  for c, w in zip(cells, widths, strict=True)))
    lines.append(table.footnote)
    return "\n".join(lines)


def _weight_column(dataset: Dataset, name: str) -> np.ndarray:
    import numpy as np

    variable = dataset.variable(name)
    if variable.kind != "numeric":
        raise CommandError(f"--weight {name}: a weight must be numeric (got {variable.kind})", 2)
    weights = dataset.numbers(name)
    bad = np.flatnonzero(np.isnan(weights) | (weights < 0))
    if bad.size:
        raise CommandError(
            f"--weight {name}: {bad.size} respondents have no valid weight "
            f"(empty or negative; e.g. respondent {bad[0] + 1})",
            EXIT_USAGE,
        )
    return weights


def read_targets(path: Path) -> dict[str, dict[str, float]]:
    """Read TARGETS.csv (``variable,category,target``) into variable -> category -> share.

    Raises ``CommandError`` (status 2) naming the line of the first problem.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read the targets ({error})", EXIT_USAGE) from None
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows or [c.strip().lower() for c in rows[0]] != ["variable", "category", "target"]:
        raise CommandError(f"{path}:1: expected the header 'variable,category,target'", 2)
    targets: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise CommandError(f"{path}:{line}: expected 3 fields (got {len(row)})", 2)
        variable, category, target = (cell.strip() for cell in row)
        try:
            share = float(target.replace(",", ".") if delimiter == ";" else target)
        except ValueError:
            raise CommandError(f"{path}:{line}: target {target!r} is not a number", 2) from None
        if share < 0:
            raise CommandError(f"{path}:{line}: target {share:g} is negative", EXIT_USAGE)
        if category in targets.setdefault(variable, {}):
            raise CommandError(f"{path}:{line}: {variable}/{category} is given twice", 2)
        targets[variable][category] = share
    for variable, shares in targets.items():
        total = sum(shares.values())
        scale = 100.0 if abs(total - 100.0) < 1e-6 * 100 else 1.0
        if abs(total - scale) > 1e-6 * scale:
            raise CommandError(
                f"{path}: the targets of {variable!r} sum to {total:g}; expected 1 or 100", 2
            )
        targets[variable] = {c: s / scale for c, s in shares.items()}
    if not targets:
        raise CommandError(f"{path}: no targets", EXIT_USAGE)
    return targets


def _rake(dataset: Dataset, path: Path) -> np.ndarray:
    from peiling.analysis import rake

    targets = read_targets(path)
    codes: dict[str, np.ndarray] = {}
    coded: dict[str, Mapping[int, float]] = {}
    for name, shares in targets.items():
        variable = dataset.variable(name)
        if variable.kind != "single":
            raise CommandError(f"{path}: raking variable {name!r} is {variable.kind}", 2)
        try:
            coded[name] = {variable.code_of(c): share for c, share in shares.items()}
        except ValueError as error:
            raise CommandError(f"{path}: {error}", EXIT_USAGE) from None
        codes[name] = dataset.codes(name)
    result = rake(codes, coded)
    for line in result.summary():
        print(f"peiling tabulate: {line}", file=sys.stderr)
    if not result.converged:
        raise CommandError(f"raking did not converge: {'; '.join(result.notes)}", 1)
    return result.weights


# -- output -------------------------------------------------------------------------------------


def _write(tables: Sequence[Table], args: argparse.Namespace) -> None:
    if args.format == "xlsx":
        write_xlsx(tables, args.output)
        return
    if args.format == "json":
        text = json.dumps([t.to_dict() for t in tables], ensure_ascii=False, indent=2) + "\n"
    elif args.format == "text":
        text = "\n\n".join(render_text(t, counts=args.counts) for t in tables) + "\n"
    else:
        raise ValueError(f"format must be one of ('text', 'json', 'xlsx') (got {args.format!r})")
    _emit(text, args.output)


def _cell(value: float | int | None, row_kind: str, decimals: int) -> str:
    if value is None:
        return "-"
    if row_kind == "net_score":
        return f"{value:+d}" if isinstance(value, int) else f"{value:+.{decimals}f}"
    if row_kind == "statistic":
        return f"{value:.{decimals}f}".replace(".", ",")
    return f"{value}%"


def render_text(
    table: Table, *, counts: bool = False, label_width: int = 40, head_width: int = 14
) -> str:
    """Return ``table`` as aligned plain text: title, heads with n, values, marks, notes.

    Values are right-aligned under their column head; significance letters and ▲/▼ follow
    each value in a slot of their own, so the numbers stay aligned. Row labels wrap at
    ``label_width`` characters and column heads at ``head_width``; nothing is cut off.
    """
    data = table.to_dict()
    lines = [f"{table.name} — {table.title}" if table.title else table.name]
    if table.filter:
        lines.append(f"Filter: {table.filter}")
    columns = data["columns"]
    wrapped_heads = [textwrap.wrap(c["label"], head_width) or [""] for c in columns]
    depth = max((len(h) for h in wrapped_heads), default=1)
    heads = [
        [""] * (depth - len(label)) + label + [f"({c['letter']})" if c["letter"] else "",
                                               _base_text(c)]
        for label, c in zip(wrapped_heads, columns, strict=True)
    ]  # fmt: skip
    body: list[tuple[str, list[tuple[str, str]]]] = []
    for row in data["rows"]:
        cells = []
        for i, value in enumerate(row["values"]):
            text = _cell(value, row["kind"], 1)
            if counts and row["counts"] is not None:
                text += f" ({row['counts'][i]})"
            mark = {1: "▲", -1: "▼"}.get(row["rest"][i], "") if row["rest"] else ""
            letters = row["sig"][i] if row["sig"] else ""
            cells.append((text, " ".join(x for x in (letters, mark) if x)))
        body.append((row["label"], cells))
    value_widths = [
        max([len(line) for line in heads[i]] + [len(cells[i][0]) for _, cells in body])
        for i in range(len(columns))
    ]
    mark_widths = [max([len(cells[i][1]) for _, cells in body] + [0]) for i in range(len(columns))]
    width = min(label_width, max([len(label) for label, _ in body] + [10]))

    def line(label: str, parts: list[tuple[str, str]]) -> str:
        cells = [
            "  " + text.rjust(wv) + ((" " + mark.ljust(wm)) if wm else "")
            for (text, mark), wv, wm in zip(parts, value_widths, mark_widths, strict=True)
        ]
        return (label.ljust(width) + "".join(cells)).rstrip()

    for part in range(depth + 2):
        lines.append(line("", [(h[part], "") for h in heads]))
    for label, cells in body:
        wrapped = textwrap.wrap(label, width) or [""]
        lines.extend(wrapped[:-1])
        lines.append(line(wrapped[-1], cells))
    lines.extend(table.notes)
    return "\n".join(lines)


def _base_text(column: Mapping[str, Any]) -> str:
    return f"n={column['base']}" + ("*" if column["small_base"] else "")


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """Write one sheet per table (``exchange.tablebook``)."""
    from peiling.exchange.tablebook import tables_workbook

    try:
        path.write_bytes(tables_workbook(tables))
    except OSError as error:
        raise CommandError(f"{path}: cannot write ({error.strerror})", EXIT_USAGE) from None
