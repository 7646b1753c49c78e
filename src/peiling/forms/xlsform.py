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
from dataclasses import dataclass
from pathlib import Path

from peiling.forms.errors import FormError, Problem
from peiling.forms.model import Form
from peiling.forms.xlsform_build import Rows, form_from_definition
from peiling.forms.xlsform_checks import SUPPORTED_TYPES, Checker
from peiling.forms.xlsform_sheets import OLE2_SIGNATURE, Sheet, read_sheets
from peiling.forms.xlsform_types import row_type

__all__ = [
    "MAX_FILE_BYTES", "SUPPORTED_TYPES", "CheckedForm", "check_xlsform", "read_xlsform",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

_ROW_IN_PYXFORM = re.compile(r"\[row\s*:\s*(\d+)\]\s*")
_NAMED_IN_PYXFORM = re.compile(r"named '([^']+)'")


@dataclass(frozen=True)
class CheckedForm:
    """What checking an XLSForm found: the Form (``None`` when there are problems), every
    problem that refuses it, and the warnings: what peiling ignores, by sheet, row and column."""

    form: Form | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def read_xlsform(source: str | Path | bytes) -> Form:
    """Return the Form in an XLSForm file (a path or the file's bytes).

    Raises
    ------
    FormError
        With every problem found, each located by sheet, row and column.
    """
    checked = check_xlsform(source)
    if checked.problems:
        raise FormError(checked.problems)
    assert checked.form is not None
    return checked.form


def check_xlsform(source: str | Path | bytes) -> CheckedForm:
    """Check an XLSForm (a path or bytes): the Form, or every problem; warnings either way."""
    try:
        data = _load_bytes(source)
        sheets = _read_sheets(data)
    except FormError as error:
        return CheckedForm(None, error.problems)
    checker = Checker(sheets)
    problems = checker.run()
    warnings = tuple(checker.warnings)
    if problems:
        return CheckedForm(None, tuple(problems), warnings)
    form, problems = _build_with_pyxform(data, sheets)
    return CheckedForm(form, problems, warnings)


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
    if not data.startswith(OLE2_SIGNATURE) and not zipfile.is_zipfile(io.BytesIO(data)):
        kind = "a text or CSV file" if _looks_like_text(data) else "not an Excel workbook"
        raise FormError(
            [Problem(f"this is {kind}; expected an XLSForm saved as an Excel workbook "
                     "(.xlsx or .xls)")]
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
    if not data.startswith(OLE2_SIGNATURE):
        _check_unpacked_size(data)
    sheets = read_sheets(data)
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


def _check_unpacked_size(data: bytes) -> None:
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


# -- pyxform and the Form -----------------------------------------------------------------


def _build_with_pyxform(
    data: bytes, sheets: Mapping[str, Sheet]
) -> tuple[Form | None, tuple[Problem, ...]]:
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import get_xlsform, workbook_to_json

    rows: dict[str, tuple[int, Mapping[str, str]]] = {}
    for number, values in sheets["survey"].rows:
        kind = row_type(values.get("type", ""))
        if "name" in values and kind.kind != "end_group" and not kind.closing:
            rows.setdefault(values["name"], (number, values))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            definition = workbook_to_json(
                get_xlsform(io.BytesIO(data), file_type=_file_type(data)), warnings=[]
            )
            create_survey_element_from_dict(definition).to_xml(warnings=[])
    except PyXFormError as error:
        return None, (_pyxform_problem(str(error), rows),)
    except Exception as error:  # pyxform raises plain exceptions for some malformed sheets
        return None, (Problem(f"pyxform could not read the form: {error}", "survey"),)
    return form_from_definition(definition, rows), ()


def _file_type(data: bytes) -> str:
    return ".xls" if data.startswith(OLE2_SIGNATURE) else ".xlsx"


def _pyxform_problem(message: str, rows: Rows) -> Problem:
    """Turn pyxform's message into a Problem, finding the row from ``[row : N]`` or a name."""
    text = _ROW_IN_PYXFORM.sub("", message).strip()
    match = _ROW_IN_PYXFORM.search(message)
    row = int(match.group(1)) if match else None
    named = _NAMED_IN_PYXFORM.search(message)
    if row is None and named and named.group(1) in rows:
        row = rows[named.group(1)][0]
    return Problem(text, "survey", row, None, "pyxform")


def problems_text(problems: Iterable[Problem]) -> str:
    """Return the problems one per line, as ``peiling form check`` prints them."""
    return "\n".join(str(problem) for problem in problems)
