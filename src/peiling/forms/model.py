"""The Form model: the one source of truth for a questionnaire's variables, labels and logic.

Plain frozen dataclasses with a JSON round-trip (``Form.to_dict`` / ``Form.from_dict``). The
XLSForm reader (``peiling.forms.xlsform``) builds them; fieldwork, analysis, reports and exports
read them and never re-derive what is defined here.

Texts that can be translated are ``Translated`` mappings from the XLSForm language name
(``"Nederlands (nl)"``) to the text; a form without translations uses the key ``"default"``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "CHOICE_TYPES",
    "DEFAULT_LANGUAGE",
    "QUESTION_TYPES",
    "Choice",
    "Form",
    "Group",
    "Item",
    "Page",
    "Question",
    "QuestionType",
    "Translated",
    "language_code",
    "text_in",
]

QuestionType: TypeAlias = Literal[
    "select_one",
    "select_multiple",
    "rank",
    "integer",
    "decimal",
    "range",
    "text",
    "date",
    "note",
    "calculate",
]
QUESTION_TYPES: tuple[str, ...] = QuestionType.__args__  # type: ignore[attr-defined]
CHOICE_TYPES = frozenset({"select_one", "select_multiple", "rank"})
#: Types that hold no answer a respondent gives.
UNANSWERED_TYPES = frozenset({"note", "calculate"})

DEFAULT_LANGUAGE = "default"
Translated: TypeAlias = Mapping[str, str]

_LANGUAGE_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")


#: Language names written without a code (``label::English``), in English and in the
#: language itself, with their ISO 639-1 code: the languages of forms peiling's users field.
_LANGUAGE_NAMES = {
    "dutch": "nl", "nederlands": "nl", "english": "en", "engels": "en", "french": "fr",
    "français": "fr", "francais": "fr", "frans": "fr", "german": "de", "deutsch": "de",
    "duits": "de", "spanish": "es", "español": "es", "espanol": "es", "spaans": "es",
    "portuguese": "pt", "português": "pt", "portugees": "pt", "italian": "it",
    "italiano": "it", "italiaans": "it", "turkish": "tr", "türkçe": "tr", "turks": "tr",
    "arabic": "ar", "arabisch": "ar", "polish": "pl", "polski": "pl", "pools": "pl",
    "frisian": "fy", "frysk": "fy", "fries": "fy", "papiamento": "pap", "swahili": "sw",
    "kiswahili": "sw", "chinese": "zh", "russian": "ru", "ukrainian": "uk",
}  # fmt: skip


def language_code(language: str) -> str:
    """Return the code of an XLSForm language name: ``"Nederlands (nl)"`` -> ``"nl"``,
    ``"English"`` -> ``"en"``.

    A name with neither a code in parentheses nor a known name is returned lower-cased
    (``"default"``).
    """
    match = _LANGUAGE_CODE.search(language)
    if match:
        return match.group(1).lower()
    name = language.strip().lower()
    return _LANGUAGE_NAMES.get(name, name)


def text_in(texts: Translated, language: str | None, fallback: str | None = None) -> str:
    """Return the text for ``language`` (a name or a code), else ``fallback``'s, else any text.

    Returns "" when ``texts`` is empty.
    """
    if not texts:
        return ""
    for wanted in (language, fallback, DEFAULT_LANGUAGE):
        if wanted is None:
            continue
        if wanted in texts:
            return texts[wanted]
        code = language_code(wanted)
        for name, text in texts.items():
            if language_code(name) == code:
                return text
    return next(iter(texts.values()))


@dataclass(frozen=True)
class Choice:
    """One answer option of a choice list; ``extra`` holds choice_filter columns."""

    name: str
    label: Translated = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """One survey row that holds (or computes) a value.

    Expressions (``relevant``, ``constraint``, ``calculation``, ``choice_filter``, ``required``)
    are kept as their XLSForm text; ``peiling.forms.expressions.parse`` compiles them.
    ``required`` is ``None`` (optional), ``"true()"`` (for ``yes``) or an expression.
    """

    name: str
    type: QuestionType
    label: Translated = field(default_factory=dict)
    hint: Translated = field(default_factory=dict)
    required: str | None = None
    required_message: Translated = field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Translated = field(default_factory=dict)
    calculation: str | None = None
    appearance: str | None = None
    choice_list: str | None = None
    choice_filter: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None
    #: What the question is about, in a few words for a report's findings ("het online
    #: aanbieden van alle overheidsdiensten"); the XLSForm column ``peiling::subject``.
    subject: Translated = field(default_factory=dict)
    row: int = field(default=0, compare=False)

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def is_answered_by_respondent(self) -> bool:
        return self.type not in UNANSWERED_TYPES

    @property
    def randomize(self) -> bool:
        return self.parameters.get("randomize", "").lower() in ("true", "yes", "1")


@dataclass(frozen=True)
class Group:
    """A ``begin_group``/``end_group`` block; appearance ``field-list`` or ``table-list`` (a
    grid of statements sharing one choice list) makes it one page."""

    name: str
    label: Translated = field(default_factory=dict)
    relevant: str | None = None
    appearance: str | None = None
    children: tuple[Item, ...] = ()
    row: int = field(default=0, compare=False)

    @property
    def is_page(self) -> bool:
        return bool({"field-list", "table-list"} & set((self.appearance or "").split()))


Item: TypeAlias = Question | Group


@dataclass(frozen=True)
class Page:
    """What a respondent sees at once: one question, or the questions of a field-list group.

    ``relevant`` lists the conditions of the enclosing groups (outermost first); the page shows
    when all hold and at least one of its questions is relevant.
    """

    key: str
    questions: tuple[Question, ...]
    group: Group | None = None
    relevant: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    """A questionnaire version: settings, the tree of groups and questions, the choice lists."""

    form_id: str
    title: str
    version: str = ""
    default_language: str = DEFAULT_LANGUAGE
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)
    children: tuple[Item, ...] = ()
    choice_lists: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)
    #: XLSForm metadata the response records, by variable name: ``start``, ``end``, ``today``.
    metadata: Mapping[str, str] = field(default_factory=dict)

    # -- navigation -----------------------------------------------------------------------

    def walk(self) -> Iterator[tuple[Item, tuple[Group, ...]]]:
        """Yield every item depth-first with its enclosing groups (outermost first)."""

        def visit(items: tuple[Item, ...], parents: tuple[Group, ...]) -> Iterator[Any]:
            for item in items:
                yield item, parents
                if isinstance(item, Group):
                    yield from visit(item.children, (*parents, item))

        return visit(self.children, ())

    def questions(self) -> tuple[Question, ...]:
        """Return every question (including notes and calculations) in form order."""
        return tuple(item for item, _ in self.walk() if isinstance(item, Question))

    def groups(self) -> tuple[Group, ...]:
        return tuple(item for item, _ in self.walk() if isinstance(item, Group))

    def question(self, name: str) -> Question:
        """Return the question called ``name``; raise ``KeyError`` naming it when absent."""
        for question in self.questions():
            if question.name == name:
                return question
        raise KeyError(f"no question named {name!r} in form {self.form_id!r}")

    def parents_of(self, name: str) -> tuple[Group, ...]:
        """Return the groups enclosing the item called ``name`` (outermost first)."""
        for item, parents in self.walk():
            if item.name == name:
                return parents
        raise KeyError(f"no question or group named {name!r} in form {self.form_id!r}")

    def relevance(self, name: str) -> tuple[str, ...]:
        """Return every condition that must hold for ``name`` to be asked (groups first)."""
        conditions = [group.relevant for group in self.parents_of(name) if group.relevant]
        item = self.question(name)
        if item.relevant:
            conditions.append(item.relevant)
        return tuple(conditions)

    def choices(self, question: Question | str) -> tuple[Choice, ...]:
        """Return the choices of a select or rank question (empty for other types)."""
        if isinstance(question, str):
            question = self.question(question)
        if question.choice_list is None:
            return ()
        return self.choice_lists[question.choice_list]

    def pages(self) -> tuple[Page, ...]:
        """Split the form into pages: each field-list group is one page, any other question
        its own page. Calculations are on no page."""
        pages: list[Page] = []

        def visit(items: tuple[Item, ...], parents: tuple[Group, ...]) -> None:
            for item in items:
                conditions = tuple(g.relevant for g in parents if g.relevant)
                if isinstance(item, Group) and item.is_page:
                    inner = tuple(
                        q
                        for q, _ in Form(form_id="", title="", children=item.children).walk()
                        if isinstance(q, Question) and q.type != "calculate"
                    )
                    if inner:
                        own = (item.relevant,) if item.relevant else ()
                        pages.append(Page(item.name, inner, item, conditions + own))
                elif isinstance(item, Group):
                    visit(item.children, (*parents, item))
                elif item.type != "calculate":
                    pages.append(Page(item.name, (item,), None, conditions))

        visit(self.children, ())
        return tuple(pages)

    def language(self, wanted: str | None) -> str:
        """Return the form language matching ``wanted`` (a name or code), else the default."""
        if wanted:
            code = language_code(wanted)
            for language in self.languages:
                if language == wanted or language_code(language) == code:
                    return language
        return self.default_language

    # -- serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; ``Form.from_dict`` reads it back to an equal Form.

        ``metadata`` is left out when empty, so forms without it keep their content hash.
        """
        data = {
            "form_id": self.form_id,
            "title": self.title,
            "version": self.version,
            "default_language": self.default_language,
            "languages": list(self.languages),
            "children": [_item_to_dict(item) for item in self.children],
            "choice_lists": {
                name: [
                    {"name": c.name, "label": dict(c.label), "extra": dict(c.extra)}
                    for c in choices
                ]
                for name, choices in self.choice_lists.items()
            },
        }
        if self.metadata:  # pairs, in form order: PostgreSQL's jsonb reorders an object's keys
            data["metadata"] = [[name, kind] for name, kind in self.metadata.items()]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Form:
        return cls(
            form_id=data["form_id"],
            title=data["title"],
            version=data.get("version", ""),
            default_language=data.get("default_language", DEFAULT_LANGUAGE),
            languages=tuple(data.get("languages", (DEFAULT_LANGUAGE,))),
            children=tuple(_item_from_dict(item) for item in data.get("children", ())),
            choice_lists={
                name: tuple(
                    Choice(c["name"], dict(c.get("label", {})), dict(c.get("extra", {})))
                    for c in choices
                )
                for name, choices in data.get("choice_lists", {}).items()
            },
            metadata=dict(data.get("metadata", ())),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Form:
        return cls.from_dict(json.loads(text))

    def content_hash(self) -> str:
        """Return the SHA-256 of the canonical JSON: equal forms have equal hashes."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


_QUESTION_TEXT_FIELDS = ("label", "hint", "required_message", "constraint_message")
_QUESTION_PLAIN_FIELDS = (
    "required",
    "relevant",
    "constraint",
    "calculation",
    "appearance",
    "choice_list",
    "choice_filter",
    "default",
)


def _item_to_dict(item: Item) -> dict[str, Any]:
    if isinstance(item, Group):
        return {
            "kind": "group",
            "name": item.name,
            "label": dict(item.label),
            "relevant": item.relevant,
            "appearance": item.appearance,
            "row": item.row,
            "children": [_item_to_dict(child) for child in item.children],
        }
    data: dict[str, Any] = {"kind": "question", "name": item.name, "type": item.type}
    for name in _QUESTION_TEXT_FIELDS:
        data[name] = dict(getattr(item, name))
    for name in _QUESTION_PLAIN_FIELDS:
        data[name] = getattr(item, name)
    data["parameters"] = dict(item.parameters)
    if item.subject:  # only when given, so that earlier forms keep their fingerprint
        data["subject"] = dict(item.subject)
    data["row"] = item.row
    return data


def _item_from_dict(data: Mapping[str, Any]) -> Item:
    if data["kind"] == "group":
        return Group(
            name=data["name"],
            label=dict(data.get("label", {})),
            relevant=data.get("relevant"),
            appearance=data.get("appearance"),
            children=tuple(_item_from_dict(child) for child in data.get("children", ())),
            row=data.get("row", 0),
        )
    if data["kind"] != "question":
        raise ValueError(f"item kind must be 'group' or 'question' (got {data['kind']!r})")
    if data["type"] not in QUESTION_TYPES:
        raise ValueError(f"question type must be one of {QUESTION_TYPES!r} (got {data['type']!r})")
    return Question(
        name=data["name"],
        type=data["type"],
        parameters=dict(data.get("parameters", {})),
        subject=dict(data.get("subject", {})),
        row=data.get("row", 0),
        **{name: dict(data.get(name, {})) for name in _QUESTION_TEXT_FIELDS},
        **{name: data.get(name) for name in _QUESTION_PLAIN_FIELDS},
    )
