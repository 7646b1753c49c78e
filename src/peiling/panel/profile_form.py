"""The panel's profile questions as one web form, drawn and checked by the respondent pages'
own machinery (``fieldwork.flow`` and ``fieldwork.presentation``): the same widgets, routing,
constraints and error texts as a questionnaire, all pages of the profile form on one page.

Used by the public sign-up page (and the member portal's profile page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peiling.fieldwork.answers import field_names
from peiling.fieldwork.flow import Flow
from peiling.fieldwork.presentation import ErrorLink, GridView, QuestionView, page_view
from peiling.forms.expressions import Answer
from peiling.forms.model import Form
from peiling.panel.profile import profile_variables

__all__ = ["ProfileForm", "answers_of_profile", "profile_form"]

#: Choice order is shuffled per respondent where a form asks for it; a profile has one order.
RESPONDENT_KEY = "profile"


@dataclass
class ProfileForm:
    """The questions to draw (``items``), what is wrong (``errors``), and when nothing is,
    the profile ``values`` as ``Member.profile`` stores them."""

    items: list[QuestionView | GridView] = field(default_factory=list)
    errors: list[ErrorLink] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    again: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.again


def answers_of_profile(form: Form, profile: Mapping[str, Any]) -> dict[str, Answer]:
    """A stored profile as answers the flow reads (the reverse of ``_profile_value``)."""
    answers: dict[str, Answer] = {}
    for variable in profile_variables(form):
        value = profile.get(variable.name)
        if value is None:
            continue
        if variable.type == "select_multiple":
            answers[variable.name] = tuple(str(value).split())
        elif variable.type == "date":
            try:
                answers[variable.name] = dt.date.fromisoformat(str(value))
            except ValueError:
                continue
        else:
            answers[variable.name] = value
    return answers


def _profile_value(answer: Answer) -> Any:
    if isinstance(answer, tuple):
        return " ".join(answer)
    if isinstance(answer, dt.date):
        return answer.isoformat()
    return answer


def profile_form(form: Form, data: Mapping[str, Sequence[str]] | None, *, language: str,
                 answers: Mapping[str, Answer] | None = None) -> ProfileForm:
    """Draw the profile questions (``data`` None: with ``answers``, or empty), or check what
    was posted (``data``: field name -> values; other fields are ignored). Raise
    ``fieldwork.answers.AnswerError`` for a post the form cannot produce."""
    flow = Flow(form)
    known: dict[str, Answer] = dict(answers or {})
    result = ProfileForm()
    for page in flow.pages:
        if data is None:
            view = page_view(flow, page, known, language=language,
                             respondent_key=RESPONDENT_KEY)
        else:
            names = {name for question in page.questions
                     for name in field_names(question, len(form.choices(question)))}
            posted = {name: list(data.get(name, ())) for name in names if name in data}
            check = flow.check_page(page, posted, known, language=language)
            known.update(check.answers)
            known = {name: value for name, value in known.items() if value is not None}
            result.again = result.again or bool(check.new_questions)
            view = page_view(flow, page, known, language=language,
                             respondent_key=RESPONDENT_KEY, raw=check.raw,
                             errors=check.errors, new_questions=check.new_questions)
        result.items.extend(view.items)
        result.errors.extend(view.errors)
    if data is not None and result.ok:
        variables = {variable.name for variable in profile_variables(form)}
        values = flow.values(known)
        result.values = {name: _profile_value(values[name]) for name in variables
                         if values.get(name) is not None and flow.is_relevant(name, values)}
    return result
