"""Our checks of an XLSForm's raw sheets: every problem, located, before pyxform sees it.

pyxform stops at its first error and accepts much that peiling cannot field (repeats, media,
GPS...), so ``Checker`` refuses each unsupported feature by name and parses every expression
and every piped reference, collecting all problems. What peiling can do without (a column, a
setting, a sheet, device metadata) is a warning, never a reason to refuse the form. The sheets
come with canonical column names (``xlsform_sheets``); messages name columns as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from peiling.forms import expressions
from peiling.forms.errors import Problem
from peiling.forms.xlsform_sheets import (
    MEDIA_COLUMNS,
    SETTINGS_COLUMNS,
    SUBJECT_COLUMN,
    SURVEY_COLUMNS,
    TRANSLATABLE_COLUMNS,
    Sheet,
)
from peiling.forms.xlsform_types import (
    IGNORED,
    METADATA_RECORDED,
    SUPPORTED_TYPES,
    RowType,
    row_type,
)

#: Sheets peiling does not use: a warning when they hold rows (their questions are refused).
IGNORED_SHEETS = ("external_choices", "entities", "osm")
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "required", "choice_filter")
#: Functions that read data from outside the form (pyxform's external data).
EXTERNAL_FUNCTIONS = re.compile(r"\b(pulldata|instance)\s*\(")
APPEARANCES: Mapping[str, frozenset[str]] = {
    "group": frozenset({"field-list", "table-list"}),
    "select_one": frozenset({"likert", "minimal"}),
    "select_multiple": frozenset({"minimal"}),
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: What an unsupported feature's message says, by ``RowType.feature``.
FEATURES = {
    "repeat": "repeats ('{type}') are not supported by peiling: each question is answered "
              "once; ask for a fixed number of items instead",
    "loop": "loops ('{type}') are not supported by peiling; write the questions out",
    "media": "media questions ('{type}') are not supported by peiling; remove the question",
    "geo": "location questions ('{type}') are not supported by peiling; remove the question",
    "external data": "external data ('{type}') is not supported by peiling; put the choices "
                     "on the choices sheet",
}


def _base(column: str) -> tuple[str, str | None]:
    """Split ``label::English (en)`` into ``("label", "English (en)")``."""
    base, sep, language = column.partition("::")
    return base.strip().lower(), (language.strip() if sep else None)


# -- our checks ---------------------------------------------------------------------------


class Checker:
    """Collect every problem of the raw sheets (see the module docstring), and the warnings:
    what peiling ignores (``warnings``), never a reason to refuse a form."""

    def __init__(self, sheets: Mapping[str, Sheet]) -> None:
        self.sheets = sheets
        self.survey = sheets["survey"]
        self.choices = sheets.get("choices", Sheet("choices"))
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.names: dict[str, int] = {}
        self.lists: dict[str, list[str]] = {}
        self.list_columns: set[str] = set()
        self.metadata_names: set[str] = set()

    def add(self, sheet: str, row: int | None, column: str | None, message: str, code: str,
            *, warning: bool = False) -> None:
        if column is not None and sheet in self.sheets:
            column = self.sheets[sheet].written(column)
        (self.warnings if warning else self.problems).append(
            Problem(message, sheet, row, column, code))

    def run(self) -> list[Problem]:
        for name in IGNORED_SHEETS:
            if name in self.sheets and self.sheets[name].rows:
                self.add(name, None, None, f"the '{name}' sheet is ignored: peiling does not use "
                         "it", "ignored_sheet", warning=True)
        for sheet in self.sheets.values():
            for first, second in sheet.duplicates:
                self.add(sheet.name, 1, second, f"columns '{first}' and '{second}' are the same "
                         "column (pyxform reads them as one); keep one of them",
                         "duplicate_column")
        self._check_survey_columns()
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
            kind = row_type(values.get("type", "")).kind
            if kind == "begin_group":
                open_groups.append((number, values.get("name", "")))
            elif kind == "end_group" and open_groups:
                open_groups.pop()
            elif kind == "end_group":
                self.add("survey", number, "type", "end_group without a begin_group above it; "
                         "remove it or add the begin_group", "unmatched_end_group")
        for number, name in open_groups:
            self.add("survey", number, "type", f"group '{name}' is never closed; add an "
                     "end_group below its last question", "unclosed_group")

    def _check_survey_columns(self) -> None:
        for column in self.survey.used_columns():
            base, language = _base(column)
            if column.lower().startswith(SUBJECT_COLUMN):
                continue
            if base in MEDIA_COLUMNS:
                self.add("survey", 1, column, f"media column '{self.survey.written(column)}' is "
                         "not supported by peiling; remove the column", "unsupported_column")
            elif base not in SURVEY_COLUMNS or (language and base not in TRANSLATABLE_COLUMNS):
                self.add("survey", 1, column, f"column '{self.survey.written(column)}' is "
                         "ignored: peiling does not use it", "ignored_column", warning=True)

    def _check_settings(self) -> None:
        settings = self.sheets.get("settings")
        if settings is None:
            return
        for column in settings.used_columns():
            if column not in SETTINGS_COLUMNS:
                self.add("settings", 1, column, f"setting '{settings.written(column)}' is "
                         "ignored: peiling does not use it", "ignored_setting", warning=True)

    def _check_choices(self) -> None:
        sheet = self.choices
        for column in sheet.used_columns():
            base, _ = _base(column)
            if base in MEDIA_COLUMNS:
                self.add("choices", 1, column, f"media column '{sheet.written(column)}' is not "
                         "supported by peiling; remove the column", "unsupported_column")
            elif base not in ("list_name", "name", "label"):
                self.list_columns.add(column)
        for number, values in sheet.rows:
            list_name, name = values.get("list_name", ""), values.get("name", "")
            if not list_name:
                self.add("choices", number, "list_name", "the choice has no list_name; fill in "
                         "the list it belongs to", "missing_list_name")
                continue
            if not name:
                self.add("choices", number, "name", f"a choice in list '{list_name}' has no "
                         "name; give every choice a name", "missing_choice_name")
                continue
            names = self.lists.setdefault(list_name, [])
            if name in names:
                self.add("choices", number, "name", f"'{name}' is already a choice in list "
                         f"'{list_name}'; choice names must be unique within a list — rename "
                         "one", "duplicate_choice")
            names.append(name)

    def _collect_names(self) -> list[tuple[int, dict[str, str]]]:
        rows = []
        for number, values in self.survey.rows:
            kind = row_type(values.get("type", ""))
            name = values.get("name", "")
            rows.append((number, values))
            if kind.kind == "end_group" or kind.closing or not name:
                continue
            self._claim(name, number)
            if kind.metadata is not None:
                self.metadata_names.add(name)
            if kind.or_other:
                self._claim(f"{name}_other", number)
        return rows

    def _claim(self, name: str, number: int) -> None:
        if name in self.names:
            self.add("survey", number, "name", f"'{name}' is already used on row "
                     f"{self.names[name]}; names must be unique in the form — rename one",
                     "duplicate_name")
        else:
            self.names[name] = number

    def _check_row(self, number: int, values: dict[str, str]) -> None:
        written = values.get("type", "")
        if not written:
            self.add("survey", number, "type", "the row has no type; fill in a type or delete "
                     "the row", "missing_type")
            return
        kind = row_type(written)
        if kind.feature is not None:
            message = FEATURES.get(kind.feature, "{type} is not supported by peiling "
                                   f"(supported: {SUPPORTED_TYPES})").format(type=written)
            if kind.feature.startswith("type "):
                message = f"type '{written}' is not supported by peiling (supported: " \
                          f"{SUPPORTED_TYPES})"
            self.add("survey", number, "type", message, "unsupported_type")
            return
        if kind.closing or kind.metadata in METADATA_RECORDED:
            return
        if kind.metadata == IGNORED:
            self.add("survey", number, "type", f"type '{written}' is ignored: peiling does not "
                     "record it (it records when each response starts and ends)",
                     "ignored_metadata", warning=True)
            return
        if kind.kind == "end_group":
            return
        self._check_named_row(number, kind, values)

    def _check_named_row(self, number: int, kind: RowType, values: dict[str, str]) -> None:
        name = values.get("name", "")
        if not name:
            self.add("survey", number, "name", f"the {kind.kind} has no name; give it a unique "
                     "name", "missing_name")
        elif not _NAME.match(name):
            self.add("survey", number, "name", f"'{name}' is not a valid name; use letters, "
                     "digits and _, starting with a letter", "invalid_name")
        assert kind.kind is not None
        self._check_list(number, kind)
        self._check_appearance(number, kind.kind, values.get("appearance", ""))
        self._check_parameters(number, kind.kind, values.get("parameters", ""))
        self._check_expressions(number, kind.kind, values)
        self._check_piping(number, values)
        if kind.kind == "calculate" and not values.get("calculation"):
            self.add("survey", number, "calculation", "a calculate row needs a calculation",
                     "missing_calculation")
        if "${" in values.get("default", ""):
            self.add("survey", number, "default", "dynamic defaults are not supported by "
                     "peiling; use a fixed value", "unsupported_default")

    def _check_list(self, number: int, kind: RowType) -> None:
        if kind.kind not in ("select_one", "select_multiple", "rank"):
            return
        if kind.or_other and kind.kind == "rank":
            self.add("survey", number, "type", "or_other is for select_one and select_multiple "
                     "only; add an 'other' choice to the list instead", "invalid_or_other")
        if not kind.list_name:
            self.add("survey", number, "type", f"'{kind.written}' names no choice list; write "
                     f"'{kind.kind} LIST_NAME'", "missing_list")
        elif kind.list_name not in self.lists:
            self.add("survey", number, "type", f"choice list '{kind.list_name}' is not on the "
                     "choices sheet; add its choices or correct the name", "unknown_list")
        elif kind.or_other and "other" in self.lists[kind.list_name]:
            self.add("survey", number, "type", f"list '{kind.list_name}' already has a choice "
                     "'other', which or_other adds; remove one of them", "duplicate_choice")
    def _check_appearance(self, number: int, kind: str, appearance: str) -> None:
        """An appearance peiling has no widget for changes only how a question looks: the
        question works with peiling's own, so it is a warning."""
        allowed = APPEARANCES.get("group" if kind == "begin_group" else kind, frozenset())
        for word in appearance.split():
            if word not in allowed:
                hint = (f"peiling supports {', '.join(sorted(allowed))} for a {kind}"
                        if allowed else f"peiling shows every {kind} one way")
                self.add("survey", number, "appearance",
                         f"appearance '{word}' is ignored: {hint}", "ignored_appearance",
                         warning=True)

    def _check_parameters(self, number: int, kind: str, text: str) -> None:
        if not text:
            return
        allowed = {"randomize"} if kind in ("select_one", "select_multiple", "rank") else set()
        if kind == "range":
            allowed = {"start", "end", "step"}
        parameters = dict(
            part.split("=", 1) for part in text.replace(",", " ").split() if "=" in part
        )
        for key, value in parameters.items():
            key, value = key.strip(), value.strip()
            if key not in allowed:  # another client's setting (seed, max-pixels...)
                self.add("survey", number, "parameters",
                         f"parameter '{key}' is ignored for a {kind}"
                         + (f" (peiling uses {', '.join(sorted(allowed))})" if allowed else ""),
                         "ignored_parameter", warning=True)
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
            external = EXTERNAL_FUNCTIONS.search(text)
            if external:
                self.add("survey", number, column, f"external data ({external.group(1)}()) is "
                         "not supported by peiling; compute the value in the form or load it "
                         "into the panel profile", "unsupported_function")
                continue
            try:
                expression = expressions.parse(text, choice_filter=column == "choice_filter")
            except expressions.ExpressionError as error:
                self.add("survey", number, column, str(error.message), "expression_syntax")
                continue
            for reference in sorted(expression.references):
                if reference in self.metadata_names:
                    self._metadata_reference(number, column, reference)
                elif reference not in self.names:
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

    def _metadata_reference(self, number: int, column: str, reference: str) -> None:
        self.add("survey", number, column, _metadata_message(reference), "metadata_reference")

    def _check_piping(self, number: int, values: Mapping[str, str]) -> None:
        for column, text in values.items():
            if _base(column)[0] not in TRANSLATABLE_COLUMNS:
                continue
            for reference in sorted(expressions.references_in_text(text)):
                if reference in self.metadata_names:
                    self._metadata_reference(number, column, reference)
                elif reference not in self.names:
                    self.add(
                        "survey",
                        number,
                        column,
                        f"unknown question '{reference}' piped into the text",
                        "unknown_reference",
                    )


YES_NO = frozenset({"yes", "no", "true", "false", "true()", "false()", "1", "0"})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _metadata_message(reference: str) -> str:
    return (f"'${{{reference}}}' is metadata: recorded with the response, but it has no value "
            "while the questionnaire is answered; use today() instead")
