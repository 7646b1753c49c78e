"""Dataset: the answers of a survey as columns of numbers, with the Form's metadata.

Storage, per variable kind (``Variable.kind``):

    single     int8 (int16 past 127 choices) choice codes, -1 for no answer
    multiple   uint8 0/1 matrix (respondents x choices, one column per choice) + answered mask
    numeric    float64, NaN for no answer
    text       int32 codes into a tuple of distinct values (text, date, rank, calculate), -1 none

Routing is part of the data: a question whose relevance is false for a respondent was *not
asked* (``asked`` is false) and is never in a base; an asked question without an answer is *not
answered*. The constructor derives ``asked`` from the relevance conditions with the Form's
expression language and clears any answer given where the question was not asked, reporting
how many in ``Dataset.problems``.

Errors::

    DatasetError (ValueError)      columns that do not fit their variables; .problems lists them
      ├─ UnknownVariableError      a name that is no variable of the dataset (also a KeyError)
      └─ ExpressionFailed          a filter or banner expression that does not parse or evaluate
"""

from __future__ import annotations

import datetime
import difflib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from peiling.forms import expressions
from peiling.forms.model import Form, Question, text_in

__all__ = [
    "Answer",
    "Category",
    "DataProblem",
    "Dataset",
    "DatasetError",
    "EncodedText",
    "ExpressionFailed",
    "UnknownVariableError",
    "Variable",
    "VariableKind",
    "examples_text",
    "variables_from_form",
]

VariableKind: TypeAlias = Literal["single", "multiple", "numeric", "text"]
VARIABLE_KINDS: tuple[str, ...] = VariableKind.__args__  # type: ignore[attr-defined]
ProblemKind: TypeAlias = Literal[
    "missing_column",
    "ambiguous_column",
    "unknown_value",
    "type_clash",
    "not_asked",
    "routing_unknown",
    "unknown_key",
    "bad_weight",
]
#: One respondent's answer, as the expression language sees it.
Answer: TypeAlias = str | int | float | datetime.date | tuple[str, ...] | None

_KIND_OF_TYPE: Mapping[str, VariableKind] = {
    "select_one": "single",
    "select_multiple": "multiple",
    "integer": "numeric",
    "decimal": "numeric",
    "range": "numeric",
    "text": "text",
    "date": "text",
    "rank": "text",
    "calculate": "text",
}
#: Above this many distinct key combinations, keys are made unique by sorting, not counting.
_DENSE_KEY_LIMIT = 1 << 24


@dataclass(frozen=True)
class Category:
    """One answer category of a single or multiple choice variable (a Form choice);
    ``parent`` names the category this one is under (a code under a theme of a coded open
    question), "" for none."""

    name: str
    label: str
    parent: str = ""


@dataclass(frozen=True)
class Variable:
    """What the analysis knows of one column: kind, label, categories and routing.

    ``question_type`` is the Form type (``None`` for a column that is not in the Form, such as a
    weight or a profile variable); ``relevance`` lists the conditions that must all hold for the
    question to be asked (enclosing groups first).
    """

    name: str
    kind: VariableKind
    label: str = ""
    categories: tuple[Category, ...] = ()
    relevance: tuple[str, ...] = ()
    question_type: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in VARIABLE_KINDS:
            raise ValueError(f"kind must be one of {VARIABLE_KINDS!r} (got {self.kind!r})")
        if self.kind in ("single", "multiple") and not self.categories:
            raise ValueError(f"variable {self.name!r}: a {self.kind} variable needs categories")
        names = [category.name for category in self.categories]
        if len(set(names)) != len(names):
            raise ValueError(f"variable {self.name!r}: category names must be unique ({names})")

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(category.name for category in self.categories)

    def code_of(self, category: str) -> int:
        """Return the code (position) of the category called ``category``.

        Raises ``ValueError`` naming the valid categories when there is none by that name.
        """
        for code, candidate in enumerate(self.categories):
            if candidate.name == category:
                return code
        raise ValueError(
            f"variable {self.name!r} has no category {category!r}; "
            f"expected one of {', '.join(self.category_names)}"
        )


@dataclass(frozen=True)
class DataProblem:
    """Something in the data that does not fit the Form, with how many and a few examples."""

    column: str
    kind: ProblemKind
    message: str
    count: int = 0
    examples: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"column {self.column!r}: {self.message}"


@dataclass(frozen=True)
class EncodedText:
    """A text column given dict-encoded: ``codes[i]`` is the position of respondent ``i``'s
    value in ``values`` (``None`` there for no answer). Values may repeat, unless
    ``distinct``: then no two are equal but for ``None``, and are taken as they are."""

    codes: NDArray[np.integer[Any]]
    values: Sequence[Any]
    distinct: bool = False

    def __len__(self) -> int:
        return len(self.codes)


class DatasetError(ValueError):
    """Columns that do not fit their variables; ``problems`` holds every one found."""

    def __init__(self, message: str, problems: Iterable[DataProblem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[DataProblem, ...] = tuple(problems)


class UnknownVariableError(DatasetError, KeyError):
    """A name that is no variable of the dataset."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(name, list(known), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"unknown variable {name!r}{hint}")
        self.name = name

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ExpressionFailed(DatasetError):
    """A filter, banner or relevance expression that does not parse or cannot be evaluated."""


def examples_text(values: Iterable[object], limit: int = 3) -> str:
    """Return up to ``limit`` values quoted and comma-separated: ``'a', 'b', 'c'``."""
    return ", ".join(repr(str(value)) for value in list(values)[:limit])


def variables_from_form(form: Form, language: str | None = None) -> dict[str, Variable]:
    """Return a Variable for every question of ``form`` that holds an answer, in form order.

    Notes have no variable; labels are in ``language`` (a name or code), else the form's
    default language.
    """
    lang = form.language(language)
    variables: dict[str, Variable] = {}
    for question in form.questions():
        kind = _KIND_OF_TYPE.get(question.type)
        if kind is None:
            continue
        categories: tuple[Category, ...] = ()
        if kind in ("single", "multiple"):
            categories = tuple(
                Category(choice.name, text_in(choice.label, lang, form.default_language))
                for choice in form.choices(question)
            )
        variables[question.name] = Variable(
            name=question.name,
            kind=kind,
            label=_question_label(question, lang, form.default_language),
            categories=categories,
            relevance=form.relevance(question.name),
            question_type=question.type,
        )
    return variables


def _question_label(question: Question, language: str, fallback: str) -> str:
    return text_in(question.label, language, fallback) or question.name


class Dataset:
    """Answers as columns (one per variable), routing masks, optional weights.

    Build one with ``Dataset(variables, columns)`` from coded columns,
    ``Dataset.from_columns(form, columns)`` or ``Dataset.from_records(form, rows)``; the readers
    in ``peiling.exchange`` build one from files. Arrays handed out are read-only.

    Columns given to the constructor, per kind: ``single`` integer codes (position in
    ``Variable.categories``, negative for no answer); ``multiple`` a respondents x choices array
    of 0/1 where a row holding -1 or NaN is not answered; ``numeric`` floats, NaN for no
    answer; ``text`` a sequence of values, ``None`` for no answer, or an ``EncodedText``.
    """

    __slots__ = (
        "_answered",
        "_asked",
        "_data",
        "_n",
        "_problems",
        "_uniques",
        "_variables",
        "_weights",
    )

    def __init__(
        self,
        variables: Iterable[Variable],
        columns: Mapping[str, ArrayLike | Sequence[Any]],
        *,
        weights: ArrayLike | None = None,
        asked: Mapping[str, ArrayLike] | None = None,
    ) -> None:
        self._variables: dict[str, Variable] = {v.name: v for v in variables}
        self._data: dict[str, NDArray[Any]] = {}
        self._uniques: dict[str, tuple[Any, ...]] = {}
        self._asked: dict[str, NDArray[np.bool_]] = {}
        self._answered: dict[str, NDArray[np.bool_]] = {}
        self._n = _row_count(columns, weights)
        problems: list[DataProblem] = []
        unknown = [name for name in columns if name not in self._variables]
        if unknown:
            raise DatasetError(f"columns without a variable: {', '.join(unknown)}")
        for variable in self._variables.values():
            self._data[variable.name] = self._store(variable, columns.get(variable.name))
        self._weights = None if weights is None else _checked_weights(weights, self._n)
        explicit = dict(asked or {})
        for variable in self._variables.values():
            if variable.name in explicit:
                mask = np.asarray(explicit.pop(variable.name), dtype=bool)
                if mask.shape != (self._n,):
                    raise DatasetError(f"asked mask of {variable.name!r} has shape {mask.shape}")
                self._set_asked(variable, mask, "given", problems)
            elif variable.relevance:
                self._derive_asked(variable, problems)
        if explicit:
            raise DatasetError(f"asked masks for unknown variables: {', '.join(explicit)}")
        for array in [*self._data.values(), *self._answered.values(), *self._asked.values()]:
            array.flags.writeable = False
        self._problems = tuple(problems)

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def from_columns(
        cls,
        form: Form,
        columns: Mapping[str, ArrayLike | Sequence[Any]],
        *,
        weights: ArrayLike | None = None,
        language: str | None = None,
        extra: Iterable[Variable] = (),
    ) -> Dataset:
        """Build a dataset of ``form``'s questions (and ``extra`` variables) from coded columns.

        A ``multiple`` variable may also be given as one 0/1 column per choice, keyed
        ``"q/choice"``. Questions without a column are unanswered by everyone.
        """
        variables = variables_from_form(form, language)
        for variable in extra:
            if variable.name in variables:
                raise DatasetError(f"extra variable {variable.name!r} is already in the form")
            variables[variable.name] = variable
        merged = dict(columns)
        for variable in variables.values():
            if variable.kind == "multiple" and variable.name not in merged:
                keys = [f"{variable.name}/{name}" for name in variable.category_names]
                if any(key in merged for key in keys):
                    n = _row_count(merged, weights)
                    merged[variable.name] = np.column_stack(
                        [np.asarray(merged.pop(k)) if k in merged else np.zeros(n) for k in keys]
                    )
        return cls(variables.values(), merged, weights=weights)

    @classmethod
    def from_records(
        cls,
        form: Form,
        rows: Iterable[Mapping[str, Answer]],
        *,
        weight: str | None = None,
        language: str | None = None,
    ) -> Dataset:
        """Build a dataset from peiling's own responses: one mapping of answers per respondent.

        Answers are keyed by question name and typed as the expression language sees them
        (choice name, tuple of choice names, number, date, text; ``None`` for no answer).
        ``weight`` names the key holding each respondent's weight.

        Raises
        ------
        DatasetError
            listing every key that is no question, value not in a choice list and type clash,
            with counts and examples; nothing is dropped silently.
        """
        from peiling.analysis.records import code_records

        variables = variables_from_form(form, language)
        columns, weights, problems = code_records(variables, list(rows), weight)
        _refuse(problems)
        return cls(variables.values(), columns, weights=weights)

    @classmethod
    def from_encoded(
        cls,
        form: Form,
        columns: Mapping[str, tuple[ArrayLike, Sequence[Answer]]],
        *,
        n: int,
        unknown_keys: Mapping[str, int] | None = None,
        language: str | None = None,
        distinct: bool = False,
    ) -> Dataset:
        """Build a dataset from dict-encoded answers: per question ``(codes, values)``, where
        ``values`` holds the distinct answers (typed as in ``from_records``, ``None`` for no
        answer) and ``codes[i]`` is the position of respondent ``i``'s answer in it.

        The same data gives the same dataset, and the same ``DatasetError``, as
        ``from_records``; ``unknown_keys`` counts answers stored under keys that are no
        question. Questions without a column are unanswered by all ``n`` respondents.
        ``distinct``: no two values of a column are equal but for ``None``.
        """
        from peiling.analysis.records import code_encoded

        variables = variables_from_form(form, language)
        coded, problems = code_encoded(variables, columns, n, unknown_keys or {}, distinct)
        _refuse(problems)
        return cls(variables.values(), coded)

    def _store(self, variable: Variable, column: Any) -> NDArray[Any]:
        n, kind = self._n, variable.kind
        if kind == "single":
            dtype = np.int8 if len(variable.categories) <= 127 else np.int16
            if column is None:
                return np.full(n, -1, dtype=dtype)
            codes = np.asarray(column)
            _check_shape(variable, codes, (n,))
            if codes.dtype.kind not in "iub":
                raise DatasetError(f"column {variable.name!r}: codes must be integers")
            if codes.size and codes.max() >= len(variable.categories):
                raise DatasetError(
                    f"column {variable.name!r}: code {int(codes.max())} is past the last of "
                    f"{len(variable.categories)} categories"
                )
            return np.where(codes < 0, -1, codes).astype(dtype, copy=False)
        if kind == "multiple":
            k = len(variable.categories)
            if column is None:
                self._answered[variable.name] = np.zeros(n, dtype=bool)
                return np.zeros((n, k), dtype=np.uint8, order="F")
            matrix = np.asarray(column)
            _check_shape(variable, matrix, (n, k))
            missing = matrix < 0
            if matrix.dtype.kind == "f":
                missing |= np.isnan(matrix)
            answered = ~missing.any(axis=1)
            self._answered[variable.name] = answered
            # Column-major, so that each choice's column is contiguous for tabulation.
            return np.asfortranarray(((matrix > 0) & answered[:, None]).astype(np.uint8))
        if kind == "numeric":
            values = np.zeros(n) * np.nan if column is None else np.asarray(column, dtype=float)
            _check_shape(variable, values, (n,))
            return np.array(values, dtype=np.float64, copy=True)
        if kind == "text" and isinstance(column, EncodedText):
            index = np.asarray(column.codes, dtype=np.intp)
            _check_shape(variable, index, (n,))
            if column.distinct:
                # fromiter: a tuple (a rank answer) stays one value
                values = np.fromiter(column.values, dtype=object, count=len(column.values))
                none = np.equal(values, None)
                remap = np.cumsum(~none, dtype=np.int32) - 1
                remap[none] = -1
                self._uniques[variable.name] = tuple(itertools.compress(column.values, ~none))
            else:
                lookup: dict[Any, int] = {}
                remap = np.asarray([-1 if v is None else lookup.setdefault(v, len(lookup))
                                    for v in column.values], dtype=np.int32)  # fmt: skip
                self._uniques[variable.name] = tuple(lookup)
            return remap[index] if remap.size else index.astype(np.int32)
        if kind == "text":
            values = [None] * n if column is None else list(column)
            if len(values) != n:
                raise DatasetError(f"column {variable.name!r} has {len(values)} rows, not {n}")
            lookup = {}
            codes = np.fromiter(
                (-1 if v is None else lookup.setdefault(v, len(lookup)) for v in values),
                dtype=np.int32,
                count=n,
            )
            self._uniques[variable.name] = tuple(lookup)
            return codes
        raise ValueError(f"kind must be one of {VARIABLE_KINDS!r} (got {kind!r})")

    def _derive_asked(self, variable: Variable, problems: list[DataProblem]) -> None:
        mask = np.ones(self._n, dtype=bool)
        for condition in variable.relevance:
            try:
                mask &= self.evaluate(condition)
            except DatasetError as error:
                problems.append(
                    DataProblem(
                        variable.name,
                        "routing_unknown",
                        f"cannot tell who was asked ({error}); everyone is counted as asked",
                    )
                )
                return
        self._set_asked(variable, mask, " and ".join(variable.relevance), problems)

    def _set_asked(
        self, variable: Variable, mask: NDArray[np.bool_], rule: str, problems: list[DataProblem]
    ) -> None:
        answered = self._answered_array(variable.name)
        conflicts = np.flatnonzero(answered & ~mask)
        if conflicts.size:
            problems.append(
                DataProblem(
                    variable.name,
                    "not_asked",
                    f"{answers_phrase(conflicts.size)} given where the question was not asked "
                    f"(relevant: {rule}); left out of every base "
                    f"(e.g. {_rows(conflicts)})",
                    count=int(conflicts.size),
                    examples=tuple(str(i + 1) for i in conflicts[:3]),
                )
            )
            self._clear(variable, ~mask)
        self._asked[variable.name] = mask

    def _clear(self, variable: Variable, rows: NDArray[np.bool_]) -> None:
        data = self._data[variable.name]
        if variable.kind == "multiple":
            data[rows] = 0
            self._answered_array(variable.name)[rows] = False
        elif variable.kind == "numeric":
            data[rows] = np.nan
        else:
            data[rows] = -1

    # -- access -----------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Return the number of respondents (rows)."""
        return self._n

    @property
    def variables(self) -> Mapping[str, Variable]:
        """Return the variables by name, in form order (read-only)."""
        return MappingProxyType(self._variables)

    @property
    def weights(self) -> NDArray[np.float64] | None:
        return self._weights

    @property
    def problems(self) -> tuple[DataProblem, ...]:
        """Return answers left out because of routing, and routing that could not be derived."""
        return self._problems

    @property
    def nbytes(self) -> int:
        """Return the memory held by the columns, masks and weights, in bytes."""
        arrays = [*self._data.values(), *self._asked.values(), *self._answered.values()]
        arrays += [a for a in (self._weights,) if a is not None]
        return sum(a.nbytes for a in arrays)

    def variable(self, name: str) -> Variable:
        """Return the variable called ``name``; raise ``UnknownVariableError`` when absent."""
        try:
            return self._variables[name]
        except KeyError:
            raise UnknownVariableError(name, self._variables) from None

    def codes(self, name: str) -> NDArray[np.integer[Any]]:
        """Return the codes of a single choice (or text) variable; -1 is no answer."""
        return self._array(name, ("single", "text"))

    def selected(self, name: str) -> NDArray[np.uint8]:
        """Return the respondents x choices 0/1 matrix of a multiple choice variable."""
        return self._array(name, ("multiple",))

    def numbers(self, name: str) -> NDArray[np.float64]:
        """Return the values of a numeric variable; NaN is no answer."""
        return self._array(name, ("numeric",))

    def column(self, key: str) -> NDArray[Any]:
        """Return the stored column ``key``; ``"q/choice"`` is one choice of a multiple."""
        if key not in self._variables and "/" in key:
            name, _, choice = key.rpartition("/")
            variable = self.variable(name)
            if variable.kind == "multiple":
                return self.selected(name)[:, variable.code_of(choice)]
        self.variable(key)
        return self._data[key]

    def distinct_values(self, name: str) -> tuple[Any, ...]:
        """Return the values that the codes of a text variable point at."""
        self._array(name, ("text",))
        return self._uniques[name]

    def asked(self, name: str) -> NDArray[np.bool_]:
        """Return who was asked ``name`` (its relevance held); all true without routing."""
        self.variable(name)
        mask = self._asked.get(name)
        if mask is None:
            return np.ones(self._n, dtype=bool)
        return _read_only(mask)

    def answered(self, name: str) -> NDArray[np.bool_]:
        """Return who was asked ``name`` and answered it."""
        self.variable(name)
        return _read_only(self._answered_array(name).copy())

    def _answered_array(self, name: str) -> NDArray[np.bool_]:
        kind = self._variables[name].kind
        data = self._data[name]
        if kind == "multiple":
            return self._answered[name]
        if kind == "numeric":
            return ~np.isnan(data)
        return data >= 0

    def _array(self, name: str, kinds: tuple[str, ...]) -> NDArray[Any]:
        variable = self.variable(name)
        if variable.kind not in kinds:
            raise DatasetError(
                f"variable {name!r} is {variable.kind}; expected {' or '.join(kinds)}"
            )
        return self._data[name]

    def with_single(self, variable: Variable, codes: ArrayLike) -> Dataset:
        """Return the same data with one more single choice variable (a column of the
        respondents' paradata, such as the link they came through); ``codes`` are positions
        in ``variable.categories``, -1 for none. Raises ``ValueError`` for a name already
        used, another kind, or codes of the wrong length or range."""
        if variable.kind != "single":
            raise ValueError(f"variable {variable.name!r}: with_single adds a single choice "
                             f"variable (got {variable.kind})")
        if variable.name in self._variables:
            raise ValueError(f"variable {variable.name!r} exists already")
        dtype = np.int8 if len(variable.categories) <= 127 else np.int16
        array = np.asarray(codes, dtype=dtype)
        if array.shape != (self._n,):
            raise ValueError(f"variable {variable.name!r}: {array.shape[0] if array.ndim else 0}"
                             f" codes for {self._n} respondents")
        if array.size and (array.min() < -1 or array.max() >= len(variable.categories)):
            raise ValueError(f"variable {variable.name!r}: codes must be -1 or positions of its "
                             f"{len(variable.categories)} categories")
        copy = object.__new__(Dataset)
        for slot in Dataset.__slots__:
            object.__setattr__(copy, slot, getattr(self, slot))
        copy._variables = {**self._variables, variable.name: variable}
        copy._data = {**self._data, variable.name: _read_only(array)}
        return copy

    def with_multiple(self, variable: Variable, selected: ArrayLike, *,
                      asked: ArrayLike | None = None, after: str | None = None) -> Dataset:
        """Return the same data with one more multiple choice variable (the codes of an
        open question, say): ``selected`` a respondents x categories array of 0/1, a row of
        -1 for no answer; ``asked`` who was asked (everyone by default); placed right after
        the variable ``after`` (at the end by default). Raises ``ValueError`` for a name
        already used, another kind, or arrays of the wrong shape."""
        if variable.kind != "multiple":
            raise ValueError(f"variable {variable.name!r}: with_multiple adds a multiple choice "
                             f"variable (got {variable.kind})")
        if variable.name in self._variables:
            raise ValueError(f"variable {variable.name!r} exists already")
        if after is not None and after not in self._variables:
            raise ValueError(f"variable {after!r} to place {variable.name!r} after is unknown")
        matrix = np.asarray(selected)
        if matrix.shape != (self._n, len(variable.categories)):
            raise ValueError(f"variable {variable.name!r}: shape {matrix.shape}, expected "
                             f"{(self._n, len(variable.categories))}")
        answered = ~(matrix < 0).any(axis=1)
        mask = np.ones(self._n, dtype=bool) if asked is None else np.asarray(asked, dtype=bool)
        if mask.shape != (self._n,):
            raise ValueError(f"variable {variable.name!r}: asked mask of shape {mask.shape}")
        answered &= mask
        data = np.asfortranarray(((matrix > 0) & answered[:, None]).astype(np.uint8))
        copy = object.__new__(Dataset)
        for slot in Dataset.__slots__:
            object.__setattr__(copy, slot, getattr(self, slot))
        names = list(self._variables)
        position = names.index(after) + 1 if after is not None else len(names)
        names.insert(position, variable.name)
        variables = {**self._variables, variable.name: variable}
        copy._variables = {name: variables[name] for name in names}
        copy._data = {**self._data, variable.name: _read_only(data)}
        copy._answered = {**self._answered, variable.name: _read_only(answered)}
        copy._asked = ({**self._asked, variable.name: _read_only(mask)} if asked is not None
                       else self._asked)
        return copy

    def renamed(self, old: str, new: str) -> Dataset:
        """Return the same data with variable ``old`` called ``new`` (in its place): a
        question renamed between two waves of a monitor. Raises ``ValueError`` for an unknown
        ``old`` or a ``new`` in use."""
        if old not in self._variables:
            raise ValueError(f"variable {old!r} to rename is unknown")
        if new in self._variables:
            raise ValueError(f"variable {new!r} exists already")
        copy = object.__new__(Dataset)
        for slot in Dataset.__slots__:
            object.__setattr__(copy, slot, getattr(self, slot))

        def moved(mapping: dict[str, Any]) -> dict[str, Any]:
            return {(new if key == old else key): value for key, value in mapping.items()}

        copy._variables = {(new if key == old else key):
                           (replace(variable, name=new) if key == old else variable)
                           for key, variable in self._variables.items()}
        copy._data, copy._uniques = moved(self._data), moved(self._uniques)
        copy._asked, copy._answered = moved(self._asked), moved(self._answered)
        return copy

    def recoded(self, name: str, categories: Sequence[Category],
                codes: Mapping[str, str]) -> Dataset:
        """Return the same data with the choice variable ``name`` on ``categories``: each
        answer's category named by ``codes`` (old name -> new name; a name not in ``codes``
        stays itself). Two old categories may become one. Raises ``ValueError`` for an old
        category that is not in ``categories`` then, or a variable that is no choice."""
        variable = self.variable(name)
        if variable.kind not in ("single", "multiple"):
            raise ValueError(f"variable {name!r} is {variable.kind}; only choices recode")
        position = {category.name: i for i, category in enumerate(categories)}
        target = []
        for category in variable.categories:
            to = codes.get(category.name, category.name)
            if to not in position:
                raise ValueError(f"variable {name!r}: category {category.name!r} has no "
                                 f"place among {', '.join(position)}")
            target.append(position[to])
        copy = object.__new__(Dataset)
        for slot in Dataset.__slots__:
            object.__setattr__(copy, slot, getattr(self, slot))
        copy._variables = {**self._variables,
                           name: replace(variable, categories=tuple(categories))}
        old = self._data[name]
        if variable.kind == "single":
            lookup = np.asarray(target, dtype=np.int64)
            dtype = np.int8 if len(categories) <= 127 else np.int16
            data = np.where(old >= 0, lookup[np.clip(old, 0, None)], -1).astype(dtype)
        else:
            data = np.zeros((self._n, len(categories)), dtype=np.uint8, order="F")
            for column, to in enumerate(target):
                data[:, to] |= old[:, column]
        copy._data = {**self._data, name: _read_only(data)}
        return copy

    def with_weights(self, weights: ArrayLike | None) -> Dataset:
        """Return the same data with other weights (``None`` for unweighted); columns shared."""
        copy = object.__new__(Dataset)
        for slot in Dataset.__slots__:
            object.__setattr__(copy, slot, getattr(self, slot))
        copy._weights = None if weights is None else _checked_weights(weights, self._n)
        return copy

    def answer(self, name: str, row: int) -> Answer:
        """Return respondent ``row``'s answer to ``name`` as the expression language sees it."""
        keys, _, decode = self._key_column(name)
        return decode(int(keys[row]))

    # -- expressions ------------------------------------------------------------------------

    def evaluate(self, expression: str | expressions.Expression) -> NDArray[np.bool_]:
        """Return, per respondent, whether ``expression`` (XLSForm syntax) holds.

        The expression is evaluated once per distinct combination of the answers it refers to
        and the results are spread back to respondents with numpy, so the cost grows with the
        number of combinations, not of respondents.

        Raises
        ------
        UnknownVariableError
            when the expression refers to a variable the dataset does not have.
        ExpressionFailed
            when it does not parse, or cannot be evaluated for some combination of answers.
        """
        text = expression if isinstance(expression, str) else expression.text
        if isinstance(expression, str):
            try:
                expression = expressions.parse(expression)
            except expressions.ExpressionError as error:
                raise ExpressionFailed(f"expression {text!r}: {error}") from None
        if expression.uses_current:
            raise ExpressionFailed(
                f"expression {text!r}: '.' (the answer being checked) only has a meaning in a "
                "constraint; refer to the question as ${name}"
            )
        names = sorted(expression.references)
        columns = [self._key_column(name) for name in names]
        composite, cardinality = np.zeros(self._n, dtype=np.int64), 1
        for keys, size, _ in columns:
            if cardinality * size >= 1 << 62:
                return self._evaluate_by_rows(expression, text, names, columns)
            composite = composite * size + keys
            cardinality *= size
        unique, inverse = _unique_inverse(composite, cardinality)
        results = np.empty(len(unique), dtype=bool)
        for index, combination in enumerate(unique.tolist()):
            values: dict[str, Answer] = {}
            for name, (_, size, decode) in zip(names[::-1], columns[::-1], strict=True):
                combination, key = divmod(combination, size)
                values[name] = decode(key)
            results[index] = _evaluate_one(expression, text, values)
        return results[inverse]

    def _evaluate_by_rows(
        self,
        expression: expressions.Expression,
        text: str,
        names: list[str],
        columns: list[tuple[NDArray[np.int64], int, Callable[[int], Answer]]],
    ) -> NDArray[np.bool_]:
        stacked = np.column_stack([keys for keys, _, _ in columns])
        unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
        results = np.empty(len(unique), dtype=bool)
        for index, combination in enumerate(unique.tolist()):
            values = {
                name: decode(key)
                for name, key, (_, _, decode) in zip(names, combination, columns, strict=True)
            }
            results[index] = _evaluate_one(expression, text, values)
        return results[inverse.reshape(-1)]

    def _key_column(self, name: str) -> tuple[NDArray[np.int64], int, Callable[[int], Answer]]:
        """Return non-negative keys (0 = no answer), their count, and key -> answer."""
        variable = self.variable(name)
        data = self._data[name]
        if variable.kind == "single":
            names = (None, *variable.category_names)
            return data.astype(np.int64) + 1, len(names), names.__getitem__
        if variable.kind == "text":
            uniques = (None, *self._uniques[name])
            return data.astype(np.int64) + 1, len(uniques), uniques.__getitem__
        if variable.kind == "numeric":
            return _numeric_keys(variable, data)
        if variable.kind == "multiple":
            return _multiple_keys(variable, data, self._answered[name])
        raise ValueError(f"kind must be one of {VARIABLE_KINDS!r} (got {variable.kind!r})")


def _numeric_keys(
    variable: Variable, data: NDArray[np.float64]
) -> tuple[NDArray[np.int64], int, Callable[[int], Answer]]:
    unique, inverse = np.unique(data, return_inverse=True)
    whole = variable.question_type == "integer"
    answers: list[Answer] = [None]
    for value in unique.tolist():
        if value != value:  # NaN: np.unique keeps one, last
            continue
        answers.append(int(value) if whole and float(value).is_integer() else value)
    keys = inverse.astype(np.int64).reshape(-1) + 1
    keys[np.isnan(data)] = 0
    return keys, len(answers), answers.__getitem__


def _multiple_keys(
    variable: Variable, data: NDArray[np.uint8], answered: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], int, Callable[[int], Answer]]:
    names = variable.category_names
    if len(names) > 60:
        rows, inverse = np.unique(np.asarray(data), axis=0, return_inverse=True)
        keys = np.where(answered, inverse.reshape(-1) + 1, 0).astype(np.int64)
        lookup: list[Answer] = [None] + [
            tuple(n for n, bit in zip(names, row, strict=True) if bit) for row in rows.tolist()
        ]
        return keys, len(lookup), lookup.__getitem__
    packed = np.zeros(len(answered), dtype=np.int64)
    for code in range(len(names)):
        packed |= data[:, code].astype(np.int64) << code
    keys = np.where(answered, packed + 1, 0)

    def decode(key: int) -> Answer:
        if key == 0:
            return None
        return tuple(n for code, n in enumerate(names) if (key - 1) >> code & 1)

    return keys, 1 << (len(names) + 1), decode


def _unique_inverse(
    composite: NDArray[np.int64], cardinality: int
) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    if cardinality <= max(_DENSE_KEY_LIMIT // 4, 4 * len(composite)) and cardinality > 0:
        present = np.bincount(composite, minlength=cardinality) > 0
        unique = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        return unique.astype(np.int64), lookup[composite]
    unique, inverse = np.unique(composite, return_inverse=True)
    return unique, inverse.reshape(-1)


def _evaluate_one(expression: expressions.Expression, text: str, values: dict[str, Answer]) -> bool:
    try:
        return bool(expression.evaluate_bool(expressions.Environment(values=values)))
    except expressions.ExpressionError as error:
        shown = ", ".join(f"${{{k}}}={v!r}" for k, v in sorted(values.items()))
        raise ExpressionFailed(f"expression {text!r} fails for {shown}: {error}") from None


def _refuse(problems: list[DataProblem]) -> None:
    """Raise a DatasetError listing ``problems``, if there are any."""
    if problems:
        raise DatasetError(
            "answers that do not fit the form:\n" + "\n".join(map(str, problems)), problems
        )


def answers_phrase(count: int) -> str:
    """Return "1 answer" or "n answers"."""
    return "1 answer" if count == 1 else f"{count} answers"



def _rows(rows: NDArray[np.intp]) -> str:
    """Return the first three of ``rows`` (0-based) counted from 1: "respondents 2, 5, 9"."""
    shown = ", ".join(str(i + 1) for i in rows[:3])
    return f"respondent {shown}" if rows.size == 1 else f"respondents {shown}"


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    view = array.view()
    view.flags.writeable = False
    return view


def _row_count(columns: Mapping[str, Any], weights: ArrayLike | None) -> int:
    lengths = {len(column) for column in columns.values()}
    if weights is not None:
        lengths.add(len(np.asarray(weights)))
    if len(lengths) > 1:
        raise DatasetError(f"columns differ in length: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _check_shape(variable: Variable, array: NDArray[Any], shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise DatasetError(
            f"column {variable.name!r} has shape {array.shape}; expected {shape} "
            f"({variable.kind} with {len(variable.categories)} categories)"
        )


def _checked_weights(weights: ArrayLike, n: int) -> NDArray[np.float64]:
    array = np.array(weights, dtype=np.float64)
    if array.shape != (n,):
        raise DatasetError(f"weights have shape {array.shape}; expected ({n},)")
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise DatasetError(
            f"weights must be finite and not negative; {rows.size} are not (e.g. {_rows(rows)})"
        )
    array.flags.writeable = False
    return array
