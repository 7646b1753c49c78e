"""Stored answers turned into dict-encoded columns: pure Python, no Django.

An export or a report reads every response of a fieldwork. The obvious way, each stored JSON
document decoded into a dict, typed with ``answers_from_json`` and handed to
``Dataset.from_records``, took 21 s for 100,000 responses of 100 answers on our 2-core machine,
most of it in touching 10 million Python values one by one (``docs/benchmarks.md``). Here the
answers become columns, each dict-encoded (codes into its distinct values), so that the typing
and the checks of ``Dataset.from_encoded`` run once per distinct value:

- ``ArrowEncoder``, the fast way: pyarrow's JSON reader parses a batch of documents into typed
  columns in C++ (off the GIL, on every core) against a schema made from the questionnaire,
  and ``dictionary_encode`` codes them. It refuses anything the schema does not describe (a key
  that is no question, a value of another JSON type than its question's) with ``NotColumnar``.
- ``AnswerEncoder``, the exact way for what the first refuses: each document decoded with
  ``json`` and cut into its columns, every column dict-encoded as it goes, so that the damage
  is reported answer by answer, as ``from_records`` reports it.

We wrote this because no library reads a column store out of JSON documents whose keys come
from a questionnaire; the parsing and the hashing are pyarrow's.

In ``AnswerEncoder`` values that are equal in Python are one distinct value: the numbers ``1``
and ``1.0`` are (they code the same), ``true`` and ``1`` are not (a ``true`` is kept apart, so
that a number question holding it is reported, as ``from_records`` reports it).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from numpy.typing import NDArray

from peiling.fieldwork.answers import answer_from_json
from peiling.forms.expressions import Answer
from peiling.forms.model import Question

__all__ = ["AnswerEncoder", "ArrowEncoder", "EncodedAnswers", "NotColumnar"]

#: Marks a stored value that cannot be a dict key (an object, a nested list) or must not be
#: merged with an equal one (``true`` with ``1``): it is keyed by its JSON text.
_STORED_JSON = object()
#: Documents decoded before their values are coded.
_BATCH = 256


@dataclass(frozen=True)
class EncodedAnswers:
    """The answers of ``n`` responses, dict-encoded per question.

    ``columns[name] = (codes, values)``: ``values`` are the distinct answers typed as
    ``answers_from_json`` types them (``None`` for no answer), ``codes[i]`` the position of
    response ``i``'s answer in it. ``unknown_keys`` counts the answers stored under keys that
    are no question. ``distinct``: no two values are equal but for ``None`` (the columns
    need no second encoding).
    """

    n: int
    columns: dict[str, tuple[NDArray[np.int32], tuple[Answer, ...]]]
    unknown_keys: dict[str, int]
    distinct: bool = False


def _encode(distinct: dict[Any, int], column: Sequence[Any]) -> list[int]:
    """Return the codes of ``column``, adding its new values to ``distinct`` in the order
    they first occur. Every loop here runs in C (``dict.fromkeys``, ``filterfalse``,
    ``map``): a Python call per value cost more than decoding the JSON."""
    fresh = list(itertools.filterfalse(distinct.__contains__, dict.fromkeys(column)))
    distinct.update(zip(fresh, itertools.count(len(distinct))))
    return list(map(distinct.__getitem__, column))


class AnswerEncoder:
    """Feed it stored answer documents (JSON text) in row order; ``result()`` gives the columns.

    ``questions`` are the questions whose answers are kept (others' keys count as unknown).
    Documents are decoded a batch at a time and dropped, so memory holds the codes and the
    distinct values only.
    """

    def __init__(self, questions: Sequence[Question]) -> None:
        self._questions = list(questions)
        self._names = [question.name for question in self._questions]
        self._known = frozenset(self._names)
        self._codes: list[list[int]] = [[] for _name in self._names]
        self._distinct: list[dict[Any, int]] = [{} for _name in self._names]
        self._unknown: dict[str, int] = {}
        self._n = 0

    def feed(self, documents: Iterable[str | bytes | None]) -> None:
        """Add the responses whose stored answers are ``documents`` (``None``: no answers)."""
        documents = iter(documents)
        # A few hundred at a time: the decoded values are coded and freed while the memory
        # they took is still in the cache (holding thousands made decoding twice as slow).
        while batch := list(itertools.islice(documents, _BATCH)):
            self._feed(batch)

    def _feed(self, documents: list[str | bytes | None]) -> None:
        loads, names, known = json.loads, self._names, self._known
        rows = []
        for document in documents:
            unusual = document is not None and _unusual(document)
            answers = loads(document) if document else {}
            if not isinstance(answers, dict):
                answers = {"": answers}  # not an object: its value counts as an unknown key
            row = list(map(answers.get, names))
            if len(answers) != len(row) - row.count(None):
                for key in answers.keys() - known:
                    self._unknown[key] = self._unknown.get(key, 0) + 1
            if unusual:
                row = [_keyed(value) if isinstance(value, bool) else value for value in row]
            rows.append(row)
        self._n += len(rows)
        if not rows or not names:
            return
        columns = zip(*rows, strict=True)
        for codes, distinct, column in zip(self._codes, self._distinct, columns, strict=True):
            try:
                codes.extend(_encode(distinct, column))
            except TypeError:  # lists (multiple choice), objects: not hashable
                try:
                    column = [tuple(v) if v.__class__ is list else v for v in column]
                    codes.extend(_encode(distinct, column))
                except TypeError:
                    codes.extend(_encode(distinct, list(map(_keyed, column))))

    def result(self) -> EncodedAnswers:
        columns = {}
        for question, codes, distinct in zip(self._questions, self._codes, self._distinct,
                                              strict=True):
            if not self._n:
                continue
            if question.type == "text":  # mostly distinct, nearly all text already
                values = tuple(key if key.__class__ is str else _decoded(question.type, key)
                               for key in distinct)
            else:
                values = tuple(_decoded(question.type, key) for key in distinct)
            columns[question.name] = (np.asarray(codes, dtype=np.int32), values)
        return EncodedAnswers(self._n, columns, dict(self._unknown))


def _keyed(value: Any) -> Any:
    """Return a dict key for a stored value: a list of text as a tuple, and anything that
    cannot be a key, or must stay apart from an equal number, as its JSON text."""
    if isinstance(value, list) and all(type(item) is str for item in value):
        return tuple(value)
    if isinstance(value, bool | dict | list):
        return (_STORED_JSON, json.dumps(value, sort_keys=True))
    return value


def _unusual(document: str | bytes) -> bool:
    """Whether a document may hold ``true`` or ``false``: their booleans are kept apart. The
    word inside a text answer sends a document this way too; that costs only time."""
    if isinstance(document, bytes):
        return b"true" in document or b"false" in document
    return "true" in document or "false" in document


def _decoded(question_type: str, key: Any) -> Answer:
    if key is None:
        return None
    if isinstance(key, tuple):
        key = json.loads(key[1]) if key and key[0] is _STORED_JSON else list(key)
    return answer_from_json(question_type, key)


# -- the fast way: pyarrow ------------------------------------------------------------------


class NotColumnar(Exception):
    """Stored answers that do not fit the questionnaire's column types as they are: read them
    with ``AnswerEncoder``, which reports each answer that does not fit."""


#: The JSON type each question type stores (``answers_to_json``).
_ARROW_TYPES: dict[str, pa.DataType] = {
    "select_one": pa.string(), "text": pa.string(), "date": pa.string(),
    "calculate": pa.string(), "select_multiple": pa.list_(pa.string()),
    "rank": pa.list_(pa.string()), "integer": pa.float64(), "decimal": pa.float64(),
    "range": pa.float64(),
}  # fmt: skip
#: Joins the choices of one answer into one text to code; PostgreSQL cannot store it in text.
_JOIN = "\x00"


class ArrowEncoder:
    """Feed it stored answer documents (JSON text, one object each) in row order;
    ``result()`` gives the columns. ``feed`` and ``result`` raise ``NotColumnar`` for anything
    the questionnaire's column types do not describe."""

    def __init__(self, questions: Sequence[Question]) -> None:
        unknown = [q.type for q in questions if q.type not in _ARROW_TYPES]
        if unknown:
            raise NotColumnar(f"question types without a column type: {', '.join(unknown)}")
        self._questions = list(questions)
        self._options = pa_json.ParseOptions(
            explicit_schema=pa.schema([(q.name, _ARROW_TYPES[q.type]) for q in questions]),
            unexpected_field_behavior="error",
        )
        self._chunks: list[list[pa.DictionaryArray]] = [[] for _question in questions]
        self._n = 0

    def feed(self, documents: Sequence[str | bytes | None]) -> None:
        """Add the responses whose stored answers are ``documents`` (``None``: no answers)."""
        if not documents:
            return
        lines = [_text(document) for document in documents]
        if any("\n" in line for line in lines):  # one document per line, as JSON Lines
            raise NotColumnar("a stored document spans lines")
        data = "\n".join(lines).encode()
        try:
            table = pa_json.read_json(pa.BufferReader(data), parse_options=self._options)
        except pa.ArrowInvalid as error:
            raise NotColumnar(str(error)) from None
        if table.num_rows != len(documents):
            raise NotColumnar(f"{table.num_rows} rows read from {len(documents)} documents")
        # Coded batch by batch, while the database sends the next one; result() unifies.
        for question, chunks in zip(self._questions, self._chunks, strict=True):
            column = table.column(question.name).combine_chunks()
            if pa.types.is_list(column.type):
                if pc.any(pc.match_substring(pc.list_flatten(column), _JOIN)).as_py():
                    raise NotColumnar(f"a choice of {question.name!r} holds a NUL character")
                column = pc.binary_join(column, _JOIN)
            chunks.append(pc.dictionary_encode(column))
        self._n += table.num_rows

    def result(self) -> EncodedAnswers:
        if not self._n:
            return EncodedAnswers(0, {}, {})
        columns = {}
        for question, chunks in zip(self._questions, self._chunks, strict=True):
            encoded = pa.chunked_array(chunks).unify_dictionaries()
            dictionary = encoded.chunk(0).dictionary
            distinct = dictionary.to_pylist()
            indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
            codes = pc.fill_null(indices, len(distinct)).to_numpy()
            if pa.types.is_list(_ARROW_TYPES[question.type]):
                values = tuple(answer_from_json(question.type, value.split(_JOIN) if value
                                                else []) for value in distinct)  # fmt: skip
            elif question.type == "date":
                values = tuple(answer_from_json(question.type, value) for value in distinct)
            else:  # text and numbers are what they are
                values = tuple(distinct)
            columns[question.name] = (codes.astype(np.int32, copy=False), (*values, None))
        return EncodedAnswers(self._n, columns, {}, distinct=True)


def _text(document: str | bytes | None) -> str:
    if not document:
        return "{}"
    return document.decode() if isinstance(document, bytes) else document
