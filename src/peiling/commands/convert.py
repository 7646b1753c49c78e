"""``peiling convert``: label data from elsewhere with its XLSForm, in any export format.

Reads DATA (a KoboToolbox, ODK or LimeSurvey export: CSV, XLSX, SPSS .sav or Parquet) with
``peiling.exchange.readers`` against FORM, prints what did not fit as warnings, and writes it
with the same writers as ``peiling export`` — the format from the extension of ``-o FILE``. No
database is used. Exit status 2 for wrong input, 1 when the file cannot be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from peiling.cli import CommandError
from peiling.commands import one_line, read_form
from peiling.commands.export import (
    EXIT_OUTPUT,
    EXIT_USAGE,
    FORMAT_HELP,
    add_write_options,
    resolve_format,
    warn,
    write_options,
)
from peiling.exchange.readers import ReadError, read_data
from peiling.exchange.writers import (
    ExportData,
    ExportError,
    OutputError,
    check_output,
    get_writer,
)

EXAMPLES = """\
examples:
  peiling convert vragenlijst.xlsx kobo-export.csv -o antwoorden.sav
  peiling convert vragenlijst.xlsx antwoorden.sav -o antwoorden.csv --delimiter ';' --bom
  peiling convert vragenlijst.xlsx antwoorden.csv -o codeboek.html

formats (from the extension of FILE):
""" + "\n".join(f"  {name:<8} {text}" for name, text in FORMAT_HELP.items())


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "convert",
        help="write a data file with its XLSForm's labels as sav, csv, xlsx, parquet, html, pdf",
        description="Read DATA against the questionnaire FORM and write it, fully labelled, "
        "to FILE; the format follows FILE's extension.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("form", type=Path, metavar="FORM.xlsx", help="the XLSForm questionnaire")
    parser.add_argument("data", type=Path, metavar="DATA", help=".csv, .xlsx, .sav or .parquet")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", required=True, help="the file to write"
    )
    add_write_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    format = resolve_format(None, args.output)
    options = write_options(args)
    writer = get_writer(format)
    try:
        writer.check(options)
        check_output(args.output)
    except OutputError as error:
        raise CommandError(str(error), EXIT_OUTPUT) from None
    except ExportError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    form = read_form(args.form)
    try:
        result = read_data(args.data, form, language=args.language)
    except ReadError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    if result.dataset.n and not result.report.used_columns:
        expected = ", ".join(v for v in list(result.dataset.variables)[:3])
        raise CommandError(
            f"{args.data}: none of its columns is a question of {args.form} (expected columns "
            f"such as {expected}); is it the right questionnaire?",
            EXIT_USAGE,
        )
    warn("convert", result.report.lines())
    data = ExportData(
        dataset=result.dataset,
        form=form,
        language=form.language(args.language),
        origin=args.data.name,
    )
    try:
        report = writer.write(data, args.output, options)
    except OutputError as error:
        raise CommandError(str(error), EXIT_OUTPUT) from None
    except ExportError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    warn("convert", report.lines())
    print(f"wrote {report.path}: {report.rows} rows, {len(report.columns)} columns")
    return 0
