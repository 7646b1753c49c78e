"""Build peiling's Form from pyxform's reading of a checked XLSForm.

pyxform's JSON gives the texts per language, the binds and the choice lists with its aliases
resolved; the raw sheet rows (canonical columns, ``xlsform_sheets``) give what pyxform
rewrites: the row number, the appearance, a table-list group's label and the type as written.
Three things the researcher wrote become peiling's own:

- ``or_other`` on a select: pyxform adds the choice ``other`` and a text question
  ``<name>_other`` shown when it is chosen; they become an ordinary choice ("Anders" in
  Dutch) and an ordinary text question ("Anders, namelijk:"), so analysis, exports and reports
  treat them as any other.
- ``start``, ``end`` and ``today`` become ``Form.metadata``; other metadata is left out (the
  checker warns).
- Language spellings that differ in case (``label:English``, ``hint:english``) become one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peiling.forms.model import DEFAULT_LANGUAGE, Choice, Form, Group, Item, Question, language_code
from peiling.forms.xlsform_sheets import SUBJECT_COLUMN
from peiling.forms.xlsform_types import METADATA_RECORDED, row_type

__all__ = ["OTHER_CHOICE", "Rows", "form_from_definition"]

#: Survey rows by name: (Excel row number, canonical column -> text).
Rows = Mapping[str, tuple[int, Mapping[str, str]]]
#: The choice ``or_other`` adds, as pyxform names it.
OTHER_CHOICE = "other"
_OTHER_TEXTS = {"nl": ("Anders", "Anders, namelijk:"), "en": ("Other", "Other, namely:")}
_FALSE = ("no", "false", "false()", "0")
_TRUE = ("yes", "true", "true()", "1")


def form_from_definition(definition: Mapping[str, Any], rows: Rows) -> Form:
    """Return the Form of pyxform's ``definition``, with ``rows`` the raw survey rows."""
    return _Builder(rows).form(definition)


class _Builder:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.languages: list[str] = []
        self.metadata: dict[str, str] = {}
        self.or_other: set[str] = set()

    def form(self, definition: Mapping[str, Any]) -> Form:
        other_lists = {kind.list_name for _row, raw in self.rows.values()
                       if (kind := row_type(raw.get("type", ""))).or_other}
        choice_lists = {
            name: tuple(self.choice(choice, other=name in other_lists) for choice in choices)
            for name, choices in definition.get("choices", {}).items()
        }
        children = tuple(item for child in definition.get("children", ())
                         if (item := self.item(child)) is not None)
        wanted = str(definition.get("default_language") or DEFAULT_LANGUAGE)
        default_language = next((known for known in self.languages
                                 if known.lower() == wanted.lower()), wanted)
        if default_language == DEFAULT_LANGUAGE and self.languages \
                and DEFAULT_LANGUAGE not in self.languages:
            default_language = self.languages[0]
        ordered = [default_language] + [lang for lang in self.languages if lang != default_language]
        return Form(
            form_id=str(definition.get("id_string") or definition.get("name") or "form"),
            title=str(definition.get("title") or definition.get("id_string") or ""),
            version=str(definition.get("version") or ""),
            default_language=default_language,
            languages=tuple(ordered),
            children=children,
            choice_lists=choice_lists,
            metadata=self.metadata,
        )

    def language(self, name: str) -> str:
        """Return the first spelling seen of the language ``name`` (case aside), noting it."""
        for known in self.languages:
            if known.lower() == name.lower():
                return known
        self.languages.append(name)
        return name

    def texts(self, value: Any) -> dict[str, str]:
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            return {self.language(DEFAULT_LANGUAGE): value}
        return {self.language(str(k)): str(v) for k, v in value.items() if v not in (None, "")}

    def choice(self, data: Mapping[str, Any], *, other: bool) -> Choice:
        extra = {k: str(v) for k, v in data.items() if k not in ("name", "label", "media")}
        label = self.texts(data.get("label"))
        if other and data["name"] == OTHER_CHOICE:
            label = {language: _other_text(language)[0] for language in label}
        return Choice(str(data["name"]), label, extra)

    def raw_texts(self, raw: Mapping[str, str], base: str) -> dict[str, str]:
        """Return the ``base`` texts of a raw row by language: a table-list group's label,
        which pyxform moves into a label row it generates."""
        texts: dict[str, str] = {}
        for column, text in raw.items():
            name, _, language = column.partition("::")
            if name == base and text:
                texts[language.strip() or DEFAULT_LANGUAGE] = text
        return self.texts(texts)

    def item(self, data: Mapping[str, Any]) -> Item | None:
        name = str(data["name"])
        if name not in self.rows:
            if name.endswith("_other") and name[: -len("_other")] in self.or_other:
                return self.other_question(name[: -len("_other")])
            # pyxform's own additions: the meta group, and the label rows it generates when
            # it expands a table-list group (we keep the table-list as the researcher wrote it).
            return None
        row, raw = self.rows[name]
        kind = row_type(raw.get("type", ""))
        if kind.metadata is not None:
            if kind.metadata in METADATA_RECORDED:
                self.metadata[name] = kind.metadata
            return None
        bind = data.get("bind", {})
        appearance = raw.get("appearance") or None
        if kind.kind == "begin_group":
            children = tuple(item for child in data.get("children", ())
                             if (item := self.item(child)) is not None)
            label = self.texts(data.get("label")) or self.raw_texts(raw, "label")
            return Group(name, label, bind.get("relevant"), appearance, children, row)
        if kind.or_other:
            self.or_other.add(name)
        return self.question(name, kind.kind, data, row, appearance, raw)

    def question(self, name: str, kind: Any, data: Mapping[str, Any], row: int,
                 appearance: str | None, raw: Mapping[str, str]) -> Question:
        bind = data.get("bind", {})
        required = bind.get("required")
        if required is not None:
            text = str(required).lower()
            required = None if text in _FALSE else ("true()" if text in _TRUE else str(required))
        parameters = {str(k): str(v) for k, v in data.get("parameters", {}).items()}
        return Question(
            name=name,
            type=kind,
            label=self.texts(data.get("label")),
            hint=self.texts(data.get("hint")),
            required=required,
            required_message=self.texts(bind.get("jr:requiredMsg")),
            relevant=bind.get("relevant"),
            constraint=bind.get("constraint"),
            constraint_message=self.texts(bind.get("jr:constraintMsg")),
            calculation=bind.get("calculate"),
            appearance=appearance,
            choice_list=data.get("list_name") or data.get("itemset"),
            choice_filter=data.get("choice_filter"),
            parameters=parameters,
            default=None if data.get("default") in (None, "") else str(data["default"]),
            subject=self.subject(raw),
            row=row,
        )

    def subject(self, raw: Mapping[str, str]) -> dict[str, str]:
        """Return the ``peiling::subject`` texts of a raw row by language (pyxform does not
        pass on columns it does not know)."""
        texts: dict[str, str] = {}
        for column, text in raw.items():
            if column.lower().startswith(SUBJECT_COLUMN) and text:
                language = column[len(SUBJECT_COLUMN):].removeprefix("::").strip()
                texts[language or DEFAULT_LANGUAGE] = text.strip()
        return self.texts(texts)

    def other_question(self, select: str) -> Question:
        """The text question of ``or_other``: asked when the choice ``other`` is chosen."""
        languages = self.languages or [DEFAULT_LANGUAGE]
        return Question(
            name=f"{select}_other",
            type="text",
            label={language: _other_text(language)[1] for language in languages},
            relevant=f"selected(${{{select}}}, '{OTHER_CHOICE}')",
            row=self.rows[select][0],
        )


def _other_text(language: str) -> tuple[str, str]:
    """Return (choice label, question label) of ``or_other`` in ``language``: Dutch for Dutch
    and the unnamed default language (peiling's users are Dutch), else English."""
    code = "nl" if language == DEFAULT_LANGUAGE else language_code(language)
    return _OTHER_TEXTS.get(code, _OTHER_TEXTS["en"])
