"""Queries of open answers: the answers of a question with their codes and suggestions, the
progress of the coding, and the coded answers as columns for the analysis."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, F
from django.db.models.fields.json import KT

from peiling.analysis import Category, Dataset, Variable
from peiling.fieldwork.models import Fieldwork, Response, ResponseReview
from peiling.forms.model import Form, Question
from peiling.openanswers.agreement import Agreement, agreement
from peiling.openanswers.models import (
    AgreementSample,
    BlindCoding,
    Code,
    Codebook,
    Coding,
    Suggestion,
)

__all__ = [
    "AnswerItem",
    "AnswerPage",
    "answer_page",
    "answer_texts",
    "code_counts",
    "coded_sets",
    "codes_in_order",
    "progress",
    "sample_state",
    "text_questions",
    "with_codes",
]

#: The answers a coding page shows at once.
PER_PAGE = 50
STATUSES = ("all", "uncoded", "coded", "suggested")


def text_questions(form: Form) -> list[Question]:
    """The open questions (XLSForm ``text``) of a questionnaire, in form order."""
    return [question for question in form.questions() if question.type == "text"]


def _answered(codebook: Codebook):
    """The completed responses the analysis uses (not excluded by the quality review) that
    answered the codebook's question."""
    return (Response.objects.filter(fieldwork=codebook.fieldwork_id,
                                    status=Response.Status.COMPLETED)
            .exclude(review__decision=ResponseReview.Decision.EXCLUDE)
            .filter(answers__has_key=codebook.question))


def answer_texts(*, codebook: Codebook, only: Sequence[int] | None = None) -> dict[int, str]:
    """The answers to the codebook's question by response id (in order of the responses),
    leaving out empty ones; with ``only``, of those responses."""
    texts: dict[int, str] = {}
    ids = list(only) if only is not None else [None]
    for start in range(0, len(ids), 5000):
        rows = _answered(codebook)
        if only is not None:
            rows = rows.filter(pk__in=ids[start:start + 5000])
        for pk, text in (rows.order_by("pk").annotate(text=KT(f"answers__{codebook.question}"))
                         .values_list("pk", "text").iterator(chunk_size=5000)):
            if text is not None and str(text).strip():
                texts[pk] = str(text)
    return texts


def codes_in_order(*, codebook: Codebook) -> list[Code]:
    """The codes of a codebook as the codebook lists them: each theme followed by the codes
    under it; ``number`` is the keyboard shortcut (1 to 9, then none)."""
    codes = list(Code.objects.filter(codebook=codebook))
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []
    for code in children.get(None, []):
        code.depth = 0
        ordered.append(code)
        for child in children.get(code.pk, []):
            child.depth = 1
            ordered.append(child)
    for number, code in enumerate(ordered, start=1):
        code.number = number if number <= 9 else None
    return ordered


@dataclass
class AnswerItem:
    """An answer on the coding page."""

    response_id: int
    text: str
    codes: set[int] = field(default_factory=set)
    suggestions: dict[int, float] = field(default_factory=dict)


@dataclass
class AnswerPage:
    items: list[AnswerItem]
    matching: int
    total: int
    coded: int
    page: int
    pages: int


def _by_response(rows: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    for response, code in rows:
        result.setdefault(response, set()).add(code)
    return result


def answer_page(*, codebook: Codebook, status: str = "all", code: int | None = None,
                search: str = "", subgroup: tuple[str, str] | None = None,
                page: int = 1, per_page: int = PER_PAGE, only: int | None = None) -> AnswerPage:
    """One page of the answers to the codebook's question, with their codes and
    suggestions: ``status`` all, uncoded, coded or suggested; with ``code`` those coded
    with it; ``search`` words all found in the answer (case does not matter);
    ``subgroup`` a (question, answer) of a single choice question; ``only`` just that
    response's answer. A codebook not saved yet: the answers without codes."""
    texts = answer_texts(codebook=codebook, only=[only] if only is not None else None)
    if subgroup is not None:
        name, value = subgroup
        inside = set(_answered(codebook).filter(**{f"answers__{name}": value})
                     .values_list("pk", flat=True))
        chosen = [pk for pk in texts if pk in inside]
    else:
        chosen = list(texts)
    saved = codebook.pk is not None
    coded = _by_response(Coding.objects.filter(codebook=codebook)
                         .values_list("response_id", "code_id")) if saved else {}
    suggested = _by_response(Suggestion.objects.filter(codebook=codebook)
                             .values_list("response_id", "code_id")) if saved else {}
    if status == "uncoded":
        chosen = [pk for pk in chosen if pk not in coded]
    elif status == "coded":
        chosen = [pk for pk in chosen if pk in coded]
    elif status == "suggested":
        chosen = [pk for pk in chosen if pk in suggested]
    if code is not None:
        chosen = [pk for pk in chosen if code in coded.get(pk, ())]
    words = search.casefold().split()
    if words:
        chosen = [pk for pk in chosen if all(word in texts[pk].casefold() for word in words)]
    pages = max(1, -(-len(chosen) // per_page))
    page = min(max(1, page), pages)
    shown = chosen[(page - 1) * per_page:page * per_page]
    confidence = {(response, code_id): value for response, code_id, value in
                  Suggestion.objects.filter(codebook=codebook, response__in=shown)
                  .values_list("response_id", "code_id", "confidence")} if saved else {}
    items = [AnswerItem(pk, texts[pk], coded.get(pk, set()),
                        {c: confidence[(pk, c)] for c in suggested.get(pk, ())
                         if (pk, c) in confidence})
             for pk in shown]
    return AnswerPage(items, len(chosen), len(texts),
                      sum(1 for pk in texts if pk in coded), page, pages)


def code_counts(*, codebook: Codebook) -> dict[int, int]:
    """How many answers carry each code (by code id)."""
    return dict(Coding.objects.filter(codebook=codebook).values("code")
                .annotate(n=Count("response", distinct=True)).values_list("code", "n"))


def progress(*, codebook: Codebook) -> tuple[int, int]:
    """How many answers are coded, of how many."""
    texts = answer_texts(codebook=codebook)
    coded = set(Coding.objects.filter(codebook=codebook).values_list("response_id", flat=True))
    return sum(1 for pk in texts if pk in coded), len(texts)


def coded_sets(*, fieldwork: Fieldwork) -> list[tuple[Codebook, list[Code],
                                                      dict[int, set[str]]]]:
    """Per codebook of the fieldwork that has codings: its codes in order and the code
    names each coded answer (response id) carries (a theme counts for the codes under it)."""
    result = []
    for codebook in Codebook.objects.filter(fieldwork=fieldwork).order_by("pk"):
        rows = list(Coding.objects.filter(codebook=codebook)
                    .values_list("response_id", "code__name", F("code__parent__name")))
        if not rows:
            continue
        names: dict[int, set[str]] = {}
        for response, name, parent in rows:
            names.setdefault(response, set()).add(name)
            if parent:
                names[response].add(parent)
        result.append((codebook, codes_in_order(codebook=codebook), names))
    return result


#: The variable a coded open question becomes: ``<question>_codes``, with this as its
#: question type (no XLSForm type: the variable is not in the questionnaire, but it is a
#: question's, so tab books and the table explorer list it).
CODES_SUFFIX = "_codes"
CODES_TYPE = "codes"


def with_codes(dataset: Dataset, *, fieldwork: Fieldwork,
               response_ids: Sequence[int]) -> Dataset:
    """Return ``dataset`` (the responses ``response_ids`` of ``fieldwork``, one per row)
    with a multiple choice variable ``<question>_codes`` after each open question that has
    codings: one category per code (a theme holds the answers coded with a code under it
    too); asked are those who answered the question, answered those whose answer is coded.
    """
    position = {pk: row for row, pk in enumerate(response_ids)}
    for codebook, codes, coded in coded_sets(fieldwork=fieldwork):
        if codebook.question not in dataset.variables or not codes:
            continue
        name = codebook.question + CODES_SUFFIX
        number = 2
        while name in dataset.variables:
            name, number = f"{codebook.question}{CODES_SUFFIX}_{number}", number + 1
        column = {code.name: index for index, code in enumerate(codes)}
        matrix = np.full((dataset.n, len(codes)), -1, dtype=np.int8)
        asked = dataset.answered(codebook.question).copy()
        for pk, names in coded.items():
            row = position.get(pk)
            if row is None:
                continue
            matrix[row] = 0
            for code in names:
                matrix[row, column[code]] = 1
            asked[row] = True
        question = dataset.variable(codebook.question)
        variable = Variable(name, "multiple", label=f"{question.label} (gecodeerd)",
                            categories=tuple(Category(code.name, code.label) for code in codes),
                            question_type=CODES_TYPE)
        dataset = dataset.with_multiple(variable, matrix, asked=asked, after=codebook.question)
    return dataset


@dataclass
class SampleState:
    """An agreement sample: per coder how many answers they coded; the agreement of the
    first two coders (by who began first) on the answers both coded, once there are two."""

    sample: AgreementSample
    coders: list[tuple[Any, int]]
    result: Agreement | None
    texts: dict[int, str]


def sample_state(*, sample: AgreementSample) -> SampleState:
    rows = list(BlindCoding.objects.filter(sample=sample).select_related("coder")
                .order_by("pk"))
    by_coder: dict[int, dict[int, set[str]]] = {}
    users: dict[int, Any] = {}
    for row in rows:
        by_coder.setdefault(row.coder_id, {})[row.response_id] = set(row.codes)
        users.setdefault(row.coder_id, row.coder)
    coders = [(users[pk], len(codings)) for pk, codings in by_coder.items()]
    result = None
    if len(by_coder) >= 2:
        first, second = list(by_coder.values())[:2]
        names = [code.name for code in codes_in_order(codebook=sample.codebook)]
        result = agreement(first, second, names)
    texts = answer_texts(codebook=sample.codebook, only=sample.responses)
    return SampleState(sample, coders, result, texts)
