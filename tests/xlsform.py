"""Build XLSForm workbooks for tests from small markdown tables.

Each sheet is a heading line ``## survey`` followed by a pipe table::

    ## survey
    | type              | name | label::Nederlands (nl) |
    | select_one yn     | q1   | Werkt u bij een gemeente? |
    ## choices
    | list_name | name | label::Nederlands (nl) |
    | yn        | ja   | Ja    |

Cells are stripped; an empty cell stays empty. A row of dashes (``|---|``) is skipped.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def parse_markdown(markdown: str) -> dict[str, list[list[str]]]:
    """Return the sheets of ``markdown`` as lists of rows (header first)."""
    sheets: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            current = sheets.setdefault(line[3:].strip(), [])
        elif line.startswith("|"):
            if current is None:
                raise ValueError(f"table row before any '## sheet' heading: {line!r}")
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if all(set(cell) <= set("-: ") for cell in cells):
                continue
            current.append(cells)
    return sheets


def write_workbook(markdown: str, path: Path) -> Path:
    """Write the sheets described by ``markdown`` to an .xlsx file at ``path``."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in parse_markdown(markdown).items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append([cell if cell != "" else None for cell in row])
    workbook.save(path)
    return path


def write_xls(markdown: str, path: Path) -> Path:
    """Write the sheets described by ``markdown`` to an Excel 97-2003 ``.xls`` file (xlwt)."""
    import xlwt

    book = xlwt.Workbook()
    for name, rows in parse_markdown(markdown).items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell != "":
                    sheet.write(r, c, cell)
    book.save(str(path))
    return path
