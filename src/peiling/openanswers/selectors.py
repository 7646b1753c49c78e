"""Queries of open answers: the answers of a question with their codes and suggestions, the
progress of the coding, and the coded answers as columns for the analysis."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from django.db.models import Count, F, Max, Q
from django.db.models.fields.json import KT

from peiling.analysis import Category, Dataset, Variable
from peiling.fieldwork.models import Fieldwork, Response, ResponseReview
from peiling.forms.model import Form, Question
from peiling.openanswers.agreement import Agreement, agreement
from peiling.openanswers.models import (
    AgreementSample,
    AnswerScan,
    BlindCoding,
    Code,
    Codebook,
    Coding,
    Suggestion,
)
from peiling.openanswers.privacy import Found, mask, scan
from peiling.openanswers.themes import CODES_SUFFIX

__all__ = [
    "AnswerItem",
    "AnswerPage",
    "answer_page",
    "answer_texts",
    "code_counts",
    "coded_sets",
    "codes_in_order",
    "forget_in_memory",
    "found_in",
    "masked_texts",
    "progress",
    "sample_state",
    "scan_state",
    "text_questions",
    "with_codes",
]

#: The answers a coding page shows at once.
PER_PAGE = 50
STATUSES = ("all", "uncoded", "coded", "suggested", "personal")


def text_questions(form: Form) -> list[Question]:
    """The open questions (XLSForm ``text``) of a questionnaire, in form order."""
    return [question for question in form.questions() if question.type == "text"]


def _answered(fieldwork_id: int, question: str):
    """The completed responses the analysis uses (not excluded by the quality review) that
    answered ``question``."""
    return (Response.objects.filter(fieldwork=fieldwork_id, status=Response.Status.COMPLETED)
            .exclude(review__decision=ResponseReview.Decision.EXCLUDE)
            .filter(answers__has_key=question))


#: The answers to an open question that a process keeps (the most recently read): reading
#: 20,000 of them out of the JSON of the responses takes about 100 ms on SQLite, most of a
#: coding page's time, and completed answers do not change.
IN_MEMORY = 8
_memory: OrderedDict[str, Mapping[int, str]] = OrderedDict()
_lock = threading.Lock()


def answer_texts(*, codebook: Codebook | None = None, fieldwork: Fieldwork | None = None,
                 question: str = "", only: Sequence[int] | None = None) -> Mapping[int, str]:
    """The answers to the codebook's question (or to ``question`` of ``fieldwork``) by
    response id (in order of the responses), leaving out empty ones; with ``only``, of those
    responses. All of them are kept in memory while the completed responses and the quality
    review's exclusions stay the same (the key is their number and latest moment)."""
    if codebook is not None:
        fieldwork_id, question = codebook.fieldwork_id, codebook.question
    else:
        assert fieldwork is not None and question
        fieldwork_id = fieldwork.pk
    if only is not None:
        return _read_texts(fieldwork_id, question, list(only))
    key = _texts_key(fieldwork_id, question)
    with _lock:
        texts = _memory.get(key)
        if texts is not None:
            _memory.move_to_end(key)
            return texts
    texts = MappingProxyType(_read_texts(fieldwork_id, question, None))
    with _lock:
        _memory[key] = texts
        while len(_memory) > IN_MEMORY:
            _memory.popitem(last=False)
    return texts


def _texts_key(fieldwork_id: int, question: str) -> str:
    state = (Response.objects.filter(fieldwork=fieldwork_id, status=Response.Status.COMPLETED)
             .aggregate(n=Count("pk"), last=Max("completed_at")))
    reviews = ResponseReview.objects.filter(fieldwork=fieldwork_id).aggregate(
        out=Count("pk", filter=Q(decision=ResponseReview.Decision.EXCLUDE)),
        last=Max("decided_at"))
    return (f"{fieldwork_id}:{question}:{state['n']}:{state['last']}:{reviews['out']}:"
            f"{reviews['last']}")


def forget_in_memory() -> None:
    """Empty this process's memory of answers (tests that change stored answers)."""
    with _lock:
        _memory.clear()


def _read_texts(fieldwork_id: int, question: str, only: list[int] | None) -> dict[int, str]:
    texts: dict[int, str] = {}
    ids: list[int | None] = list(only) if only is not None else [None]
    for start in range(0, len(ids), 5000):
        rows = _answered(fieldwork_id, question)
        if only is not None:
            rows = rows.filter(pk__in=ids[start:start + 5000])
        for pk, text in (rows.order_by("pk").annotate(text=KT(f"answers__{question}"))
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
    #: The kinds of possible personal data the scan found ("name", "email"; privacy.KINDS),
    #: the answer as reports and exports show it, and whether a person released it.
    personal: tuple[str, ...] = ()
    masked: str = ""
    released: bool = False


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
        inside = set(_answered(codebook.fieldwork_id, codebook.question)
                     .filter(**{f"answers__{name}": value})
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
    elif status == "personal":
        flagged = found_in(fieldwork=codebook.fieldwork, question=codebook.question)
        chosen = [pk for pk in chosen if pk in flagged]
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
    scans = {pk: (tuple(Found(*item) for item in found), released is not None)
             for pk, found, released in AnswerScan.objects.filter(
                 fieldwork=codebook.fieldwork_id, question=codebook.question,
                 response__in=shown).exclude(found=[])
             .values_list("response_id", "found", "released_at")}
    items = []
    for pk in shown:
        found, released = scans.get(pk, ((), False))
        items.append(AnswerItem(
            pk, texts[pk], coded.get(pk, set()),
            {c: confidence[(pk, c)] for c in suggested.get(pk, ()) if (pk, c) in confidence},
            personal=tuple(dict.fromkeys(f.kind for f in found)),
            masked=mask(texts[pk], found) if found else "", released=released))
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


#: The variable a coded open question becomes (``<question>_codes``, ``themes.CODES_SUFFIX``)
#: has this question type (no XLSForm type: the variable is not in the questionnaire, but it
#: is a question's, so tab books and the table explorer list it).
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
        parents = {code.pk: code.name for code in codes}
        variable = Variable(name, "multiple", label=f"{question.label} (gecodeerd)",
                            categories=tuple(Category(code.name, code.label,
                                                      parents.get(code.parent_id, ""))
                                             for code in codes),
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


# -- personal data ----------------------------------------------------------------------------


def found_in(*, fieldwork: Fieldwork, question: str,
             responses: Iterable[int] | None = None) -> dict[int, tuple[Found, ...]]:
    """The possible personal data the scan found in the answers to ``question`` that no one
    released, by response id (answers without any left out); of ``responses`` only, if given.
    """
    rows = (AnswerScan.objects.filter(fieldwork=fieldwork, question=question,
                                      released_at__isnull=True)
            .exclude(found=[]))
    if responses is not None:
        rows = rows.filter(response__in=list(responses))
    return {pk: tuple(Found(*item) for item in found)
            for pk, found in rows.values_list("response_id", "found").iterator(chunk_size=5000)}


def scan_state(*, fieldwork: Fieldwork) -> dict[str, dict[int, bool | None]]:
    """Per open question, per scanned answer by response id: True when released, False when
    something was found, None when clean."""
    result: dict[str, dict[int, bool | None]] = {}
    rows = AnswerScan.objects.filter(fieldwork=fieldwork)
    for question, pk, found, released in (
            rows.values_list("question", "response_id", "found", "released_at")
            .iterator(chunk_size=5000)):
        result.setdefault(question, {})[pk] = (True if released is not None
                                               else False if found else None)
    return result


def masked_texts(*, fieldwork: Fieldwork,
                 texts: Mapping[str, Mapping[int, str]]) -> dict[str, dict[int, str]]:
    """The answers ``texts`` (per open question, by response id) as reports and exports show
    them: possible personal data masked until a person releases the answer. An answer the
    scan has not reached yet is masked by the patterns (``privacy.scan(names=False)``). One
    query for all the questions."""
    stored: dict[tuple[str, int], tuple[Found, ...]] = {}
    rows = AnswerScan.objects.filter(fieldwork=fieldwork, question__in=list(texts))
    for question, pk, found, released in (
            rows.values_list("question", "response_id", "found", "released_at")
            .iterator(chunk_size=5000)):
        stored[question, pk] = (() if released is not None
                                else tuple(Found(*item) for item in found))
    result: dict[str, dict[int, str]] = {}
    for question, answers in texts.items():
        shown = result[question] = {}
        for pk, text in answers.items():
            found = stored.get((question, pk))
            parts = found if found is not None else scan(text, names=False)
            shown[pk] = mask(text, parts) if parts else text
    return result
