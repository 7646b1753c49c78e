"""Errors of the panel: each says where, what, the rule and the fix, in one line per problem.

::

    PanelError                 .problems: every reason found, one line each
     ├── ProfileError          a profile XLSForm peiling cannot use as a panel profile
     ├── MemberFileError       a member file that cannot be imported at all (not CSV/XLSX, not
     │                         UTF-8, wrong columns); nothing is stored. Refused *rows* are not
     │                         errors: the import reports them and imports the other rows.
     ├── SampleError           a sample design that cannot be drawn (unknown variable or
     │                         choice, size larger than the eligible members)
     └── SampleChanged         members drawn in a preview are no longer eligible at commit

A row refused by the import, an e-mail the SMTP server refuses and an invalid unsubscribe
link are outcomes, not exceptions: they are reported where they happen.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MemberFileError", "PanelError", "ProfileError", "SampleChanged", "SampleError"]


class PanelError(Exception):
    """A panel operation refused; ``problems`` holds one readable line per reason."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        if not self.problems:
            raise ValueError(f"{type(self).__name__} needs at least one problem")
        super().__init__("; ".join(self.problems))


class ProfileError(PanelError):
    """The profile XLSForm cannot serve as a panel profile."""


class MemberFileError(PanelError):
    """The member file cannot be imported at all; nothing was stored."""


class SampleError(PanelError):
    """The sample design cannot be drawn from this panel."""


class SampleChanged(PanelError):
    """Members of the previewed sample are no longer eligible; draw the sample again."""
