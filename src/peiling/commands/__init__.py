"""Sub-commands of the ``peiling`` command, one module each.

Each module defines ``add_parser(subparsers)``, which registers its parser and sets
``func=run`` on it; ``run(args) -> int`` returns the exit status. Commands print; the code they
call does not. A command that needs the database calls ``peiling.cli.setup_django()`` first.
"""
