"""Sub-commands of the ``peiling`` command, one module each.

Each module defines ``add_parser(subparsers)``, which registers its parser and sets
``func=run`` on it; ``run(args) -> int`` returns the exit status. Commands print; the code they
call does not. A command that needs the database calls ``peiling.cli.setup_django()`` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peiling.forms.model import Form

__all__ = ["one_line", "read_form"]


def one_line(message: str) -> str:
    """Return the first line of ``message``, saying how many more there were."""
    lines = message.splitlines() or [""]
    return lines[0] + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else "")


def read_form(path: Path) -> Form:
    """Read the XLSForm at ``path`` for a command; raise ``CommandError`` (exit 2) with its
    first problem and a pointer to ``peiling form check`` for the rest."""
    from peiling.cli import EXIT_USAGE, CommandError
    from peiling.forms.errors import FormError
    from peiling.forms.xlsform import read_xlsform

    if not path.is_file():
        raise CommandError(f"{path}: no such file", EXIT_USAGE)
    try:
        return read_xlsform(path)
    except FormError as error:
        more = len(error.problems) - 1
        tail = f" (and {more} more; see 'peiling form check {path}')" if more else ""
        message = f"{path}: not a usable XLSForm: {error.problems[0]}{tail}"
        raise CommandError(message, EXIT_USAGE) from None
