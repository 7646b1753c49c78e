"""Expected answers for simulated respondents, read from a CSV file and checked against the
form. Pure (no Django).

The file has a header row ``question,choice,percent`` and optionally a fourth column
``when``: an XLSForm expression on the answers given before (``${org_type} = 'gemeente'``)
for shares that hold in a subgroup only::

    question,choice,percent,when
    desirability,wenselijk,81,${org_type} = 'gemeente'
    desirability,neutraal,16,${org_type} = 'gemeente'
    ...
    desirability,wenselijk,74,
    desirability,neutraal,20,

For a single choice question the percentages of one question and one ``when`` must add up to
100 (give every choice that occurs); for a multiple choice question each is the share of
respondents who tick that choice. A respondent gets the first group whose ``when`` holds, in
the order of the file, and the group without ``when`` otherwise; questions not in the file
are answered at random as before. ``;`` works as separator too, and decimal commas with it.
"""

from __future__ import annotations

import csv
import io

from peiling.forms.expressions import ExpressionError, parse, references_in_text
from peiling.forms.model import Form
from peiling.forms.simulate import Expected

__all__ = ["ExpectedError", "read_expected"]

#: How far the shares of a single choice question may be from 100 and still count as 100.
SUM_TOLERANCE = 1.0


class ExpectedError(ValueError):
    """The file of expected answers does not fit the form; ``problems`` names each line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


def read_expected(text: str, form: Form, *, name: str = "expected answers") -> Expected:
    """Return the expected answers in ``text`` (the CSV file's content) for ``form``.

    Raises ``ExpectedError`` with every problem, each naming the file's line.
    """
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    heads = [cell.strip().lower() for cell in rows[0]] if rows else []
    if heads not in (["question", "choice", "percent"], ["question", "choice", "percent", "when"]):
        raise ExpectedError([f"{name}:1: expected the header 'question,choice,percent' "
                             f"(and optionally ',when')"])
    questions = {question.name: question for question in form.questions()}
    problems: list[str] = []
    groups: dict[tuple[str, str | None], dict[str, float]] = {}
    lines: dict[tuple[str, str | None], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + [""] * (len(heads) - len(row))
        if len(row) > len(heads):
            problems.append(f"{name}:{line}: expected {len(heads)} fields (got {len(row)})")
            continue
        question_name, choice, percent = cells[:3]
        when = cells[3] if len(heads) == 4 and cells[3] else None
        question = questions.get(question_name)
        if question is None or question.type not in ("select_one", "select_multiple"):
            problems.append(f"{name}:{line}: {question_name!r} is not a single or multiple "
                            f"choice question of this form")
            continue
        names = [c.name for c in form.choices(question)]
        if choice not in names:
            problems.append(f"{name}:{line}: {choice!r} is not a choice of {question_name}; "
                            f"expected one of {', '.join(names)}")
            continue
        try:
            share = float(percent.replace(",", ".") if delimiter == ";" else percent)
        except ValueError:
            problems.append(f"{name}:{line}: percent {percent!r} is not a number")
            continue
        if not 0 <= share <= 100:
            problems.append(f"{name}:{line}: percent {share:g} is not between 0 and 100")
            continue
        if when is not None:
            problem = _condition_problem(when, questions)
            if problem:
                problems.append(f"{name}:{line}: when {when!r}: {problem}")
                continue
        key = (question_name, when)
        if choice in groups.setdefault(key, {}):
            problems.append(f"{name}:{line}: {question_name} = {choice} is given twice"
                            + (f" for {when!r}" if when else ""))
            continue
        groups[key][choice] = share
        lines.setdefault(key, line)
    for (question_name, when), shares in groups.items():
        total = sum(shares.values())
        if questions[question_name].type == "select_one" and abs(total - 100) > SUM_TOLERANCE:
            problems.append(f"{name}:{lines[question_name, when]}: the percentages of "
                            f"{question_name}" + (f" when {when}" if when else "")
                            + f" add up to {total:g}; they must add up to 100")
    if problems:
        raise ExpectedError(problems)
    expected: dict[str, list[tuple[str | None, dict[str, float]]]] = {}
    for (question_name, when), shares in groups.items():
        expected.setdefault(question_name, []).append((when, shares))
    for entries in expected.values():  # the groups with a condition first, in file order
        entries.sort(key=lambda entry: entry[0] is None)
    return expected


def _condition_problem(text: str, questions: dict) -> str:
    try:
        parse(text)
    except ExpressionError as error:
        return error.message
    unknown = sorted(references_in_text(text) - set(questions))
    if unknown:
        return f"{', '.join(unknown)} is not a question of this form"
    return ""
