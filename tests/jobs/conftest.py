"""Panel fixtures: recovery is proven on the work it exists for, sending e-mail."""

from tests.panel.conftest import (  # noqa: F401  (fixtures)
    add_member,
    fieldwork,
    make_fieldwork,
    panel,
    sink,
    smtp_server,
)
