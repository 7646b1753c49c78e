"""Codings to and from files, for teams that code elsewhere (``peiling code export|import``).

The file has one row per answer: ``answer_id`` (the response's id), ``answer`` (the text)
and ``codes`` (the code names, separated by ``;``). An Excel file has a second sheet,
``codebook``: ``name``, ``label``, ``parent`` (a theme's name, or empty) and
``description``. On import, codes of that sheet that the codebook lacks are added; the
whole file is checked first (unknown codes and answer ids, repeated answers, a codebook
with repeated names or labels, codes under codes, cycles) and nothing is stored when
anything is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook

from peiling.openanswers import selectors, services
from peiling.openanswers.models import Code, Codebook, Coding

__all__ = ["ANSWER_COLUMNS", "CODEBOOK_COLUMNS", "ImportProblems", "codings_export",
           "codings_import"]

ANSWER_COLUMNS = ("answer_id", "answer", "codes")
CODEBOOK_COLUMNS = ("name", "label", "parent", "description")
#: Problems listed in the message before "and N more".
SHOWN = 5


class ImportProblems(ValueError):
    """What is wrong with a codings file, every problem with its row."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:SHOWN])
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        super().__init__(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}, "
                         f"nothing imported: {shown}{more}")


def codings_export(*, codebook: Codebook, path: Path) -> int:
    """Write the codebook's answers with their codes to ``path`` (.csv or .xlsx); return
    the number of answers. Possible personal data in the answers is masked until released
    (the answers are scanned first), as in every export."""
    services.personal_data_scan(fieldwork=codebook.fieldwork)
    texts = selectors.masked_texts(fieldwork=codebook.fieldwork, texts={
        codebook.question: selectors.answer_texts(codebook=codebook)})[codebook.question]
    codes = selectors.codes_in_order(codebook=codebook)
    names = {code.pk: code.name for code in codes}
    carried: dict[int, list[str]] = {}
    for response, code in Coding.objects.filter(codebook=codebook).values_list(
            "response_id", "code_id"):
        carried.setdefault(response, []).append(names[code])
    order = {code.name: i for i, code in enumerate(codes)}
    rows = [(pk, text, ";".join(sorted(carried.get(pk, []), key=order.__getitem__)))
            for pk, text in texts.items()]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(ANSWER_COLUMNS)
            writer.writerows(rows)
        return len(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "codes"
    sheet.append(ANSWER_COLUMNS)
    for row in rows:
        sheet.append(row)
    definitions = book.create_sheet("codebook")
    definitions.append(CODEBOOK_COLUMNS)
    for code in codes:
        definitions.append((code.name, code.label, names.get(code.parent_id, ""),
                            code.description))
    book.save(path)
    return len(rows)


@dataclass
class _File:
    answers: list[tuple[int, dict[str, str]]]
    codebook: list[tuple[int, dict[str, str]]] | None


def _rows(header: list[Any], body: list[list[Any]], wanted: tuple[str, ...], sheet: str
          ) -> list[tuple[int, dict[str, str]]]:
    columns = [str(h or "").strip().lower() for h in header]
    missing = [name for name in wanted[:1] + wanted[2:] if name not in columns]
    if missing:
        raise ImportProblems([f"{sheet}: no column {', '.join(missing)} "
                              f"(expected {', '.join(wanted)})"])
    rows = []
    for number, values in enumerate(body, start=2):
        record = {name: str(values[i]).strip() if i < len(values) and values[i] is not None
                  else "" for i, name in enumerate(columns)}
        if any(record.values()):
            rows.append((number, record))
    return rows


def _read(path: Path) -> _File:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportProblems([f"{path.name} is not UTF-8 text"]) from None
        table = list(csv.reader(io.StringIO(text), delimiter=";" if text.split("\n", 1)[0]
                                .count(";") > text.split("\n", 1)[0].count(",") else ","))
        if not table:
            raise ImportProblems([f"{path.name} is empty"])
        return _File(_rows(table[0], table[1:], ANSWER_COLUMNS, "file"), None)
    if suffix != ".xlsx":
        raise ImportProblems([f"{path.name}: give a .csv or .xlsx file"])
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is no workbook
        raise ImportProblems([f"{path.name} is not an Excel workbook"]) from None
    sheets = {sheet.title.lower(): [list(r) for r in sheet.iter_rows(values_only=True)]
              for sheet in book.worksheets}
    answers = sheets.get("codes", next(iter(sheets.values()), []))
    if not answers:
        raise ImportProblems([f"{path.name} has no rows"])
    codebook = sheets.get("codebook")
    return _File(_rows(answers[0], answers[1:], ANSWER_COLUMNS, "codes"),
                 _rows(codebook[0], codebook[1:], CODEBOOK_COLUMNS, "codebook")
                 if codebook else None)


def _new_codes(codebook: Codebook, rows: list[tuple[int, dict[str, str]]],
               problems: list[str]) -> list[dict[str, str]]:
    """The codes of the file's codebook sheet that the codebook lacks, checked."""
    existing = {c.name: c for c in Code.objects.filter(codebook=codebook)}
    labels = {c.label.casefold(): c.name for c in existing.values()}
    seen_names: dict[str, int] = {}
    seen_labels: dict[str, int] = {}
    parents: dict[str, str] = {}
    for number, row in rows:
        name, label = row.get("name", ""), row.get("label", "")
        where = f"codebook row {number}"
        if not name or not label:
            problems.append(f"{where}: a code needs a name and a label")
            continue
        if len(name) > 40 or len(label) > services.LABEL_MAX:
            problems.append(f"{where}: a name has at most 40 characters, a label at most "
                            f"{services.LABEL_MAX}")
        if name in seen_names:
            problems.append(f"{where}: code {name!r} is also in row {seen_names[name]}")
        if label.casefold() in seen_labels:
            problems.append(f"{where}: label {label!r} is also in row "
                            f"{seen_labels[label.casefold()]}")
        seen_names.setdefault(name, number)
        seen_labels.setdefault(label.casefold(), number)
        if name not in existing and labels.get(label.casefold(), name) != name:
            problems.append(f"{where}: label {label!r} is the code "
                            f"{labels[label.casefold()]!r} already")
        parents[name] = row.get("parent", "")
    known = set(existing) | set(parents)
    for number, row in rows:
        name, parent = row.get("name", ""), row.get("parent", "")
        if not parent:
            continue
        where = f"codebook row {number}"
        if parent not in known:
            problems.append(f"{where}: parent {parent!r} is no code")
            continue
        chain, at = [name], parent
        while at and at not in chain:
            chain.append(at)
            at = parents.get(at, existing[at].parent.name if at in existing
                             and existing[at].parent_id else "")
        if at in chain and at:
            problems.append(f"{where}: the parents go round in a circle "
                            f"({' → '.join([*chain, at])})")
        elif len(chain) > 2:
            problems.append(f"{where}: {parent!r} is under a theme itself; a codebook has "
                            "two levels at most")
    return [row for _number, row in rows if row.get("name") and row["name"] not in existing]


def codings_import(*, codebook: Codebook, path: Path, user: Any) -> tuple[int, int]:
    """Import the codings of ``path`` (see the module docstring): each answer in the file
    gets exactly the codes the file gives it (an empty cell: none). Return (codes added,
    answers changed). Raises ``ImportProblems`` listing what is wrong; nothing is stored
    then."""
    data = _read(path)
    problems: list[str] = []
    new = _new_codes(codebook, data.codebook, problems) if data.codebook else []
    names = set(Code.objects.filter(codebook=codebook).values_list("name", flat=True))
    names |= {row["name"] for row in new}
    answered = selectors.answer_texts(codebook=codebook)
    wanted: dict[int, list[str]] = {}
    seen: dict[int, int] = {}
    for number, row in data.answers:
        where = f"row {number}"
        try:
            answer = int(row.get("answer_id", ""))
        except ValueError:
            problems.append(f"{where}: answer_id {row.get('answer_id')!r} is no number")
            continue
        if answer not in answered:
            problems.append(f"{where}: answer {answer} is no answer to this question")
            continue
        if answer in seen:
            problems.append(f"{where}: answer {answer} is also in row {seen[answer]}")
            continue
        seen[answer] = number
        codes = [c.strip() for c in row.get("codes", "").split(";") if c.strip()]
        unknown = [c for c in codes if c not in names]
        if unknown:
            problems.append(f"{where}: unknown code{'s' if len(unknown) > 1 else ''} "
                            f"{', '.join(repr(c) for c in unknown)}")
            continue
        wanted[answer] = codes
    if problems:
        raise ImportProblems(problems)
    with transaction.atomic():
        by_name = {c.name: c for c in Code.objects.filter(codebook=codebook)}
        added = 0
        for row in sorted(new, key=lambda r: bool(r.get("parent"))):  # themes first
            code = services.code_add(codebook=codebook, label=row["label"],
                                     description=row.get("description", ""),
                                     parent=by_name.get(row.get("parent", "")))
            if code.name != row["name"]:
                Code.objects.filter(pk=code.pk).update(name=row["name"])
                code.name = row["name"]
            by_name[code.name] = code
            added += 1
        changed = services.codings_set(
            codebook=codebook, user=user, how="imported",
            codes={answer: [by_name[c].pk for c in codes] for answer, codes in wanted.items()})
    return added, changed
