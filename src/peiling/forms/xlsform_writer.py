"""Write a Form back to an XLSForm workbook.

Reading the written file with ``read_xlsform`` gives a Form equal to the one written: every
column the reader supports is written, translated texts get one ``column::language`` per
language, and a form without translations gets plain columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from peiling.forms.model import DEFAULT_LANGUAGE, Form, Group, Item, Question, Translated
from peiling.forms.xlsform_sheets import SUBJECT_COLUMN

__all__ = ["write_xlsform"]

_TRANSLATED = ("label", "hint", "required_message", "constraint_message")
_PLAIN = (
    "required",
    "relevant",
    "constraint",
    "calculation",
    "appearance",
    "choice_filter",
    "parameters",
    "default",
)


def write_xlsform(form: Form, target: str | Path | IO[bytes]) -> None:
    """Write ``form`` as an .xlsx XLSForm to a path or a binary file object."""
    from openpyxl import Workbook

    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    languages = list(form.languages)
    survey_columns = ["type", "name"]
    for column in _TRANSLATED:
        survey_columns += [_column(column, language) for language in languages]
    survey_columns += list(_PLAIN)
    if any(q.subject for q in form.questions()):
        survey_columns += [_column(SUBJECT_COLUMN, language) for language in languages]
    survey.append(survey_columns)
    for name, kind in form.metadata.items():  # start, end, today: the response records them
        _append(survey, [kind, name] + [None] * (len(survey_columns) - 2))
    for row in _survey_rows(form.children):
        _append(survey, [_cell(row.get(column)) for column in survey_columns])

    choices = workbook.create_sheet("choices")
    extra_columns = sorted(
        {key for items in form.choice_lists.values() for c in items for key in c.extra}
    )
    choice_columns = ["list_name", "name"] + [_column("label", lang) for lang in languages]
    choices.append(choice_columns + extra_columns)
    for list_name, items in form.choice_lists.items():
        for choice in items:
            row = [list_name, choice.name] + [choice.label.get(lang) for lang in languages]
            _append(choices, [_cell(v) for v in row + [choice.extra.get(c) for c in extra_columns]])

    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    _append(
        settings,
        [
            form.title,
            form.form_id,
            form.version or None,
            None if form.default_language == DEFAULT_LANGUAGE else form.default_language,
        ],
    )
    workbook.save(target)


def _append(sheet: Any, values: list[str | None]) -> None:
    """Append a row whose texts are text cells: openpyxl would store a text that starts with
    ``=`` (a label "=5 jaar", or one planted to run) as a live formula. Such a cell is marked
    quote-prefixed, as Excel marks text typed after an apostrophe, so it also stays text when
    someone edits it; the value itself is unchanged, so the form reads back the same."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith("="):
                cell.quotePrefix = True


def _column(base: str, language: str) -> str:
    return base if language == DEFAULT_LANGUAGE else f"{base}::{language}"


def _cell(value: str | None) -> str | None:
    return value if value not in ("", None) else None


def _texts(prefix: str, texts: Translated) -> dict[str, str]:
    return {_column(prefix, language): text for language, text in texts.items()}


def _survey_rows(items: tuple[Item, ...]) -> Iterator[dict[str, str | None]]:
    for item in items:
        if isinstance(item, Group):
            yield {
                "type": "begin_group",
                "name": item.name,
                "relevant": item.relevant,
                "appearance": item.appearance,
                **_texts("label", item.label),
            }
            yield from _survey_rows(item.children)
            yield {"type": "end_group"}
        else:
            yield _question_row(item)


def _question_row(question: Question) -> dict[str, str | None]:
    kind = question.type
    row: dict[str, str | None] = {
        "type": f"{kind} {question.choice_list}" if question.choice_list else kind,
        "name": question.name,
        "required": "yes" if question.required == "true()" else question.required,
        "relevant": question.relevant,
        "constraint": question.constraint,
        "calculation": question.calculation,
        "appearance": question.appearance,
        "choice_filter": question.choice_filter,
        "parameters": " ".join(f"{k}={v}" for k, v in question.parameters.items()) or None,
        "default": question.default,
    }
    for column in _TRANSLATED:
        row.update(_texts(column, getattr(question, column)))
    row.update(_texts(SUBJECT_COLUMN, question.subject))
    return row
