"""A readable outline of a Form in one language: what a codebook or an overview page shows."""

from __future__ import annotations

from dataclasses import dataclass

from peiling.forms.model import Form, Question, text_in

__all__ = ["ChoiceLine", "PageOutline", "QuestionOutline", "outline"]


@dataclass(frozen=True)
class ChoiceLine:
    name: str
    label: str


@dataclass(frozen=True)
class QuestionOutline:
    name: str
    type: str
    label: str
    hint: str
    required: bool
    conditions: tuple[str, ...]
    constraint: str | None
    calculation: str | None
    choices: tuple[ChoiceLine, ...]
    appearance: str | None
    randomize: bool


@dataclass(frozen=True)
class PageOutline:
    number: int
    key: str
    title: str
    conditions: tuple[str, ...]
    questions: tuple[QuestionOutline, ...]


def outline(form: Form, language: str | None = None) -> tuple[PageOutline, ...]:
    """Return the pages of ``form`` with each question's texts in ``language``."""
    language = form.language(language)
    pages = []
    for number, page in enumerate(form.pages(), start=1):
        title = text_in(page.group.label, language, form.default_language) if page.group else ""
        pages.append(
            PageOutline(
                number,
                page.key,
                title,
                page.relevant,
                tuple(_question(form, question, language) for question in page.questions),
            )
        )
    return tuple(pages)


def _question(form: Form, question: Question, language: str) -> QuestionOutline:
    fallback = form.default_language
    return QuestionOutline(
        name=question.name,
        type=question.type,
        label=text_in(question.label, language, fallback),
        hint=text_in(question.hint, language, fallback),
        required=question.required is not None,
        conditions=form.relevance(question.name),
        constraint=question.constraint,
        calculation=question.calculation,
        choices=tuple(
            ChoiceLine(c.name, text_in(c.label, language, fallback)) for c in form.choices(question)
        ),
        appearance=question.appearance,
        randomize=question.randomize,
    )
