"""Read an XLSForm workbook into a Form, with every problem found at once.

pyxform does the reading and the standard validation (``workbook_to_json`` and building the
XForm); on top of it this module refuses, by name, everything peiling does not support, and
checks every expression and reference, collecting all problems before it raises. pyxform stops at
its first error, so its checks run last, as a backstop, once ours have found nothing.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from peiling.forms.errors import FormError, Problem
from peiling.forms.model import DEFAULT_LANGUAGE, Choice, Form, Group, Item, Question
from peiling.forms.xlsform_checks import SUPPORTED_TYPES, YES_NO, Checker, Sheet

__all__ = ["MAX_FILE_BYTES", "SUPPORTED_TYPES", "check_xlsform", "read_xlsform"]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

PYXFORM_TYPES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "rank": "rank",
    "integer": "integer",
    "decimal": "decimal",
    "range": "range",
    "text": "text",
    "date": "date",
    "note": "note",
    "calculate": "calculate",
}
_ROW_IN_PYXFORM = re.compile(r"\[row\s*:\s*(\d+)\]\s*")
_NAMED_IN_PYXFORM = re.compile(r"named '([^']+)'")


def read_xlsform(source: str | Path | bytes) -> Form:
    """Return the Form in an XLSForm file (a path or the file's bytes).

    Raises
    ------
    FormError
        With every problem found, each located by sheet, row and column.
    """
    form, problems = check_xlsform(source)
    if problems:
        raise FormError(problems)
    assert form is not None
    return form


def check_xlsform(source: str | Path | bytes) -> tuple[Form | None, tuple[Problem, ...]]:
    """Return ``(form, ())`` for a valid XLSForm, else ``(None, problems)``."""
    try:
        data = _load_bytes(source)
        sheets = _read_sheets(data)
    except FormError as error:
        return None, error.problems
    problems = Checker(sheets).run()
    if problems:
        return None, tuple(problems)
    return _build_with_pyxform(data, sheets)


# -- the file -----------------------------------------------------------------------------


def _load_bytes(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise FormError([Problem(f"{path}: no such file")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FormError([_too_big(size)])
        data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise FormError([_too_big(len(data))])
    if not data:
        raise FormError([Problem("the file is empty; expected an XLSForm workbook (.xlsx)")])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        kind = "a text or CSV file" if _looks_like_text(data) else "not an Excel workbook"
        raise FormError(
            [Problem(f"this is {kind}; expected an XLSForm saved as an Excel workbook (.xlsx)")]
        )
    return data


def _too_big(size: int) -> Problem:
    return Problem(
        f"the file is {size / 1024 / 1024:.1f} MB; XLSForm files over "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB are refused — a questionnaire never needs that much"
    )


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    return b"\x00" not in head and all(b >= 32 or b in (9, 10, 13) for b in head[:512])


def _read_sheets(data: bytes) -> dict[str, Sheet]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FormError(
            [Problem(f"the workbook is damaged and cannot be opened ({error})")]
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FormError(
            [
                Problem(
                    f"the workbook unpacks to {unpacked / 1024 / 1024:.1f} MB; XLSForm files over "
                    f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB unpacked are refused — "
                    "a questionnaire never needs that much"
                )
            ]
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for damaged files
        raise FormError(
            [
                Problem(
                    f"the workbook is damaged or not an .xlsx file and cannot be opened ({error})"
                )
            ]
        ) from None
    sheets: dict[str, Sheet] = {}
    try:
        for worksheet in workbook.worksheets:
            sheets[worksheet.title.strip().lower()] = _read_sheet(worksheet)
    finally:
        workbook.close()
    if "survey" not in sheets:
        found = ", ".join(repr(name) for name in sheets) or "none"
        raise FormError(
            [
                Problem(
                    f"the workbook has no 'survey' sheet (sheets found: {found}); "
                    "an XLSForm needs at least a 'survey' sheet"
                )
            ]
        )
    return sheets


def _read_sheet(worksheet: Any) -> Sheet:
    sheet = Sheet(worksheet.title.strip().lower())
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(value) for value in values]
        if number == 1:
            sheet.columns = [cell.strip() for cell in cells]
            continue
        row = {col: cell for col, cell in zip(sheet.columns, cells, strict=False) if col and cell}
        if row:
            sheet.rows.append((number, row))
    return sheet


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- pyxform and the Form -----------------------------------------------------------------


def _build_with_pyxform(
    data: bytes, sheets: Mapping[str, Sheet]
) -> tuple[Form | None, tuple[Problem, ...]]:
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import get_xlsform, workbook_to_json

    rows: dict[str, tuple[int, Mapping[str, str]]] = {}
    for number, values in sheets["survey"].rows:
        if "name" in values and not values.get("type", "").lower().startswith("end"):
            rows.setdefault(values["name"], (number, values))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            definition = workbook_to_json(
                get_xlsform(io.BytesIO(data), file_type=".xlsx"), warnings=[]
            )
            create_survey_element_from_dict(definition).to_xml(warnings=[])
    except PyXFormError as error:
        return None, (_pyxform_problem(str(error), rows),)
    except Exception as error:  # pyxform raises plain exceptions for some malformed sheets
        return None, (Problem(f"pyxform could not read the form: {error}", "survey"),)
    return _form_from_definition(definition, rows), ()


def _pyxform_problem(message: str, rows: _Rows) -> Problem:
    """Turn pyxform's message into a Problem, finding the row from ``[row : N]`` or a name."""
    text = _ROW_IN_PYXFORM.sub("", message).strip()
    match = _ROW_IN_PYXFORM.search(message)
    row = int(match.group(1)) if match else None
    named = _NAMED_IN_PYXFORM.search(message)
    if row is None and named and named.group(1) in rows:
        row = rows[named.group(1)][0]
    return Problem(text, "survey", row, None, "pyxform")


_Rows = Mapping[str, tuple[int, Mapping[str, str]]]


def _form_from_definition(definition: Mapping[str, Any], rows: _Rows) -> Form:
    languages: list[str] = []
    choice_lists = {
        name: tuple(_choice(choice, languages) for choice in choices)
        for name, choices in definition.get("choices", {}).items()
    }
    children = tuple(
        item
        for child in definition.get("children", ())
        if (item := _item(child, rows, languages)) is not None
    )
    default_language = definition.get("default_language") or DEFAULT_LANGUAGE
    if default_language == "default" and languages and DEFAULT_LANGUAGE not in languages:
        default_language = languages[0]
    ordered = [default_language] + [lang for lang in languages if lang != default_language]
    return Form(
        form_id=str(definition.get("id_string") or definition.get("name") or "form"),
        title=str(definition.get("title") or definition.get("id_string") or ""),
        version=str(definition.get("version") or ""),
        default_language=default_language,
        languages=tuple(ordered),
        children=children,
        choice_lists=choice_lists,
    )


def _texts(value: Any, languages: list[str]) -> dict[str, str]:
    if value is None or value == "":
        return {}
    texts = (
        {DEFAULT_LANGUAGE: str(value)}
        if isinstance(value, str)
        else {str(k): str(v) for k, v in value.items() if v not in (None, "")}
    )
    for language in texts:
        if language not in languages:
            languages.append(language)
    return texts


def _choice(data: Mapping[str, Any], languages: list[str]) -> Choice:
    extra = {k: str(v) for k, v in data.items() if k not in ("name", "label", "media")}
    return Choice(str(data["name"]), _texts(data.get("label"), languages), extra)


def _raw_texts(raw: Mapping[str, str], base: str, languages: list[str]) -> dict[str, str]:
    """Return the ``base`` texts of a raw sheet row by language.

    Used for the label of a table-list group, which pyxform moves into a label row it
    generates; peiling keeps the group as the researcher wrote it.
    """
    texts: dict[str, str] = {}
    for column, text in raw.items():
        name, _, language = column.partition("::")
        if name.strip().lower() == base and text:
            texts[language.strip() or DEFAULT_LANGUAGE] = text
    return _texts(texts, languages)


def _item(data: Mapping[str, Any], rows: _Rows, languages: list[str]) -> Item | None:
    bind = data.get("bind", {})
    name = str(data["name"])
    if name not in rows:
        # pyxform's own additions: the meta group, and the label rows it generates when it
        # expands a table-list group (we keep the table-list as the researcher wrote it).
        return None
    row, raw = rows[name]
    appearance = raw.get("appearance") or None
    if data["type"] == "group":
        children = tuple(
            item
            for child in data.get("children", ())
            if (item := _item(child, rows, languages)) is not None
        )
        return Group(
            name,
            _texts(data.get("label"), languages) or _raw_texts(raw, "label", languages),
            bind.get("relevant"),
            appearance,
            children,
            row,
        )
    required = bind.get("required")
    if required is not None:
        required = (
            None
            if str(required).lower() in ("no", "false", "false()", "0")
            else ("true()" if str(required).lower() in YES_NO else str(required))
        )
    parameters = {str(k): str(v) for k, v in data.get("parameters", {}).items()}
    return Question(
        name=name,
        type=PYXFORM_TYPES[data["type"]],  # type: ignore[arg-type]
        label=_texts(data.get("label"), languages),
        hint=_texts(data.get("hint"), languages),
        required=required,
        required_message=_texts(bind.get("jr:requiredMsg"), languages),
        relevant=bind.get("relevant"),
        constraint=bind.get("constraint"),
        constraint_message=_texts(bind.get("jr:constraintMsg"), languages),
        calculation=bind.get("calculate"),
        appearance=appearance,
        choice_list=data.get("list_name") or data.get("itemset"),
        choice_filter=data.get("choice_filter"),
        parameters=parameters,
        default=None if data.get("default") in (None, "") else str(data["default"]),
        row=row,
    )


def problems_text(problems: Iterable[Problem]) -> str:
    """Return the problems one per line, as ``peiling form check`` prints them."""
    return "\n".join(str(problem) for problem in problems)
