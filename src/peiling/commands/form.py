"""``peiling form check|import|export``: questionnaires as XLSForm files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peiling.cli import CommandError, setup_django
from peiling.forms.errors import FormError
from peiling.forms.model import Form
from peiling.forms.xlsform import check_xlsform


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("form", help="check, import and export XLSForm questionnaires")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="check an XLSForm and list every problem")
    check.add_argument("file", type=Path, metavar="FILE.xlsx")
    check.set_defaults(func=run_check)
    load = actions.add_parser("import", help="store an XLSForm as a new questionnaire version")
    load.add_argument("file", type=Path, metavar="FILE.xlsx")
    load.set_defaults(func=run_import)
    export = actions.add_parser("export", help="write a stored version back to XLSForm")
    export.add_argument("version", type=int, metavar="VERSION_ID")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")
    export.set_defaults(func=run_export)


def _summary(form: Form) -> str:
    questions = sum(q.is_answered_by_respondent for q in form.questions())
    return (
        f"{questions} questions, {len(form.pages())} pages, "
        f"{len(form.choice_lists)} choice lists, languages: {', '.join(form.languages)}"
    )


def _print_problems(problems: tuple) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _print_warnings(warnings: tuple) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def run_check(args: argparse.Namespace) -> int:
    checked = check_xlsform(args.file)
    _print_warnings(checked.warnings)
    if checked.problems:
        _print_problems(checked.problems)
        return 1
    assert checked.form is not None
    print(f"{args.file}: valid XLSForm '{checked.form.title}' ({_summary(checked.form)})"
          + (f", {len(checked.warnings)} warnings" if checked.warnings else ""))
    return 0


def run_import(args: argparse.Namespace) -> int:
    checked = check_xlsform(args.file)
    _print_warnings(checked.warnings)
    if checked.problems:
        _print_problems(checked.problems)
        return 1
    setup_django()
    from peiling.questionnaires.services import form_version_import

    try:
        result = form_version_import(source=args.file.read_bytes(), source_name=args.file.name)
    except FormError as error:
        _print_problems(error.problems)
        return 1
    version = result.version
    state = "imported as new" if result.created else "unchanged, identical to"
    print(
        f"{args.file}: {state} version id {version.pk} "
        f"({version.questionnaire.form_id} v{version.number}): {_summary(version.form)}"
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.forms.xlsform_writer import write_xlsform
    from peiling.questionnaires.models import FormVersion
    from peiling.questionnaires.selectors import form_version_get

    try:
        version = form_version_get(version_id=args.version)
    except FormVersion.DoesNotExist:
        raise CommandError(f"no questionnaire version with id {args.version}") from None
    try:
        write_xlsform(version.form, args.output)
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror}") from None
    print(f"wrote {args.output}")
    return 0
