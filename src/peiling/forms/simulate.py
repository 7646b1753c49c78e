"""Simulated respondents: random answers a valid, complete respondent could have given.

``simulate_answers`` walks a form in order and answers every question the respondent would
see: it skips questions whose relevance (enclosing groups first) is false given the answers so
far, offers only the choices a ``choice_filter`` lets through, retries values until the
``constraint`` holds, evaluates calculations and leaves notes empty. It serves routing tests,
demo datasets and benchmarks; the same ``random.Random`` seed gives the same answers.

Exceptions::

    SimulationError     question, column, message: no valid answer exists for a required
                        question, or one of its expressions fails
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterator, Mapping, Sequence

from peiling.forms.expressions import (
    Answer,
    Environment,
    ExpressionError,
    Value,
    parse,
    to_boolean,
    to_string,
)
from peiling.forms.model import Choice, Form, Question

__all__ = ["DUTCH_TEXTS", "SHAPED_TEXTS", "Expected", "SimulationError", "simulate_answers"]

#: Open answers tried first, in random order.
DUTCH_TEXTS = (
    "Goed geregeld, ik ben tevreden.",
    "De website is onduidelijk.",
    "Meer thuiswerken zou helpen.",
    "Geen opmerkingen.",
    "De communicatie met de gemeente kan beter.",
    "Ik mis duidelijke informatie over de regels.",
    "Snellere afhandeling van aanvragen graag.",
    "Prima, ga zo door!",
    "Weet ik niet.",
    "Minder regels en meer vertrouwen in de uitvoering.",
)
#: Texts with a shape a constraint may ask for, tried when no sentence passes.
SHAPED_TEXTS = (
    "1234 AB",
    "1234AB",
    "0612345678",
    "naam@voorbeeld.nl",
    "https://www.voorbeeld.nl",
    "42",
    "ja",
    "A",
)

_NUMBER_LITERAL = re.compile(r"(?<![\w.])-?[0-9]+(?:\.[0-9]+)?")
_DATE_LITERAL = re.compile(r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b")
_RANGE_DEFAULTS = {"start": 0.0, "end": 10.0, "step": 1.0}  # as ODK Collect
_MAX_RANGE_VALUES = 10_000


class SimulationError(Exception):
    """No valid answer exists for a required question, or one of its expressions fails."""

    def __init__(self, question: Question, column: str, message: str) -> None:
        where = f"survey!{question.row}" if question.row else "survey"
        super().__init__(f"{where} ({column}): {message}")
        self.question = question.name
        self.row = question.row or None
        self.column = column
        self.message = message


class _NoAnswer(Exception):
    """No candidate value passed: ``column`` is at fault, ``reason`` says how."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(column, reason)
        self.column = column
        self.reason = reason


#: Expected answers: per question, (condition or None, choice name -> percentage) in order;
#: the first entry whose condition holds for the answers so far applies (see ``expected``).
Expected = Mapping[str, Sequence[tuple[str | None, Mapping[str, float]]]]


def simulate_answers(
    form: Form, rng: random.Random, *, today: dt.date | None = None, attempts: int = 200,
    expected: Expected | None = None,
) -> dict[str, Answer]:
    """Return one complete respondent's answers to ``form``, keyed by question name.

    With ``expected`` (``peiling.forms.expected``), a choice question listed there is answered
    with its expected shares: a single choice is drawn with those percentages as weights, a
    multiple choice selects each listed choice with its percentage as probability. Choices
    the constraint or choice filter refuse are skipped as ever.

    Every relevant question gets a value that satisfies its constraint and choice filter;
    hidden questions and notes get none. Numbers are tried within a ``range`` question's
    bounds, else between the numbers the constraint names, else from 0 to 100; an optional
    question left without a valid value after ``attempts`` tries stays unanswered.
    Calculations hold the text ``string()`` gives (as ODK stores them) and are evaluated
    where they stand and once more at the end, for those that refer to later questions.

    Raises
    ------
    SimulationError
        when a required question has no valid answer, or an expression cannot be evaluated.
    """
    today = dt.date.today() if today is None else today
    answers: dict[str, Answer] = {}
    for question in form.questions():
        if not _relevant(form, question, answers, today):
            continue
        if question.type == "calculate":
            _store(answers, question.name, _calculate(question, answers, today))
        elif question.type != "note":
            try:
                shares = _shares(question, answers, today, expected)
                answers[question.name] = _answer(form, question, answers, rng, today, attempts,
                                                 shares)
            except _NoAnswer as problem:
                if _required(question, answers, today):
                    message = f"{question.name!r} is required, but {problem.reason}"
                    raise SimulationError(question, problem.column, message) from None
    for question in form.questions():
        if question.type == "calculate":
            relevant = _relevant(form, question, answers, today)
            value = _calculate(question, answers, today) if relevant else None
            _store(answers, question.name, value)
    return answers


def _store(answers: dict[str, Answer], name: str, value: Answer) -> None:
    if value is None:
        answers.pop(name, None)
    else:
        answers[name] = value


def _evaluate(
    question: Question, column: str, text: str, env: Environment, *, choice_filter: bool = False
) -> Value:
    try:
        return parse(text, choice_filter=choice_filter).evaluate(env)
    except ExpressionError as error:
        message = f"{text!r} of {question.name!r} cannot be evaluated: {error.message}"
        raise SimulationError(question, column, message) from None


def _relevant(form: Form, question: Question, answers: dict[str, Answer], today: dt.date) -> bool:
    env = Environment(values=answers, today=today)
    return all(
        to_boolean(_evaluate(question, "relevant", condition, env))
        for condition in form.relevance(question.name)
    )


def _required(question: Question, answers: dict[str, Answer], today: dt.date) -> bool:
    if not question.required:
        return False
    env = Environment(values=answers, today=today)
    return to_boolean(_evaluate(question, "required", question.required, env))


def _calculate(question: Question, answers: dict[str, Answer], today: dt.date) -> Answer:
    if not question.calculation:
        return None
    env = Environment(values=answers, today=today)
    text = to_string(_evaluate(question, "calculation", question.calculation, env))
    return text or None


def _accepts(
    question: Question, answers: dict[str, Answer], candidate: Answer, today: dt.date
) -> bool:
    if not question.constraint:
        return True
    env = Environment(values={**answers, question.name: candidate}, current=candidate, today=today)
    return to_boolean(_evaluate(question, "constraint", question.constraint, env))


def _shares(question: Question, answers: dict[str, Answer], today: dt.date,
            expected: Expected | None) -> Mapping[str, float] | None:
    """Return the expected shares that apply to this respondent's answer to ``question``."""
    if not expected or question.name not in expected:
        return None
    env = Environment(values=answers, today=today)
    for condition, shares in expected[question.name]:
        if condition is None or to_boolean(_evaluate(question, "expected", condition, env)):
            return shares
    return None


def _answer(
    form: Form,
    question: Question,
    answers: dict[str, Answer],
    rng: random.Random,
    today: dt.date,
    attempts: int,
    shares: Mapping[str, float] | None = None,
) -> Answer:
    """Return the first candidate the constraint accepts; raise _NoAnswer when none does."""
    if question.has_choices:
        candidates = _choice_candidates(form, question, answers, rng, today, attempts, shares)
    elif question.type in ("integer", "decimal", "range"):
        candidates = _number_candidates(question, rng, attempts)
    elif question.type == "text":
        candidates = iter(rng.sample(DUTCH_TEXTS, len(DUTCH_TEXTS)) + list(SHAPED_TEXTS))
    elif question.type == "date":
        candidates = _date_candidates(question, rng, today, attempts)
    else:
        raise ValueError(f"question type {question.type!r} has no simulated answers")
    for candidate in candidates:
        if _accepts(question, answers, candidate, today):
            return candidate
    raise _NoAnswer(
        "constraint",
        f"none of the values tried satisfies {question.constraint!r}; check the constraint, "
        "or make the question optional",
    )


def _choice_candidates(
    form: Form,
    question: Question,
    answers: dict[str, Answer],
    rng: random.Random,
    today: dt.date,
    attempts: int,
    shares: Mapping[str, float] | None = None,
) -> Iterator[Answer]:
    choices = _available_choices(form, question, answers, today)
    if not choices and question.choice_filter:
        raise _NoAnswer(
            "choice_filter",
            f"no choice passes {question.choice_filter!r} given the answers so far; check the "
            "filter and the columns of the choices",
        )
    if not choices:
        raise _NoAnswer("type", f"its choice list {question.choice_list!r} is empty; add choices")
    names = [choice.name for choice in choices]
    if shares and question.type == "select_one":
        yield from _weighted_order(names, shares, rng)
        return
    if shares and question.type == "select_multiple":
        # Each choice ticked with its share. Nothing ticked leaves an optional question
        # unanswered; a required one draws again, so there the shares are those among the
        # respondents who tick at least one.
        required = _required(question, answers, today)
        for _ in range(attempts):
            picked = tuple(n for n in names if rng.random() * 100 < shares.get(n, 0.0))
            if picked:
                yield picked
            elif not required:
                return
    if question.type == "select_one":
        yield from rng.sample(names, len(names))
        return
    for _ in range(attempts):
        if question.type == "rank":
            yield tuple(rng.sample(names, len(names)))
        else:
            picked = rng.sample(range(len(names)), rng.randint(1, min(3, len(names))))
            yield tuple(names[index] for index in sorted(picked))


def _weighted_order(names: list[str], shares: Mapping[str, float],
                    rng: random.Random) -> list[str]:
    """Return ``names`` in a random order drawn without replacement with ``shares`` as weights
    (Efraimidis-Spirakis keys ``u ** (1 / w)``): the first is drawn with the expected
    percentages; choices without a share come last, in random order."""
    weighted = [(rng.random() ** (1.0 / shares[n]), n) for n in names if shares.get(n, 0) > 0]
    rest = [n for n in names if shares.get(n, 0) <= 0]
    return [n for _key, n in sorted(weighted, reverse=True)] + rng.sample(rest, len(rest))


def _available_choices(
    form: Form, question: Question, answers: dict[str, Answer], today: dt.date
) -> list[Choice]:
    try:
        choices = form.choices(question)
    except KeyError:
        message = (
            f"{question.name!r} uses the choice list {question.choice_list!r}, which does not "
            "exist; add it to the choices sheet"
        )
        raise SimulationError(question, "type", message) from None
    if not question.choice_filter:
        return list(choices)
    return [
        choice
        for choice in choices
        if to_boolean(
            _evaluate(
                question,
                "choice_filter",
                question.choice_filter,
                Environment(values=answers, choice=choice, today=today),
                choice_filter=True,
            )
        )
    ]


def _number_candidates(question: Question, rng: random.Random, attempts: int) -> Iterator[Answer]:
    """Yield a range's values in random order, else numbers near the constraint's literals."""
    if question.type == "range":
        yield from _range_values(question, rng, attempts)
        return
    literals = sorted(
        number
        for number in (float(text) for text in _NUMBER_LITERAL.findall(question.constraint or ""))
        if abs(number) <= 1e9
    )
    spans = [(0.0, 100.0)]
    if literals:
        spans.append((literals[0], literals[-1]))
    nearby = [number + offset for number in literals for offset in (-1, 0, 1)]
    for attempt in range(attempts):
        if nearby and attempt % 4 == 3:
            number = rng.choice(nearby)
        else:
            low, high = spans[attempt % len(spans)]
            number = rng.uniform(low, high)
        yield round(number) if question.type == "integer" else round(number, 2)


def _range_values(question: Question, rng: random.Random, attempts: int) -> Iterator[Answer]:
    try:
        start, end, step = (
            float(question.parameters.get(key, default)) for key, default in _RANGE_DEFAULTS.items()
        )
    except ValueError:
        message = (
            f"{question.name!r}: start, end and step must be numbers "
            f"(got {dict(question.parameters)!r})"
        )
        raise SimulationError(question, "parameters", message) from None
    count = (
        math.floor((end - start) / step + 1e-9) + 1 if step and math.isfinite(end - start) else 1
    )
    if count <= 0:
        count = 1
    integral = all(number.is_integer() for number in (start, step))
    indexes: Sequence[int]
    if count <= _MAX_RANGE_VALUES:
        indexes = rng.sample(range(count), count)
    else:
        indexes = [rng.randrange(count) for _ in range(attempts)]
    for index in indexes:
        number = start + index * step
        yield int(number) if integral else round(number, 10)


def _date_candidates(
    question: Question, rng: random.Random, today: dt.date, attempts: int
) -> Iterator[Answer]:
    """Yield recent dates, then dates between the constraint's literals, then any of 50 years."""
    literals = sorted(
        dt.date(int(year), int(month), int(day))
        for year, month, day in _DATE_LITERAL.findall(question.constraint or "")
        if _is_date(year, month, day)
    )
    spans = [(-365, 0)]
    if literals:
        spans.append(((literals[0] - today).days, (literals[-1] - today).days))
    spans.append((-50 * 365, 0))
    for attempt in range(attempts):
        low, high = spans[min(attempt * len(spans) // attempts, len(spans) - 1)]
        yield today + dt.timedelta(days=rng.randint(min(low, high), max(low, high)))


def _is_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True
