"""The ``peiling`` command: one entry point for everything a user types.

``peiling manage ...`` passes through to Django's management commands; every other sub-command
lives in ``peiling.commands``. Errors a user can cause end in one readable line on stderr and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["CommandError", "main", "setup_django"]

#: Sub-command modules in ``peiling.commands``, in the order ``peiling --help`` lists them.
COMMANDS = (
    "organisation", "form", "tabulate", "export", "convert", "simulate", "panel", "invite",
    "report", "code", "demo",
)

EXIT_USAGE = 2


class CommandError(Exception):
    """A problem the user can fix; ``main`` prints it as one line and exits with ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as argparse does, but shorter
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def setup_django() -> None:
    """Point Django at peiling's settings (unless the environment chose others) and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peiling.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="peiling", description="Panel research: questionnaires to reports.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    manage = subparsers.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    for name in COMMANDS:
        module = importlib.import_module(f"peiling.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["peiling manage", *argv[1:]])
        return 0
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CommandError as error:
        print(f"peiling {args.command}: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        print("peiling: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
