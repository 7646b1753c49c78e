"""A panel's profile: the variables its XLSForm defines and how import values are checked.

Pure: reads the Form model, imports no Django. Every question a respondent answers is a
profile variable; its name is the column in a member file and the key in ``Member.profile``.
Values are stored the way fieldwork stores answers: the choice name for ``select_one``,
space-separated choice names for ``select_multiple``, ``int``/``float`` for numbers, ISO text
for dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from peiling.forms.model import Form, text_in

__all__ = [
    "MEMBER_COLUMNS",
    "ProfileVariable",
    "parse_value",
    "profile_problems",
    "profile_variables",
]

#: Member file columns that are not profile variables (``email`` is required, the rest not).
MEMBER_COLUMNS = ("email", "name", "language", "recruitment_source", "recruited_on")
SUPPORTED = ("select_one", "select_multiple", "integer", "decimal", "text", "date")


@dataclass(frozen=True)
class ProfileVariable:
    """One profile variable: its name, type, choice names (for selects) and label."""

    name: str
    type: str
    choices: tuple[str, ...] = ()
    required: bool = False
    label: str = ""

    @property
    def is_categorical(self) -> bool:
        return self.type == "select_one"


def profile_variables(form: Form) -> tuple[ProfileVariable, ...]:
    """Return the profile variables of ``form`` in form order (notes and calculations are no
    variables). Call ``profile_problems`` first: unsupported types are skipped here."""
    variables = []
    for question in form.questions():
        if not question.is_answered_by_respondent or question.type not in SUPPORTED:
            continue
        variables.append(ProfileVariable(
            name=question.name,
            type=question.type,
            choices=tuple(choice.name for choice in form.choices(question)),
            required=question.required == "true()",
            label=text_in(question.label, form.default_language),
        ))
    return tuple(variables)


def profile_problems(form: Form) -> list[str]:
    """Return why ``form`` cannot be a panel profile (empty when it can)."""
    problems = []
    answered = [q for q in form.questions() if q.is_answered_by_respondent]
    for question in answered:
        if question.type not in SUPPORTED:
            problems.append(
                f"survey!{question.row} ({question.name}): type {question.type} cannot be a "
                f"profile variable; use one of {', '.join(SUPPORTED)}"
            )
        if question.name.lower() in MEMBER_COLUMNS:
            problems.append(
                f"survey!{question.row} ({question.name}): the name is a member file column "
                f"({', '.join(MEMBER_COLUMNS)}); rename the question"
            )
    if not answered:
        problems.append("the profile form has no questions; add one per profile variable")
    return problems


def parse_value(variable: ProfileVariable, raw: Any) -> tuple[Any, str | None]:
    """Return ``(value, None)`` for a valid cell, ``(None, problem)`` otherwise.

    An empty cell gives ``(None, None)``: nothing known, nothing changed.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None, None
    text = str(raw).strip()
    kind = variable.type
    if kind == "select_one":
        if text in variable.choices:
            return text, None
        return None, _not_a_choice(variable, text)
    if kind == "select_multiple":
        names = text.split()
        unknown = [name for name in names if name not in variable.choices]
        if unknown:
            return None, _not_a_choice(variable, " ".join(unknown))
        return " ".join(dict.fromkeys(names)), None
    if kind == "integer":
        try:
            return int(text), None
        except ValueError:
            return None, f"{variable.name} {text!r} is not a whole number"
    if kind == "decimal":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, f"{variable.name} {text!r} is not a number"
        return number, None
    if kind == "date":
        try:
            return dt.date.fromisoformat(text[:10]).isoformat(), None
        except ValueError:
            return None, f"{variable.name} {text!r} is not a date; write it as YYYY-MM-DD"
    if kind == "text":
        return text, None
    raise ValueError(f"profile variable type must be one of {SUPPORTED!r} (got {kind!r})")


def _not_a_choice(variable: ProfileVariable, text: str) -> str:
    return (f"{variable.name} {text!r} is not a choice of {variable.name}; "
            f"expected one of {', '.join(variable.choices)}")


def values_differ(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Return the names in ``new`` whose value differs from ``old``'s."""
    return [name for name, value in new.items() if old.get(name) != value]
