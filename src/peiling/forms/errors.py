"""Errors of the questionnaire reader.

    FormError                  a file that is not a usable XLSForm; ``.problems`` lists why
      └─ carries Problem(sheet, row, column, message, code), one per thing to fix

Messages go where -> what -> rule -> fix, and a validator collects every problem before it
raises, so a researcher fixes a form in one round instead of one error at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FormError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form, located as a spreadsheet user would find it.

    ``row`` is the row number Excel shows (the header is row 1); ``sheet`` is ``None`` for a
    problem with the file as a whole.
    """

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        if self.sheet is None:
            return self.message
        where = self.sheet if self.row is None else f"{self.sheet}!{self.row}"
        if self.column:
            where += f" ({self.column})"
        return f"{where}: {self.message}"


class FormError(Exception):
    """The file is not a usable XLSForm; ``problems`` holds every reason found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("FormError needs at least one problem")
        super().__init__("\n".join(str(problem) for problem in self.problems))
