"""The page flow of one respondent through a Form: pure Python, no Django.

Given a ``Form`` and the answers so far, ``Flow`` decides which pages show (``relevant``),
which page comes next or before, checks a page submit (type checks, then ``required`` and
``constraint`` with the form's own messages), removes answers that routing hides, orders choices
per respondent (``randomize=true``, stable for one respondent key) and pipes ``${name}`` into
texts. The respondent pages, the researcher preview, the simulator and the benchmark all walk a
questionnaire through this one module, so routing and validation cannot differ between them.

``Flow.submit`` is one step: given the stored answers, the page the respondent is on and what
was posted, it returns a ``Step`` (the answers to store and the page to show next) or raises.

A form may end a response early: a calculate question named ``screened_out`` that is true after
a page submit ends it with status ``screened_out``.

Exceptions::

    FlowError                   base
     └── PageNotShown           a submit for a page that is not (or not yet) shown
    peiling.fieldwork.answers.TamperedSubmit   a post the pages cannot produce
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from peiling.fieldwork.answers import (
    InvalidValue,
    TamperedSubmit,
    check_fields,
    field_names,
    parse_value,
    post_values,
    raw_values,
)
from peiling.forms.expressions import (
    Answer,
    Environment,
    ExpressionError,
    parse,
    pipe,
    to_string,
)
from peiling.forms.model import Choice, Form, Page, Question, Translated, text_in

__all__ = [
    "SCREEN_OUT_VARIABLE",
    "Action",
    "FieldError",
    "FieldErrorCode",
    "Flow",
    "FlowError",
    "PageCheck",
    "PageNotShown",
    "Step",
    "TamperedSubmit",
]

logger = logging.getLogger(__name__)

#: A calculate question with this name ends the response as ``screened_out`` when true.
SCREEN_OUT_VARIABLE = "screened_out"

FieldErrorCode = Literal[
    "required", "constraint", "integer", "decimal", "date", "range", "too_large",
    "rank_incomplete", "rank_duplicate",
]
Action = Literal["next", "back"]
Outcome = Literal["moved", "invalid", "more", "completed", "screened_out"]


class FlowError(Exception):
    """Base of the page flow's own errors."""


class PageNotShown(FlowError):
    """A submit for ``page`` while the respondent is elsewhere: the page is hidden by routing,
    lies beyond the page the respondent has reached, or does not exist."""

    def __init__(self, page: str, reason: str) -> None:
        super().__init__(f"page {page[:60]!r}: {reason}")
        self.page = page
        self.reason = reason


@dataclass(frozen=True)
class FieldError:
    """A problem a respondent can fix. ``message`` is the form's own text in the respondent's
    language, or None: then the caller shows its default text for ``code``, filled in with
    ``params`` (the bounds of a range)."""

    name: str
    code: FieldErrorCode
    message: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PageCheck:
    """The outcome of checking one page submit.

    ``answers``: the page's answers that passed every check (``None`` for one cleared);
    ``errors``: at most one per question, in page order; ``raw``: what was posted, to show
    again; ``new_questions``: questions on this page that the answers just made relevant (the
    page must be shown again with them); ``values``: ``Flow.values`` of the answers before
    plus the page's, which ``Flow.submit`` reuses.
    """

    answers: Mapping[str, Answer]
    errors: tuple[FieldError, ...]
    raw: Mapping[str, Mapping[str, list[str]]]
    new_questions: tuple[str, ...] = ()
    values: Mapping[str, Answer] | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.new_questions


@dataclass(frozen=True)
class Step:
    """What a page submit leads to: the answers to store and the page to show (None when
    ``outcome`` is ``completed`` or ``screened_out``). With ``invalid`` nothing changes."""

    outcome: Outcome
    answers: Mapping[str, Answer]
    page: str | None
    check: PageCheck
    #: ``answers`` plus the calculations (``Flow.values``); None for ``invalid``.
    values: Mapping[str, Answer] | None = None

    @property
    def finished(self) -> bool:
        return self.outcome in ("completed", "screened_out")


class Flow:
    """Routing, validation and presentation rules of one Form; immutable, safe to share.

    ``today`` fixes the date ``today()`` returns (tests); None reads the clock.
    """

    def __init__(self, form: Form, *, today: dt.date | None = None) -> None:
        self.form = form
        self.today = today
        self.pages: tuple[Page, ...] = form.pages()
        self._page_index = {page.key: index for index, page in enumerate(self.pages)}
        questions = form.questions()
        self._questions = {question.name: question for question in questions}
        self._answerable = tuple(q.name for q in questions if q.is_answered_by_respondent)
        self._calculations = tuple(q for q in questions if q.type == "calculate")
        self._relevance = {q.name: form.relevance(q.name) for q in questions}
        # Which pages show is a pure function of the answers, so it is memoized per Flow
        # (shared by threads) - unless a condition reads today(), which changes at midnight.
        texts = [c for conditions in self._relevance.values() for c in conditions]
        texts += [q.calculation or "" for q in self._calculations]
        self._memoize = today is not None or not any("today()" in text for text in texts)
        self._visible_memo = functools.lru_cache(maxsize=512)(self._visible_of)

    # -- variables ------------------------------------------------------------------------

    def question(self, name: str) -> Question:
        return self._questions[name]

    def page(self, key: str) -> Page:
        """Return the page called ``key``; raise ``KeyError`` when the form has none."""
        return self.pages[self._page_index[key]]

    def values(self, answers: Mapping[str, Answer]) -> dict[str, Answer]:
        """Return the respondents' answers plus every calculation, computed in form order.

        The result remembers the conditions evaluated against it; do not change it.
        """
        source = {name: answers[name] for name in self._answerable if name in answers}
        values: dict[str, Answer] = dict(source)
        for question in self._calculations:
            values[question.name] = None
            if not self._holds_all(self._relevance[question.name], values):
                continue
            try:
                result = parse(question.calculation or "''").evaluate(self._env(values))
            except ExpressionError as error:
                logger.warning("calculation of %s fails: %s", question.name, error)
                continue
            values[question.name] = _answer_of(result)
        return _Values(values, source)

    def is_relevant(self, name: str, values: Mapping[str, Answer]) -> bool:
        """Return whether question ``name`` is asked, given ``values`` (see ``values()``)."""
        return self._holds_all(self._relevance[name], values)

    def screened_out(self, answers: Mapping[str, Answer]) -> bool:
        """Return whether the form's ``screened_out`` calculation is true for ``answers``."""
        return self._screens_out(self.values(answers))

    def _screens_out(self, values: Mapping[str, Answer]) -> bool:
        if SCREEN_OUT_VARIABLE not in self._questions:
            return False
        return values.get(SCREEN_OUT_VARIABLE) not in (None, "0", "false")

    # -- pages ----------------------------------------------------------------------------

    def page_questions(self, page: Page, values: Mapping[str, Answer]) -> tuple[Question, ...]:
        """Return the questions of ``page`` that are asked, given ``values``."""
        if not self._holds_all(page.relevant, values):
            return ()
        return tuple(q for q in page.questions if self.is_relevant(q.name, values))

    def visible_pages(self, answers: Mapping[str, Answer],
                      values: Mapping[str, Answer] | None = None) -> tuple[Page, ...]:
        """Return the pages that show, given ``answers``, in form order (``values``: their
        ``values()``, when the caller has them already)."""
        if not self._memoize:
            return self._visible_of(_AnswersKey(), answers, values)
        try:  # the answers values() reads: stored calculations do not change the key
            key = _AnswersKey((name, answers[name]) for name in self._answerable
                              if name in answers)
        except TypeError:  # an unhashable answer: compute without the memo
            return self._visible_of(_AnswersKey(), answers, values)
        key.values = values
        return self._visible_memo(key)

    def _visible_of(self, key: _AnswersKey, answers: Mapping[str, Answer] | None = None,
                    values: Mapping[str, Answer] | None = None) -> tuple[Page, ...]:
        values = values if values is not None else key.values
        key.values = None  # the memo keeps the key; not the values
        if values is None:
            values = self.values(dict(key) if answers is None else answers)
        return tuple(page for page in self.pages if self._shows(page, values))

    def _shows(self, page: Page, values: Mapping[str, Answer]) -> bool:
        """Return whether ``page`` shows: ``page_questions`` is not empty (without building
        it: the first relevant question settles it)."""
        return self._holds_all(page.relevant, values) and any(
            self._holds_all(self._relevance[q.name], values) for q in page.questions)

    def first_page(self, answers: Mapping[str, Answer]) -> Page | None:
        visible = self.visible_pages(answers)
        return visible[0] if visible else None

    def next_page(self, answers: Mapping[str, Answer], after: str,
                  values: Mapping[str, Answer] | None = None) -> Page | None:
        """Return the first visible page after page ``after``; None at the end."""
        position = self._page_index[after]
        for page in self.visible_pages(answers, values):
            if self._page_index[page.key] > position:
                return page
        return None

    def previous_page(self, answers: Mapping[str, Answer], before: str,
                      values: Mapping[str, Answer] | None = None) -> Page | None:
        """Return the last visible page before page ``before``; None at the start."""
        position = self._page_index[before]
        earlier = [p for p in self.visible_pages(answers, values)
                   if self._page_index[p.key] < position]
        return earlier[-1] if earlier else None

    def resume_page(self, answers: Mapping[str, Answer], current: str | None) -> Page | None:
        """Return the page for a respondent whose current page is ``current``: that page if it
        shows, else the next visible one after it (None: nothing is left to answer)."""
        visible = self.visible_pages(answers)
        if current is None or current not in self._page_index:
            return visible[0] if visible else None
        position = self._page_index[current]
        return next((p for p in visible if self._page_index[p.key] >= position), None)

    def progress(self, answers: Mapping[str, Answer], key: str) -> tuple[int, int]:
        """Return (number of page ``key`` among the visible pages, how many pages show)."""
        visible = [page.key for page in self.visible_pages(answers)]
        return (visible.index(key) + 1 if key in visible else 0, len(visible))

    # -- answers --------------------------------------------------------------------------

    def prune(self, answers: Mapping[str, Answer]) -> dict[str, Answer]:
        """Return the answers without those routing hides or that name no question, repeated
        until stable (removing one answer may hide another). Calculations are left out;
        ``values()`` computes them."""
        return self._settle(answers)[0]

    def _settle(self, answers: Mapping[str, Answer], known: Mapping[str, Answer] | None = None,
                ) -> tuple[dict[str, Answer], _Values]:
        """Return ``prune(answers)`` and its ``values()``; ``known``: ``values()`` computed
        already, used when it was computed from the same answers."""
        kept = {name: answers[name] for name in self._answerable
                if answers.get(name) is not None}
        values = known if isinstance(known, _Values) and known.source == kept else None
        while True:
            if values is None:
                values = self.values(kept)
            hidden = [name for name in kept if not self.is_relevant(name, values)]
            if not hidden:
                return kept, values
            for name in hidden:
                del kept[name]
            values = None

    def missing(self, answers: Mapping[str, Answer]) -> tuple[str, ...]:
        """Return the keys of the visible pages where a required question has no answer."""
        values = self.values(answers)
        return tuple(
            page.key for page in self.pages
            if any(values.get(q.name) is None and self.is_required(q, values)
                   for q in self.page_questions(page, values))
        )

    def post_data(self, page: Page, answers: Mapping[str, Answer]) -> dict[str, list[str]]:
        """Return what a browser posts on ``page`` for ``answers`` (to fill the page in)."""
        data: dict[str, list[str]] = {}
        for question in page.questions:
            count = len(self.form.choices(question))
            data.update(post_values(question, answers.get(question.name), count))
        return data

    # -- presentation ---------------------------------------------------------------------

    def choices(self, question: Question, values: Mapping[str, Answer], respondent_key: str,
                *, seed_name: str | None = None) -> tuple[Choice, ...]:
        """Return the choices shown for ``question``: filtered by its ``choice_filter`` and,
        with ``randomize=true``, shuffled the same way every time for one respondent key.
        ``seed_name`` gives several questions one order (the rows of a grid)."""
        choices = self._allowed_choices(question, values)
        if question.randomize:
            order = list(choices)
            seed = f"{respondent_key}:{seed_name or question.name}"
            random.Random(seed).shuffle(order)  # noqa: S311  (display order, not security)
            choices = tuple(order)
        return choices

    def text(self, texts: Translated, language: str, values: Mapping[str, Answer]) -> str:
        """Return ``texts`` in ``language`` (else the form's default) with answers piped in."""
        text = text_in(texts, language, self.form.default_language)
        if "${" not in text:
            return text
        try:
            return pipe(text, self._env(values, language=language))
        except ExpressionError as error:
            logger.warning("piping into %r fails: %s", text[:60], error)
            return text

    def choice_label(self, question: str, choice: str, language: str) -> str | None:
        """Return the label of ``choice`` of ``question`` in ``language`` (None: unknown)."""
        target = self._questions.get(question)
        if target is None or target.choice_list is None:
            return None
        for option in self.form.choices(target):
            if option.name == choice:
                return text_in(option.label, language, self.form.default_language)
        return None

    # -- submitting a page ----------------------------------------------------------------

    def check_page(self, page: Page, data: Mapping[str, Sequence[str]],
                   answers: Mapping[str, Answer], *, language: str, enforce: bool = True,
                   values: Mapping[str, Answer] | None = None) -> PageCheck:
        """Check what was posted for ``page``, given the answers stored before it (and their
        ``values()``, when the caller has them).

        Every posted field must belong to ``page`` (leave out navigation fields). With
        ``enforce=False`` (going back) ``required`` is not enforced. Raise TamperedSubmit for
        input the page cannot produce; return every fixable problem as a FieldError.
        """
        counts = {q.name: len(self.form.choices(q)) for q in page.questions}
        check_fields(data, {name for q in page.questions
                            for name in field_names(q, counts[q.name])})
        values = values if values is not None else self.values(answers)
        shown = {q.name for q in self.page_questions(page, values)}
        parsed: dict[str, Answer] = {}
        raw: dict[str, dict[str, list[str]]] = {}
        errors: dict[str, FieldError] = {}
        for question in page.questions:
            if not question.is_answered_by_respondent:
                continue
            posted = raw_values(question, data, counts[question.name])
            raw[question.name] = {name: list(data.get(name, ()))
                                  for name in field_names(question, counts[question.name])}
            allowed = {c.name for c in self._allowed_choices(question, values)}
            order = [c.name for c in self.form.choices(question)]
            try:
                parsed[question.name] = parse_value(question, posted, allowed=allowed,
                                                    order=order)
            except InvalidValue as problem:
                errors[question.name] = FieldError(question.name, problem.code,
                                                   params=problem.params)
        # An answer cleared is unanswered, as an absent one: leaving it out makes these the
        # values that submit() stores, so it can reuse them.
        merged = {**answers, **{n: v for n, v in parsed.items() if n not in errors}}
        merged = {n: v for n, v in merged.items() if v is not None}
        new_values = self.values(merged)
        asked = {q.name for q in self.page_questions(page, new_values)}
        for question in page.questions:
            if question.name in shown and question.name in asked and question.name in parsed:
                problem = self._validate(question, parsed[question.name], new_values,
                                         language, enforce)
                if problem is not None and question.name not in errors:
                    errors[question.name] = problem
        kept = shown | asked
        new = tuple(q.name for q in page.questions if q.name in asked - shown
                    and q.is_answered_by_respondent)
        return PageCheck(
            answers={n: v for n, v in parsed.items() if n not in errors and n in kept},
            errors=tuple(errors[q.name] for q in page.questions
                         if q.name in errors and q.name in kept),
            raw=raw,
            new_questions=new,
            values=new_values,
        )

    def submit(self, answers: Mapping[str, Answer], *, current: str | None, page: str,
               data: Mapping[str, Sequence[str]], action: Action, language: str) -> Step:
        """Return the step a submit of ``page`` makes from ``answers`` and page ``current``.

        ``next`` checks everything and moves on (or finishes after the last page); ``back``
        keeps the answers that pass their checks and goes to the previous page. Raise
        PageNotShown for a page the respondent cannot be on, TamperedSubmit for bad input.
        """
        if action not in ("next", "back"):
            raise ValueError(f"action must be one of ('next', 'back') (got {action!r})")
        values = self.values(answers)
        target = self._shown_page(answers, current, page, values)
        check = self.check_page(target, data, answers, language=language,
                                enforce=action == "next", values=values)
        if action == "back":
            stored, values = self._settle({**answers, **check.answers}, check.values)
            previous = self.previous_page(stored, page, values)
            return Step("moved", stored, (previous or target).key, check, values)
        if check.errors:
            return Step("invalid", answers, page, check)
        stored, values = self._settle({**answers, **check.answers}, check.values)
        if check.new_questions:
            return Step("more", stored, page, check, values)
        if self._screens_out(values):
            return Step("screened_out", stored, None, check, values)
        following = self.next_page(stored, page, values)
        if following is not None:
            return Step("moved", stored, following.key, check, values)
        missing = self.missing(stored)
        if missing:  # only reachable by posting pages out of order; send them back
            return Step("moved", stored, missing[0], check, values)
        return Step("completed", stored, None, check, values)

    def _shown_page(self, answers: Mapping[str, Answer], current: str | None,
                    key: str, values: Mapping[str, Answer]) -> Page:
        if key not in self._page_index:
            raise PageNotShown(key, "the form has no such page")
        visible = self.visible_pages(answers, values)
        if key not in {page.key for page in visible}:
            raise PageNotShown(key, "routing hides this page")
        position = self._page_index.get(current or "", -1)
        reached = next((p for p in visible if self._page_index[p.key] >= position), None)
        if reached is not None and self._page_index[key] > self._page_index[reached.key]:
            raise PageNotShown(key, f"the respondent has only reached {reached.key!r}")
        return self.page(key)

    def _validate(self, question: Question, value: Answer, values: Mapping[str, Answer],
                  language: str, enforce: bool) -> FieldError | None:
        fallback = self.form.default_language
        if value is None:
            if enforce and self.is_required(question, values):
                message = text_in(question.required_message, language, fallback) or None
                return FieldError(question.name, "required", message)
            return None
        if question.constraint and not self._constraint_holds(question, value, values):
            message = text_in(question.constraint_message, language, fallback) or None
            return FieldError(question.name, "constraint", message)
        return None

    # -- expressions ----------------------------------------------------------------------

    def _env(self, values: Mapping[str, Answer], *, current: Answer = None,
             language: str | None = None, choice: Choice | None = None) -> Environment:
        wanted = language or self.form.default_language
        return Environment(
            values=values,
            current=current,
            choice=choice,
            choice_label=lambda question, name: self.choice_label(question, name, wanted),
            today=self.today,
        )

    def _holds_all(self, conditions: Iterable[str], values: Mapping[str, Answer]) -> bool:
        memo = values.checked if isinstance(values, _Values) else None
        env = None
        for condition in conditions:
            if memo is not None and condition in memo:
                holds = memo[condition]
            else:
                env = env or self._env(values)
                try:
                    holds = parse(condition).evaluate_bool(env)
                except ExpressionError as error:
                    # Validated at import: an answer of an odd type hides the item, never
                    # breaks the page.
                    logger.warning("relevant %r fails: %s", condition, error)
                    holds = False
                if memo is not None:
                    memo[condition] = holds
            if not holds:
                return False
        return True

    def holds(self, condition: str, values: Mapping[str, Answer]) -> bool:
        """Return whether expression ``condition`` is true for ``values`` (a quota's, say);
        false, logged, when it cannot be evaluated against them."""
        try:
            return parse(condition).evaluate_bool(self._env(values))
        except ExpressionError as error:
            logger.warning("condition %r fails: %s", condition, error)
            return False

    def is_required(self, question: Question, values: Mapping[str, Answer]) -> bool:
        """Return whether ``question`` must be answered, given ``values``."""
        if question.required is None:
            return False
        try:
            return parse(question.required).evaluate_bool(self._env(values))
        except ExpressionError as error:
            logger.warning("required of %s fails: %s", question.name, error)
            return True

    def _constraint_holds(self, question: Question, value: Answer,
                          values: Mapping[str, Answer]) -> bool:
        try:
            env = self._env(values, current=value)
            return parse(question.constraint or "true()").evaluate_bool(env)
        except ExpressionError as error:
            logger.warning("constraint of %s fails: %s", question.name, error)
            return False

    def _allowed_choices(self, question: Question, values: Mapping[str, Answer],
                         ) -> tuple[Choice, ...]:
        choices = self.form.choices(question)
        if not question.choice_filter:
            return choices
        try:
            expression = parse(question.choice_filter, choice_filter=True)
            return tuple(c for c in choices
                         if expression.evaluate_bool(self._env(values, choice=c)))
        except ExpressionError as error:
            logger.warning("choice_filter of %s fails: %s", question.name, error)
            return choices


class _AnswersKey(frozenset):
    """The memo key of ``visible_pages``: the answers' items. ``values`` carries what the
    caller computed for them to a miss; it takes no part in equality."""

    __slots__ = ("values",)

    def __init__(self, *_args: Any) -> None:
        self.values: Mapping[str, Answer] | None = None


class _Values(dict):
    """Answers plus calculations, with the conditions already evaluated against them."""

    __slots__ = ("checked", "source")

    def __init__(self, values: Mapping[str, Answer], source: Mapping[str, Answer]) -> None:
        super().__init__(values)
        self.checked: dict[str, bool] = {}
        #: The answers these were computed from (the answerable ones).
        self.source = source


def _answer_of(value: Any) -> Answer:
    """Return a calculation's value as ODK stores it: its ``string()`` text (None if empty,
    NaN or infinite), so ``if(..., 1, 0)`` holds ``'1'`` as in ODK Collect and the simulator."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return to_string(value) or None
