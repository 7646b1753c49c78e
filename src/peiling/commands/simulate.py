"""``peiling simulate FIELDWORK --n N [--seed S]``: completed responses, random valid answers."""

from __future__ import annotations

import argparse
from pathlib import Path

from peiling.cli import CommandError, setup_django


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1,000,000 (got {value})")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate", help="add completed responses with random valid answers to a fieldwork")
    parser.add_argument("fieldwork", metavar="FIELDWORK", help="the fieldwork's short name or id")
    parser.add_argument("--n", type=_positive, required=True, help="how many responses")
    parser.add_argument("--seed", type=int, default=None, help="random seed (reproducible)")
    parser.add_argument("--source", default="simulated",
                        help="source tag stored with the responses (default: simulated)")
    parser.add_argument("--expected", type=Path, metavar="FILE.csv",
                        help="expected answers: question,choice,percent[,when] per line "
                             "(see peiling.forms.expected); other questions stay random")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from peiling.fieldwork import selectors, services
    from peiling.fieldwork.models import Fieldwork
    from peiling.forms.simulate import SimulationError

    try:
        fieldwork = selectors.fieldwork_get(reference=args.fieldwork)
    except Fieldwork.DoesNotExist:
        known = ", ".join(Fieldwork.objects.values_list("slug", flat=True)[:10]) or "none yet"
        raise CommandError(f"no fieldwork {args.fieldwork!r}; known: {known}") from None
    if not args.source or len(args.source) > 50:
        raise CommandError(f"--source must be 1 to 50 characters (got {args.source!r})")
    expected = None
    if args.expected is not None:
        expected = expected_answers(args.expected, fieldwork.form_version.form)
    try:
        created = services.responses_simulate(fieldwork=fieldwork, n=args.n, seed=args.seed,
                                               source=args.source, expected=expected)
    except (SimulationError, ValueError) as error:
        raise CommandError(f"cannot simulate {fieldwork.slug}: {error}") from None
    total = fieldwork.responses.count()
    print(f"{fieldwork.slug}: created {created} completed responses "
          f"(source {args.source!r}); {total} responses in all")
    return 0


def expected_answers(path: Path, form):
    """Read FILE.csv of expected answers for ``form``; one line per problem, exit status 2."""
    from peiling.forms.expected import ExpectedError, read_expected

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read the expected answers ({error})", 2) from None
    try:
        return read_expected(text, form, name=str(path))
    except ExpectedError as error:
        more = len(error.problems) - 1
        raise CommandError(error.problems[0] + (f" (and {more} more)" if more else ""),
                           2) from None
