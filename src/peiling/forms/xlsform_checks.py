"""Our checks of an XLSForm's raw sheets: every problem, located, before pyxform sees it.

pyxform stops at its first error and accepts much that peiling cannot field (repeats, media,
GPS...), so ``Checker`` refuses each unsupported thing by name and parses every expression and
every piped reference, collecting all problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from peiling.forms import expressions
from peiling.forms.errors import Problem

SURVEY_COLUMNS = frozenset(
    (
        "type",
        "name",
        "label",
        "hint",
        "required",
        "required_message",
        "relevant",
        "constraint",
        "constraint_message",
        "calculation",
        "appearance",
        "choice_filter",
        "parameters",
        "default",
    )
)
TRANSLATABLE_COLUMNS = frozenset(["label", "hint", "required_message", "constraint_message"])
SETTINGS_COLUMNS = frozenset(["form_title", "form_id", "version", "default_language"])
REFUSED_SHEETS = ("external_choices", "entities", "osm")
MEDIA_COLUMNS = frozenset(["image", "audio", "video", "big-image", "media"])
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "required", "choice_filter")

#: XLSForm type (and pyxform alias) -> peiling type; ``None`` marks group delimiters.
SIMPLE_TYPES: Mapping[str, str | None] = {
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "range": "range",
    "text": "text",
    "string": "text",
    "date": "date",
    "note": "note",
    "calculate": "calculate",
    "begin_group": None,
    "begin group": None,
    "end_group": None,
    "end group": None,
}
LIST_TYPES = {
    "select_one": "select_one",
    "select one": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "rank": "rank",
}
SUPPORTED_TYPES = "select_one, select_multiple, rank, integer, decimal, range, text, date, note, \
calculate, begin_group, end_group"
APPEARANCES: Mapping[str, frozenset[str]] = {
    "group": frozenset({"field-list", "table-list"}),
    "select_one": frozenset({"likert", "minimal"}),
    "select_multiple": frozenset({"minimal"}),
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass
class Sheet:
    """A sheet as the user sees it: header columns and the non-empty rows by row number."""

    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def used_columns(self) -> list[str]:
        return [c for c in self.columns if any(values.get(c) for _, values in self.rows)]


def _base(column: str) -> tuple[str, str | None]:
    """Split ``label::English (en)`` into ``("label", "English (en)")``."""
    base, sep, language = column.partition("::")
    return base.strip().lower(), (language.strip() if sep else None)


# -- our checks ---------------------------------------------------------------------------


class Checker:
    """Collect every problem of the raw sheets (see the module docstring)."""

    def __init__(self, sheets: Mapping[str, Sheet]) -> None:
        self.sheets = sheets
        self.survey = sheets["survey"]
        self.choices = sheets.get("choices", Sheet("choices"))
        self.problems: list[Problem] = []
        self.names: dict[str, int] = {}
        self.lists: dict[str, list[str]] = {}
        self.list_columns: set[str] = set()

    def add(self, sheet: str, row: int | None, column: str | None, message: str, code: str) -> None:
        self.problems.append(Problem(message, sheet, row, column, code))

    def run(self) -> list[Problem]:
        for name in REFUSED_SHEETS:
            if name in self.sheets and self.sheets[name].rows:
                self.add(
                    name,
                    None,
                    None,
                    f"the '{name}' sheet is not supported by peiling; remove the sheet",
                    "unsupported_sheet",
                )
        self._check_columns(self.survey, SURVEY_COLUMNS)
        self._check_settings()
        self._check_choices()
        rows = self._collect_names()
        for number, values in rows:
            self._check_row(number, values)
        self._check_group_nesting(rows)
        return self.problems

    def _check_group_nesting(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        open_groups: list[tuple[int, str]] = []
        for number, values in rows:
            kind = _row_kind(values.get("type", ""))
            if kind == "begin_group":
                open_groups.append((number, values.get("name", "")))
            elif kind == "end_group" and open_groups:
                open_groups.pop()
            elif kind == "end_group":
                self.add(
                    "survey",
                    number,
                    "type",
                    "end_group without a begin_group above it; remove it or add the begin_group",
                    "unmatched_end_group",
                )
        for number, name in open_groups:
            self.add(
                "survey",
                number,
                "type",
                f"group '{name}' is never closed; add an end_group below its last question",
                "unclosed_group",
            )

    def _check_columns(self, sheet: Sheet, allowed: frozenset[str]) -> None:
        for column in sheet.used_columns():
            base, language = _base(column)
            if base in MEDIA_COLUMNS:
                self.add(
                    sheet.name,
                    1,
                    column,
                    f"media column '{column}' is not supported by peiling; remove the column",
                    "unsupported_column",
                )
            elif base not in allowed or (language and base not in TRANSLATABLE_COLUMNS):
                supported = ", ".join(sorted(allowed))
                self.add(
                    sheet.name,
                    1,
                    column,
                    f"column '{column}' is not supported by peiling "
                    f"(supported: {supported}); remove the column",
                    "unsupported_column",
                )

    def _check_settings(self) -> None:
        settings = self.sheets.get("settings")
        if settings is None:
            return
        self._check_columns(settings, SETTINGS_COLUMNS)

    def _check_choices(self) -> None:
        sheet = self.choices
        for column in sheet.used_columns():
            base, _ = _base(column)
            if base in MEDIA_COLUMNS:
                self.add(
                    "choices",
                    1,
                    column,
                    f"media column '{column}' is not supported by peiling; remove the column",
                    "unsupported_column",
                )
            elif base not in ("list_name", "name", "label"):
                self.list_columns.add(column)
        for number, values in sheet.rows:
            list_name, name = values.get("list_name", ""), values.get("name", "")
            if not list_name:
                self.add(
                    "choices",
                    number,
                    "list_name",
                    "the choice has no list_name; fill in the list it belongs to",
                    "missing_list_name",
                )
                continue
            if not name:
                self.add(
                    "choices",
                    number,
                    "name",
                    f"a choice in list '{list_name}' has no name; give every choice a name",
                    "missing_choice_name",
                )
                continue
            names = self.lists.setdefault(list_name, [])
            if name in names:
                self.add(
                    "choices",
                    number,
                    "name",
                    f"'{name}' is already a choice in list "
                    f"'{list_name}'; choice names must be unique within a list — rename one",
                    "duplicate_choice",
                )
            names.append(name)

    def _collect_names(self) -> list[tuple[int, dict[str, str]]]:
        rows = []
        for number, values in self.survey.rows:
            kind = _row_kind(values.get("type", ""))
            name = values.get("name", "")
            if kind in ("end_group", None) or not name:
                rows.append((number, values))
                continue
            if name in self.names:
                self.add(
                    "survey",
                    number,
                    "name",
                    f"'{name}' is already used on row "
                    f"{self.names[name]}; names must be unique in the form — rename one",
                    "duplicate_name",
                )
            else:
                self.names[name] = number
            rows.append((number, values))
        return rows

    def _check_row(self, number: int, values: dict[str, str]) -> None:
        raw_type = values.get("type", "")
        kind = _row_kind(raw_type)
        if not raw_type:
            self.add(
                "survey",
                number,
                "type",
                "the row has no type; fill in a type or delete the row",
                "missing_type",
            )
            return
        if kind is None:
            self.add(
                "survey",
                number,
                "type",
                f"type '{raw_type}' is not supported by peiling (supported: {SUPPORTED_TYPES})",
                "unsupported_type",
            )
            return
        if kind == "end_group":
            return
        name = values.get("name", "")
        if not name:
            self.add(
                "survey",
                number,
                "name",
                f"the {kind} has no name; give it a unique name",
                "missing_name",
            )
        elif not _NAME.match(name):
            self.add(
                "survey",
                number,
                "name",
                f"'{name}' is not a valid name; use letters, digits and _, starting with a letter",
                "invalid_name",
            )
        self._check_list(number, kind, raw_type)
        self._check_appearance(number, kind, values.get("appearance", ""))
        self._check_parameters(number, kind, values.get("parameters", ""))
        self._check_expressions(number, kind, values)
        self._check_piping(number, values)
        if kind == "calculate" and not values.get("calculation"):
            self.add(
                "survey",
                number,
                "calculation",
                "a calculate row needs a calculation",
                "missing_calculation",
            )
        default = values.get("default", "")
        if "${" in default:
            self.add(
                "survey",
                number,
                "default",
                "dynamic defaults are not supported by peiling; use a fixed value",
                "unsupported_default",
            )

    def _check_list(self, number: int, kind: str, raw_type: str) -> None:
        if kind not in ("select_one", "select_multiple", "rank"):
            return
        parts = raw_type.split()
        list_name = parts[-1] if len(parts) >= 2 else ""
        if list_name.endswith((".csv", ".xml", ".geojson")) or "from_file" in raw_type:
            self.add(
                "survey",
                number,
                "type",
                f"choices from a file ('{raw_type}') are not "
                "supported by peiling; put the choices on the choices sheet",
                "unsupported_type",
            )
        elif not list_name or list_name == parts[0]:
            self.add(
                "survey",
                number,
                "type",
                f"'{raw_type}' names no choice list; write '{kind} LIST_NAME'",
                "missing_list",
            )
        elif list_name not in self.lists:
            self.add(
                "survey",
                number,
                "type",
                f"choice list '{list_name}' is not on the choices "
                "sheet; add its choices or correct the name",
                "unknown_list",
            )

    def _check_appearance(self, number: int, kind: str, appearance: str) -> None:
        allowed = APPEARANCES.get("group" if kind == "begin_group" else kind, frozenset())
        for word in appearance.split():
            if word not in allowed:
                hint = (
                    f"for {kind} use {', '.join(sorted(allowed))}"
                    if allowed
                    else (f"a {kind} takes no appearance")
                )
                self.add(
                    "survey",
                    number,
                    "appearance",
                    f"appearance '{word}' is not supported by peiling; {hint}",
                    "unsupported_appearance",
                )

    def _check_parameters(self, number: int, kind: str, text: str) -> None:
        if not text:
            return
        allowed = {"randomize"} if kind in LIST_TYPES.values() else set()
        if kind == "range":
            allowed = {"start", "end", "step"}
        parameters = dict(
            part.split("=", 1) for part in text.replace(",", " ").split() if "=" in part
        )
        for key, value in parameters.items():
            key, value = key.strip(), value.strip()
            if key not in allowed:
                self.add(
                    "survey",
                    number,
                    "parameters",
                    f"parameter '{key}' is not supported "
                    f"for {kind}" + (f"; use {', '.join(sorted(allowed))}" if allowed else ""),
                    "unsupported_parameter",
                )
            elif key == "randomize" and value.lower() not in ("true", "false", "yes", "no"):
                self.add(
                    "survey",
                    number,
                    "parameters",
                    f"randomize must be true or false (got '{value}')",
                    "invalid_parameter",
                )
            elif kind == "range" and not _is_number(value):
                self.add(
                    "survey",
                    number,
                    "parameters",
                    f"range {key} must be a number (got '{value}')",
                    "invalid_parameter",
                )

    def _check_expressions(self, number: int, kind: str, values: Mapping[str, str]) -> None:
        for column in EXPRESSION_COLUMNS:
            text = values.get(column, "")
            if not text or (column == "required" and text.lower() in YES_NO):
                continue
            try:
                expression = expressions.parse(text, choice_filter=column == "choice_filter")
            except expressions.ExpressionError as error:
                self.add("survey", number, column, str(error.message), "expression_syntax")
                continue
            for reference in sorted(expression.references):
                if reference not in self.names:
                    self.add(
                        "survey",
                        number,
                        column,
                        f"unknown question '{reference}'",
                        "unknown_reference",
                    )
            if expression.uses_current and column not in ("constraint", "choice_filter"):
                self.add(
                    "survey",
                    number,
                    column,
                    "'.' (the current answer) can only be used in a constraint",
                    "current_outside_constraint",
                )
            if column == "choice_filter":
                for bare in sorted(expression.choice_columns):
                    if bare not in self.list_columns and bare not in ("name", "label"):
                        self.add(
                            "survey",
                            number,
                            column,
                            f"choice_filter uses '{bare}', which "
                            "is not a column of the choices sheet",
                            "unknown_choice_column",
                        )

    def _check_piping(self, number: int, values: Mapping[str, str]) -> None:
        for column, text in values.items():
            if _base(column)[0] not in TRANSLATABLE_COLUMNS:
                continue
            for reference in sorted(expressions.references_in_text(text)):
                if reference not in self.names:
                    self.add(
                        "survey",
                        number,
                        column,
                        f"unknown question '{reference}' piped into the text",
                        "unknown_reference",
                    )


YES_NO = frozenset({"yes", "no", "true", "false", "true()", "false()", "1", "0"})


def _row_kind(raw_type: str) -> str | None:
    text = " ".join(raw_type.split()).lower()
    if not text:
        return None
    if text in SIMPLE_TYPES:
        mapped = SIMPLE_TYPES[text]
        return mapped if mapped else text.replace(" ", "_")
    for prefix, kind in LIST_TYPES.items():
        if text == prefix or text.startswith(prefix + " "):
            return kind
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
