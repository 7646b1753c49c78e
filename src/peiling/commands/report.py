"""``peiling report``: the research report of a fieldwork, or of a form plus a data file.

    peiling report FIELDWORK -o rapport.docx
    peiling report FORM.xlsx DATA --banner org_type [--definition rapport.yaml] -o rapport.html

The format follows from the extension of ``-o`` (.html .docx .xlsx .pdf .json), or
``--format``. Anything that stops the run (an unknown variable, a definition with problems, an
unknown fieldwork, an output that cannot be written) is one line on stderr and exit status 2
(1 when the data or the machine is at fault), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from peiling.cli import CommandError, setup_django
from peiling.commands import one_line, read_form

EXIT_USAGE = 2
EXAMPLES = """\
examples:
  peiling report demo -o rapport.docx
  peiling report vragenlijst.xlsx antwoorden.csv --banner org_type -o rapport.html
  peiling report vragenlijst.xlsx antwoorden.csv --definition rapport.yaml -o rapport.pdf
  peiling report vragenlijst.xlsx antwoorden.csv --banner org_type \\
      --banner "ICT=${ict} = 1" -o tabellen.xlsx
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "report",
        help="write the research report (HTML, Word, Excel, PDF or JSON)",
        description="Write the research report of a fieldwork (slug or id), or of an XLSForm "
        "plus a data file: key findings, tables and figures per chapter, quotes and the "
        "methods section.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        metavar="FIELDWORK|FORM.xlsx",
        help="a fieldwork's slug or id, or an XLSForm questionnaire",
    )
    parser.add_argument(
        "data",
        nargs="?",
        type=Path,
        metavar="DATA",
        help="with FORM.xlsx: the answers (.csv, .xlsx, .sav, .parquet)",
    )
    parser.add_argument(
        "--banner",
        action="append",
        default=[],
        metavar="VAR|LABEL=EXPR",
        help="table columns: a variable or LABEL=EXPR; repeatable",
    )
    parser.add_argument(
        "--definition",
        type=Path,
        metavar="FILE.yaml",
        help="a report definition (YAML or JSON), see examples/rapport.yaml",
    )
    parser.add_argument("--filter", metavar="EXPR", help="only respondents for whom EXPR holds")
    parser.add_argument("--language", metavar="LANG", help="label language, e.g. nl or en")
    parser.add_argument(
        "--format",
        choices=("html", "docx", "xlsx", "pdf", "json"),
        help="the format (default: from the extension of -o)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="where to write the report"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()  # the HTML (and so PDF) renderer uses Django's template engine
    from peiling.reports.definition import DefinitionError, ReportDefinition, load_definition
    from peiling.reports.renderers import RenderError, renderer_for, renderer_for_path

    _check_writable(args.output)
    try:
        renderer = renderer_for(args.format) if args.format else renderer_for_path(args.output)
    except RenderError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    definition = ReportDefinition()
    if args.definition is not None:
        try:
            definition = load_definition(args.definition)
        except DefinitionError as error:
            raise CommandError(str(error), EXIT_USAGE) from None
    language = args.language or definition.language
    waves: list = []
    if args.data is not None:
        form, dataset, facts = _file_source(args, definition, language)
    else:
        form, dataset, facts, definition, waves = _fieldwork_source(
            args.source, language, definition, stored=args.definition is None)
    if args.filter:
        _check_filter(dataset, args.filter)
        joined = f"({definition.filter}) and ({args.filter})" if definition.filter else args.filter
        definition = replace(definition, filter=joined)
    report = _build(form, dataset, facts, definition, args.banner, waves)
    for problem in report.problems:
        print(f"peiling report: warning: {problem}", file=sys.stderr)
    try:
        data = renderer.render(report)
    except RenderError as error:
        raise CommandError(str(error), 1) from None
    try:
        args.output.write_bytes(data)
    except OSError as error:
        raise CommandError(f"{args.output}: cannot write ({error.strerror})", EXIT_USAGE) from None
    print(
        f"peiling report: wrote {args.output} ({len(report.tables())} tables, "
        f"{len(report.figures())} figures)"
    )
    return 0


def _check_filter(dataset, expression: str) -> None:
    from peiling.analysis import DatasetError

    try:
        dataset.evaluate(expression)
    except DatasetError as error:
        raise CommandError(f"--filter: {one_line(str(error))}", EXIT_USAGE) from None


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CommandError(f"{path}: is a folder; give a file name such as rapport.html", 2)
    if not folder.is_dir():
        raise CommandError(f"{path}: cannot write (no folder {str(folder)!r})", EXIT_USAGE)
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CommandError(f"{path}: cannot write (permission denied)", EXIT_USAGE)


def _file_source(args: argparse.Namespace, definition, language):
    from peiling.exchange import ReadError, read_data
    from peiling.reports.facts import data_facts

    form_path = Path(args.source)
    if form_path.suffix.lower() != ".xlsx":
        raise CommandError(
            f"{form_path}: with DATA, the first argument is the XLSForm questionnaire (.xlsx)",
            EXIT_USAGE,
        )
    form = read_form(form_path)
    try:
        result = read_data(args.data, form, language=language)
    except ReadError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    for line in result.report.lines():
        print(f"peiling report: warning: {line}", file=sys.stderr)
    try:
        dataset, facts = data_facts(result.dataset, definition)
    except ValueError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    return form, dataset, facts


def _fieldwork_source(reference: str, language: str | None, definition, *, stored: bool):
    """The fieldwork's answers and facts, the definition to use (the one given, else the
    study's own, kept in the web app's report builder, else the default), and the study's
    waves up to this fieldwork (for the chapter "Ontwikkeling")."""
    from peiling.reports.facts import weighted
    from peiling.reports.selectors import ReportSourceError, report_source, stored_definition
    from peiling.reports.waves import waves_up_to

    if reference.lower().endswith((".xlsx", ".xls")):
        raise CommandError(f"{reference}: a questionnaire needs a DATA file after it", 2)
    try:
        source = report_source(reference=reference, language=language)
        own = stored_definition(fieldwork=source.fieldwork) if stored else None
    except ReportSourceError as error:
        raise CommandError(str(error), 1) from None
    if own is not None:
        print("peiling report: using the study's report definition (--definition FILE to "
              "use another)", file=sys.stderr)
        definition = own
    try:
        dataset, facts = weighted(source.dataset, definition, source.facts)
    except ValueError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    return (source.form, dataset, facts, definition,
            waves_up_to(fieldwork=source.fieldwork) if source.fieldwork is not None else [])


def _build(form, dataset, facts, definition, banner: list[str], waves=()):
    from peiling.analysis import DatasetError, TableError, make_banner
    from peiling.reports.build import build_report
    from peiling.reports.definition import DefinitionError, check_definition
    from peiling.reports.selectors import default_banner

    if banner:
        try:
            make_banner(dataset, banner)
        except (DatasetError, TableError) as error:
            raise CommandError(f"--banner: {one_line(str(error))}", EXIT_USAGE) from None
        definition = definition.with_banner(banner)
    elif definition.banner is None:
        definition = definition.with_banner(default_banner(form))
    extra = [name for name in dataset.variables if dataset.variable(name).question_type is None]
    try:
        check_definition(definition, form, extra=extra)
        return build_report(form, dataset, definition, facts, waves=waves)
    except DefinitionError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except (DatasetError, TableError) as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
