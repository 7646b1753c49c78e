"""``peiling code``: the codings of an open question to and from a file (.csv or .xlsx), for
teams that code elsewhere.

``export`` writes one row per answer (answer_id, answer, codes separated by ';'; an Excel
file also has the codebook); ``import`` checks the whole file first and stores nothing when
anything is wrong (exit status 2, one line naming the rows).
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from peiling.cli import CommandError, setup_django

EXIT_USAGE = 2
EXAMPLES = """\
examples:
  peiling code export digitalisering-2018 desirability_why -o codes.xlsx
  peiling code import digitalisering-2018 desirability_why codes.xlsx
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "code", help="export or import the codings of an open question (csv, xlsx)",
        description="Write the answers to an open question with their codes to a file, or "
        "read codings back from one.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="write the answers and their codes")
    export.add_argument("fieldwork", metavar="FIELDWORK")
    export.add_argument("question", metavar="QUESTION", help="the open question's name")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="a .csv or .xlsx file (default FIELDWORK-QUESTION-codes.xlsx)")
    export.set_defaults(func=run_export)
    read = actions.add_parser("import", help="read codings from a file (checked first)")
    read.add_argument("fieldwork", metavar="FIELDWORK")
    read.add_argument("question", metavar="QUESTION", help="the open question's name")
    read.add_argument("file", type=Path, metavar="FILE", help="a .csv or .xlsx file")
    read.set_defaults(func=run_import)


def _codebook(args: argparse.Namespace):
    setup_django()
    from django.utils import translation

    from peiling.exchange.services import FieldworkNotFound, fieldwork_find
    from peiling.openanswers.services import CodingError, codebook_create

    translation.activate("en")
    try:
        fieldwork = fieldwork_find(reference=args.fieldwork)
    except FieldworkNotFound as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    try:
        return codebook_create(fieldwork=fieldwork, question=args.question)
    except CodingError as error:
        raise CommandError(str(error), EXIT_USAGE) from None


def run_export(args: argparse.Namespace) -> int:
    output = args.output or Path(f"{args.fieldwork}-{args.question}-codes.xlsx")
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(f"-o {output}: give a .csv or .xlsx file name", EXIT_USAGE)
    if not output.parent.is_dir():
        raise CommandError(f"{output}: directory {str(output.parent)!r} does not exist")
    codebook = _codebook(args)
    from peiling.openanswers.transfer import codings_export

    try:
        count = codings_export(codebook=codebook, path=output)
    except OSError as error:
        raise CommandError(f"{output}: {error.strerror or error}") from None
    print(f"wrote {output}: {count} answers")
    return 0


def run_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file", EXIT_USAGE)
    codebook = _codebook(args)
    from peiling.openanswers.services import CodingError
    from peiling.openanswers.transfer import ImportProblems, codings_import

    try:
        added, changed = codings_import(codebook=codebook, path=args.file,
                                        user=None)
    except (ImportProblems, CodingError) as error:
        raise CommandError(f"{args.file}: {error}", EXIT_USAGE) from None
    print(f"imported {args.file}: {added} codes added, {changed} answers changed "
          f"(by {getpass.getuser()} on the command line)")
    return 0
