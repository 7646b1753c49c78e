"""``peiling simulate FIELDWORK --n N [--seed S]``: completed responses, random valid answers."""

from __future__ import annotations

import argparse

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
    try:
        created = services.responses_simulate(fieldwork=fieldwork, n=args.n, seed=args.seed,
                                               source=args.source)
    except (SimulationError, ValueError) as error:
        raise CommandError(f"cannot simulate {fieldwork.slug}: {error}") from None
    total = fieldwork.responses.count()
    print(f"{fieldwork.slug}: created {created} completed responses "
          f"(source {args.source!r}); {total} responses in all")
    return 0
