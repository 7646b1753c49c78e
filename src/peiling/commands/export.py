"""``peiling export``: a fieldwork's responses as SPSS, CSV, Excel or Parquet, or its codebook.

The format comes from ``--format`` or from the extension of ``-o FILE``; without ``-o`` the
file is ``FIELDWORK.<format>`` in the current directory. Notices (labels cut to SPSS's limits,
cells neutralised) are printed as warnings; anything that stops the export is one line on
stderr: exit status 2 for wrong input, 1 when the file cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from peiling.cli import CommandError, setup_django
from peiling.commands import one_line
from peiling.exchange.writers import (
    SUFFIXES,
    ExportError,
    OutputError,
    UnknownFormat,
    WriteOptions,
    format_for_path,
    get_writer,
)

EXIT_USAGE = 2
EXIT_OUTPUT = 1
FORMAT_HELP = {
    "sav": "SPSS, codes with value and variable labels, missing values, MR sets",
    "csv": "UTF-8, ODK/KoboToolbox columns (q and q/choice)",
    "xlsx": "Excel: data sheet and codebook sheet",
    "parquet": "typed, categorical columns; labels in the schema",
    "html": "codebook: every variable's text, choices, routing and base",
    "pdf": "the codebook printed by headless Chromium",
}
EXAMPLES = """\
examples:
  peiling export digitalisering-2018 --format sav
  peiling export digitalisering-2018 -o antwoorden.csv --delimiter ';' --bom
  peiling export digitalisering-2018 -o codeboek.pdf
  peiling export digitalisering-2018 --format xlsx --labels labels --include-partial --paradata

formats:
""" + "\n".join(f"  {name:<8} {text}" for name, text in FORMAT_HELP.items())


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "export",
        help="export a fieldwork's responses (sav, csv, xlsx, parquet) or codebook (html, pdf)",
        description="Write the completed responses of FIELDWORK to a file, with the labels of "
        "its questionnaire. Contact data is never exported; open answers show possible "
        "personal data masked until a researcher releases them.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("fieldwork", metavar="FIELDWORK", help="the fieldwork's short name")
    parser.add_argument("waves", metavar="FIELDWORK", nargs="*",
                        help="more fieldworks: the waves of a study, oldest first, written "
                        "as one file with the variable golf (the study's mappings applied)")
    parser.add_argument("--format", choices=tuple(FORMAT_HELP), help="default: from -o FILE")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="the file to write")
    add_write_options(parser)
    parser.add_argument(
        "--include-partial", action="store_true", help="also responses not (yet) completed"
    )
    parser.add_argument(
        "--include-excluded", action="store_true",
        help="also responses the data quality review excluded, with the column _excluded "
        "(implies --paradata)",
    )
    parser.add_argument(
        "--paradata",
        action="store_true",
        help="add source, status, start/end time, duration, device and language columns",
    )
    parser.set_defaults(func=run)


def _waves(args: argparse.Namespace, format: str, options: Any, output: Path) -> int:
    """Several fieldworks as one file, stacked by wave."""
    from peiling.exchange import services
    from peiling.openanswers.services import personal_data_scan
    from peiling.reports.waves import waves_export

    if args.include_partial or args.include_excluded or args.paradata:
        raise CommandError("the waves of a study are exported with their completed "
                           "responses only (no --include-partial, --include-excluded or "
                           "--paradata)", EXIT_USAGE)
    references = [args.fieldwork, *args.waves]
    try:
        for reference in references:
            personal_data_scan(fieldwork=services.fieldwork_find(reference=reference))
        report = waves_export(references=references, format=format, path=output,
                              options=options)
    except OutputError as error:
        raise CommandError(str(error), EXIT_OUTPUT) from None
    except ExportError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    for reference in references:
        _audit(reference, output)
    warn("export", report.lines())
    print(f"wrote {report.path}: {report.rows} responses of {len(references)} waves, "
          f"{len(report.columns)} columns")
    return 0


def add_write_options(parser: argparse.ArgumentParser) -> None:
    """Add the options ``export`` and ``convert`` share."""
    parser.add_argument(
        "--labels",
        choices=("names", "labels"),
        default="names",
        help="choice names (default; readable by 'peiling tabulate') or labels (csv, xlsx, "
        "parquet)",
    )
    parser.add_argument(
        "--delimiter", choices=(",", ";"), default=",", help="CSV separator; ';' for Dutch Excel"
    )
    parser.add_argument("--bom", action="store_true", help="CSV: start with a BOM, for Excel")
    parser.add_argument("--language", metavar="LANG", help="label language, e.g. nl or en")


def write_options(args: argparse.Namespace) -> WriteOptions:
    """Return the ``WriteOptions`` the shared options ask for."""
    try:
        return WriteOptions(values=args.labels, delimiter=args.delimiter, bom=args.bom)
    except ExportError as error:
        raise CommandError(str(error), EXIT_USAGE) from None


def resolve_format(format: str | None, output: Path | None) -> str:
    """Return the format asked for, checked against the extension of ``output``."""
    if output is not None and output.suffix.lower() in SUFFIXES:
        implied = format_for_path(output)
        if format is not None and format != implied:
            raise CommandError(
                f"-o {output} is a .{implied} file name, but --format is {format}; make them agree",
                EXIT_USAGE,
            )
        return implied
    if format is not None:
        return format
    if output is None:
        raise CommandError("give --format, or -o FILE with a known extension", EXIT_USAGE)
    try:
        return format_for_path(output)
    except UnknownFormat as error:
        raise CommandError(f"{error} (or give --format)", EXIT_USAGE) from None


def warn(command: str, lines: Iterable[str]) -> None:
    """Print each of ``lines`` as a warning of ``peiling COMMAND``."""
    for line in lines:
        print(f"peiling {command}: warning: {line}", file=sys.stderr)


def _audit(reference: str, output: Path) -> None:
    """Log the microdata export in the audit log, with the account running the command."""
    import getpass

    from peiling.accounts.services import audit_record
    from peiling.fieldwork.selectors import fieldwork_get

    fieldwork = fieldwork_get(reference=reference)
    audit_record(user=f"{getpass.getuser()} (command line)", action="responses.exported",
                 target_type="fieldwork", target_id=fieldwork.pk,
                 organisation=fieldwork.form_version.questionnaire.organisation,
                 detail=output.suffix.lstrip("."), channel="command")


def run(args: argparse.Namespace) -> int:
    format = resolve_format(args.format, args.output)
    options = write_options(args)
    setup_django()
    from django.db import DatabaseError

    from peiling.exchange import services
    from peiling.openanswers.services import personal_data_scan

    output = args.output or Path(args.fieldwork + get_writer(format).suffixes[0])
    if args.waves:
        return _waves(args, format, options, output)
    try:
        # Names in open answers are masked too: the answers not scanned yet are scanned.
        personal_data_scan(fieldwork=services.fieldwork_find(reference=args.fieldwork))
        result = services.fieldwork_export(
            reference=args.fieldwork,
            format=format,
            path=output,
            options=options,
            include_partial=args.include_partial,
            paradata=args.paradata or args.include_excluded,
            language=args.language,
            include_excluded=args.include_excluded,
        )
    except OutputError as error:
        raise CommandError(str(error), EXIT_OUTPUT) from None
    except ExportError as error:
        raise CommandError(one_line(str(error)), EXIT_USAGE) from None
    except DatabaseError as error:
        raise CommandError(
            f"database: {one_line(str(error))} (is it set up? 'peiling manage migrate')",
            EXIT_OUTPUT,
        ) from None
    _audit(args.fieldwork, output)
    warn("export", (str(problem) for problem in result.problems))
    warn("export", result.report.lines())
    report = result.report
    print(f"wrote {report.path}: {report.rows} responses, {len(report.columns)} columns")
    return 0
