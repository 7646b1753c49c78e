"""Answers as a browser posts them, as Python values, and as JSON: pure Python, no Django.

A page posts a multi-dict, field name -> list of values. Field names are question names; a
``rank`` question posts one field per position, ``<name>~1`` ... ``<name>~n``. ``parse_value``
turns one question's posted values into an answer (``None``, ``str``, ``int``/``float``,
``datetime.date`` or a tuple of choice names); ``post_values`` does the reverse, to fill a page
in again or to drive it from a simulation.

Two kinds of problem:

- ``InvalidValue``: what a person can type wrongly (``'abc'`` in a number field, a date that
  does not exist, a rank with gaps, a number beyond ``MAX_NUMBER``). The page shows it with
  the default text for its ``code``.
- ``TamperedSubmit``: what the pages cannot produce: unknown fields, choices not in the list,
  text over ``MAX_TEXT_LENGTH`` characters (line breaks counted once, as the browser counts
  them), a NUL character, two values for a one-value field. The whole request is refused.

Exceptions::

    AnswerError             base
     ├── TamperedSubmit     code, field, detail
     └── InvalidValue       code, params
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Literal

from peiling.forms.expressions import Answer
from peiling.forms.model import Form, Question

__all__ = [
    "MAX_NUMBER",
    "MAX_NUMBER_DIGITS",
    "MAX_RANGE_STEPS",
    "MAX_TEXT_LENGTH",
    "RANK_SEPARATOR",
    "AnswerError",
    "InvalidCode",
    "InvalidValue",
    "TamperedCode",
    "TamperedSubmit",
    "answer_from_json",
    "answers_from_json",
    "answers_to_json",
    "check_fields",
    "field_names",
    "parse_value",
    "post_values",
    "range_steps",
    "range_values",
    "raw_values",
    "tidy_number",
]

#: The longest text any field accepts; the pages set ``maxlength`` to it.
MAX_TEXT_LENGTH = 10_000
#: The largest magnitude a number answer may have: nobody means more, and a float keeps
#: every whole number up to it exactly.
MAX_NUMBER = 10**15
MAX_NUMBER_DIGITS = 15
#: Separates a rank question's name from the position in its field names: ``q~1``.
RANK_SEPARATOR = "~"
#: Range questions with at most this many values show them as radio buttons.
MAX_RANGE_STEPS = 21
_MAX_NUMBER_TEXT = 40

InvalidCode = Literal[
    "integer", "decimal", "date", "range", "too_large", "rank_incomplete", "rank_duplicate",
]
TamperedCode = Literal[
    "unknown_field", "unknown_choice", "too_long", "out_of_range", "multiple_values",
    "null_character", "duplicate_choice",
]

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


class AnswerError(Exception):
    """Base of the errors of reading posted answers."""


class TamperedSubmit(AnswerError):
    """A post the respondent pages cannot produce: refuse the request and store nothing.

    ``code`` says what (``TamperedCode``), ``field`` names the posted field, ``detail`` is a
    short English description for the log.
    """

    def __init__(self, code: TamperedCode, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.code = code
        self.field = field
        self.detail = detail


class InvalidValue(AnswerError):
    """A value a person typed that is not of the question's type; ``params`` hold bounds."""

    def __init__(self, code: InvalidCode, **params: Any) -> None:
        super().__init__(code)
        self.code: InvalidCode = code
        self.params = params


# -- fields ---------------------------------------------------------------------------------


def field_names(question: Question, choice_count: int) -> tuple[str, ...]:
    """Return the names of the fields ``question`` posts."""
    if not question.is_answered_by_respondent:
        return ()
    if question.type == "rank":
        return tuple(f"{question.name}{RANK_SEPARATOR}{n}" for n in range(1, choice_count + 1))
    return (question.name,)


def check_fields(data: Mapping[str, Sequence[str]], expected: Collection[str]) -> None:
    """Raise TamperedSubmit for a field not in ``expected``, or for text no page can send."""
    for name, posted in data.items():
        if name not in expected:
            raise TamperedSubmit("unknown_field", name[:60], "this page has no such field")
        for value in posted:
            # A browser counts a line break as one character against ``maxlength`` and sends
            # it as CR LF (HTML, form submission), so a full textarea posts more than that.
            length = len(value) - value.count("\r\n")
            if length > MAX_TEXT_LENGTH:
                raise TamperedSubmit("too_long", name, f"{length:,} characters")
            if "\x00" in value:
                raise TamperedSubmit("null_character", name, "the text holds a NUL character")


def raw_values(question: Question, data: Mapping[str, Sequence[str]], choice_count: int,
               ) -> tuple[str, ...]:
    """Return what was posted for ``question``: one entry per rank position, else the list."""
    if question.type != "rank":
        return tuple(data.get(question.name, ()))
    raw = []
    for name in field_names(question, choice_count):
        posted = data.get(name, ())
        if len(posted) > 1:
            raise TamperedSubmit("multiple_values", name, "two values for one rank position")
        raw.append(posted[0] if posted else "")
    return tuple(raw)


# -- posted text -> answer ------------------------------------------------------------------


def parse_value(question: Question, raw: Sequence[str], *, allowed: Collection[str] = (),
                order: Sequence[str] = ()) -> Answer:
    """Return the answer ``raw`` gives ``question`` (None when empty).

    ``allowed`` holds the choice names the respondent was offered, ``order`` every choice name
    in list order (select_multiple answers are stored in that order). Raise TamperedSubmit or
    InvalidValue (see the module docstring).
    """
    name, kind = question.name, question.type
    if kind in ("select_one", "select_multiple", "rank"):
        return _parse_choices(question, raw, allowed, order)
    if kind in ("integer", "decimal", "range"):
        return _parse_number(question, _single(name, raw).strip())
    if kind == "date":
        return _parse_date(name, _single(name, raw).strip())
    if kind == "text":
        return _single(name, raw).replace("\r\n", "\n").strip() or None
    raise ValueError(f"question type must be an answerable type (got {kind!r} for {name!r})")


def _parse_choices(question: Question, raw: Sequence[str], allowed: Collection[str],
                   order: Sequence[str]) -> Answer:
    name = question.name
    chosen = [value for value in raw if value != ""]
    for value in chosen:
        if value not in allowed:
            raise TamperedSubmit("unknown_choice", name, f"{value[:40]!r} is not a choice")
    if question.type == "select_one":
        return _single(name, raw) or None
    if question.type == "select_multiple":
        if len(set(chosen)) != len(chosen):
            raise TamperedSubmit("duplicate_choice", name, "a choice is posted twice")
        position = {choice: index for index, choice in enumerate(order)}
        return tuple(sorted(chosen, key=lambda c: position.get(c, len(position)))) or None
    if not chosen:
        return None
    if len(set(chosen)) != len(chosen):
        raise InvalidValue("rank_duplicate")
    if len(chosen) != len(raw):
        raise InvalidValue("rank_incomplete")
    return tuple(chosen)


def _parse_number(question: Question, text: str) -> Answer:
    name = question.name
    if text == "":
        return None
    if len(text) > _MAX_NUMBER_TEXT:  # a person can type that much: say so, as below
        raise InvalidValue("too_large", digits=MAX_NUMBER_DIGITS)
    if question.type == "integer":
        if not _INTEGER.fullmatch(text):
            raise InvalidValue("integer")
        number: int | float = int(text)
    else:
        if not _DECIMAL.fullmatch(text):
            raise InvalidValue("decimal")
        number = tidy_number(float(text.replace(",", ".")))
    if abs(number) > MAX_NUMBER:
        raise InvalidValue("too_large", digits=MAX_NUMBER_DIGITS)
    if question.type == "range":
        start, end, step = range_steps(question)
        listed = range_values(question)
        if listed is not None and number not in listed:
            raise TamperedSubmit("out_of_range", name, f"{text[:30]} is not one of the values")
        steps = (number - start) / step
        if not (start <= number <= end and abs(steps - round(steps)) < 1e-9):
            bounds = {"start": tidy_number(start), "end": tidy_number(end)}
            raise InvalidValue("range", **bounds, step=tidy_number(step))
    return number


def _parse_date(name: str, text: str) -> Answer:
    if text == "":
        return None
    if len(text) > _MAX_NUMBER_TEXT:
        raise InvalidValue("date")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _DUTCH_DATE.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    raise InvalidValue("date")


def _single(name: str, raw: Sequence[str]) -> str:
    if len(raw) > 1:
        raise TamperedSubmit("multiple_values", name, f"{len(raw)} values for a one-value field")
    return raw[0] if raw else ""


# -- answer -> posted text ------------------------------------------------------------------


def post_values(question: Question, answer: Answer, choice_count: int) -> dict[str, list[str]]:
    """Return the fields a page posts for ``answer``: the inverse of ``parse_value``."""
    if answer is None or not question.is_answered_by_respondent:
        return {}
    if question.type == "rank":
        names = field_names(question, choice_count)
        ranked = tuple(answer) if isinstance(answer, tuple | list) else ()
        return {name: [ranked[i] if i < len(ranked) else ""] for i, name in enumerate(names)}
    if isinstance(answer, tuple | list):
        return {question.name: [str(item) for item in answer]}
    if isinstance(answer, dt.date):
        return {question.name: [answer.isoformat()]}
    if isinstance(answer, float):
        return {question.name: [format_number(answer)]}
    return {question.name: [str(answer)]}


def format_number(number: float) -> str:
    """Return ``number`` as a person types it: no exponent, no trailing zeros."""
    if number == int(number):
        return str(int(number))
    return format(number, ".15f").rstrip("0").rstrip(".")


# -- range questions ------------------------------------------------------------------------


def range_steps(question: Question) -> tuple[float, float, float]:
    """Return (start, end, step) of a range question; the defaults are 1, 10 and 1."""

    def number(key: str, default: float) -> float:
        try:
            value = float(question.parameters.get(key, default))
        except ValueError:
            return default
        return value if math.isfinite(value) else default

    start, end, step = number("start", 1), number("end", 10), abs(number("step", 1)) or 1.0
    return (min(start, end), max(start, end), step)


def range_values(question: Question) -> tuple[int | float, ...] | None:
    """Return every value of a range question when there are few enough to list, else None."""
    start, end, step = range_steps(question)
    count = math.floor((end - start) / step + 1e-9) + 1
    if count > MAX_RANGE_STEPS:
        return None
    return tuple(tidy_number(round(start + index * step, 10)) for index in range(count))


def tidy_number(number: float) -> int | float:
    """Return a whole float as int (3.0 -> 3), so stored answers read as typed."""
    return int(number) if math.isfinite(number) and number == int(number) else number


# -- JSON -----------------------------------------------------------------------------------


def answers_to_json(answers: Mapping[str, Answer]) -> dict[str, Any]:
    """Return answers as JSON values: dates as ISO text, choice tuples as lists."""
    encoded: dict[str, Any] = {}
    for name, value in answers.items():
        if value is None:
            continue
        if isinstance(value, dt.date):
            encoded[name] = value.isoformat()
        elif isinstance(value, tuple):
            encoded[name] = list(value)
        elif isinstance(value, float) and not math.isfinite(value):
            continue
        else:
            encoded[name] = value
    return encoded


#: A form's questions in order, per form object: forms are immutable, and walking the tree
#: on every page submit was a large part of its cost. The form is kept so an id is never
#: taken for a later object's.
_QUESTIONS: dict[int, tuple[Form, tuple[Question, ...]]] = {}
_QUESTIONS_KEPT = 64


def _questions_of(form: Form) -> tuple[Question, ...]:
    cached = _QUESTIONS.get(id(form))
    if cached is None or cached[0] is not form:
        if len(_QUESTIONS) >= _QUESTIONS_KEPT:
            _QUESTIONS.clear()
        cached = _QUESTIONS[id(form)] = (form, form.questions())
    return cached[1]


def answers_from_json(form: Form, data: Mapping[str, Any],
                      names: Iterable[str] | None = None) -> dict[str, Answer]:
    """Return the answers ``answers_to_json`` wrote, typed by ``form``; other names drop."""
    answers: dict[str, Answer] = {}
    wanted = set(names) if names is not None else None
    for question in _questions_of(form):
        value = data.get(question.name)
        if value is None or (wanted is not None and question.name not in wanted):
            continue
        answer = answer_from_json(question.type, value)
        if answer is not None:
            answers[question.name] = answer
    return answers


def answer_from_json(question_type: str, value: Any) -> Answer:
    """Return one stored JSON value typed as an answer to a question of ``question_type``.

    Dates come back from ISO text (``None`` for text that is no date), lists as tuples of
    text; anything else as it is.
    """
    if question_type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return value
