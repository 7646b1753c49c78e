"""The codebook: every variable with its text, type, choices and codes, routing and base.

``codebook_entries`` describes the variables once, for every format that shows them (the XLSX
codebook sheet, the Parquet schema metadata, the HTML and PDF codebooks). The HTML codebook is
one self-contained file (styles inline, no scripts, every text escaped); the PDF codebook is
that HTML printed by headless Chromium — the browser the browser tests already use — since
WeasyPrint needs Pango and its fonts as system libraries, and Chromium renders the same HTML a
researcher sees on screen. Pure Python, no Django.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peiling.analysis.dataset import Dataset, Variable
from peiling.exchange.coding import Measure, measure_level, text_language, value_codes
from peiling.exchange.columns import FlatColumn, paradata_columns
from peiling.exchange.writers import (
    ExportData,
    ExportError,
    WriteOptions,
    Writer,
    Written,
    export_variables,
)

__all__ = [
    "ChoiceEntry",
    "Entry",
    "HtmlCodebookWriter",
    "PdfCodebookWriter",
    "codebook_entries",
    "codebook_html",
]

#: Seconds Chromium may take to print a codebook.
PRINT_TIMEOUT = 180
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class ChoiceEntry:
    """One choice: its code (``None`` for a multiple choice: it has a 0/1 column instead),
    name, label and how many respondents chose it."""

    code: int | None
    name: str
    label: str
    count: int


@dataclass(frozen=True)
class Entry:
    """One variable of the codebook.

    ``type`` is the XLSForm type (``None`` for a column read from a file that is not in the
    form, ``"paradata"`` for paradata); ``routing`` the conditions (``relevant``) under which
    it was asked; ``asked`` and ``answered`` its base; ``columns`` its columns in a CSV, XLSX or
    Parquet export.
    """

    name: str
    label: str
    type: str | None
    measure: Measure
    routing: str
    asked: int
    answered: int
    choices: tuple[ChoiceEntry, ...]
    columns: tuple[str, ...]


def codebook_entries(data: ExportData) -> tuple[Entry, ...]:
    """Return an entry per variable of ``data``, paradata first, in export order."""
    dataset = data.dataset
    entries = [_paradata_entry(column, dataset.n) for column in paradata_columns(data)]
    for variable in export_variables(dataset)[0]:
        entries.append(_entry(dataset, variable, data))
    return tuple(entries)


def _entry(dataset: Dataset, variable: Variable, data: ExportData) -> Entry:
    name = variable.name
    choices: tuple[ChoiceEntry, ...] = ()
    columns: tuple[str, ...] = (name,)
    if variable.kind == "single":
        counts = np.bincount(dataset.codes(name)[dataset.codes(name) >= 0],
                             minlength=len(variable.categories))  # fmt: skip
        choices = tuple(
            ChoiceEntry(code, c.name, c.label, int(n))
            for code, c, n in zip(value_codes(variable), variable.categories, counts, strict=True)
        )
    elif variable.kind == "multiple":
        counts = np.asarray(dataset.selected(name), dtype=np.int64).sum(axis=0)
        choices = tuple(
            ChoiceEntry(None, c.name, c.label, int(n))
            for c, n in zip(variable.categories, counts, strict=True)
        )
        columns += tuple(f"{name}/{c}" for c in variable.category_names)
    return Entry(
        name=name,
        label=variable.label,
        type=variable.question_type,
        measure=measure_level(variable, data.form),
        routing=_routing(variable.relevance),
        asked=int(dataset.asked(name).sum()),
        answered=int(dataset.answered(name).sum()),
        choices=choices,
        columns=columns,
    )


def _routing(conditions: tuple[str, ...]) -> str:
    """Return the conditions as one expression (each parenthesised when there are several)."""
    if len(conditions) == 1:
        return conditions[0]
    return " and ".join(f"({condition})" for condition in conditions)


def _paradata_entry(column: FlatColumn, n: int) -> Entry:
    measure: Measure = "scale" if column.kind in ("number", "datetime") else "nominal"
    answered = int((column.codes >= 0).sum())
    return Entry(column.name, column.label, "paradata", measure, "", n, answered, (),
                 (column.name,))  # fmt: skip


# -- HTML -------------------------------------------------------------------------------------

TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "codebook": "Codebook", "form": "Questionnaire", "version": "version",
        "respondents": "Respondents", "origin": "Data", "created": "Made",
        "variables": "Variables", "variable": "Variable", "label": "Label", "type": "Type",
        "measure": "Measure", "routing": "Asked when", "everyone": "everyone",
        "base": "Base", "asked": "asked", "answered": "answered", "columns": "Columns",
        "code": "Code", "name": "Name", "n": "n", "extra": "column of the data file",
        "nominal": "nominal", "ordinal": "ordinal", "scale": "scale",
        "codes": "Codes in SPSS: a choice's position in its list (1, 2, ...); -1 (then -3, -4 "
                 "...) don't know; -2 not asked (routing); both user-missing. Empty: not "
                 "answered. Multiple choice: one 0/1 column per choice.",
    },
    "nl": {
        "codebook": "Codeboek", "form": "Vragenlijst", "version": "versie",
        "respondents": "Respondenten", "origin": "Gegevens", "created": "Gemaakt",
        "variables": "Variabelen", "variable": "Variabele", "label": "Label", "type": "Type",
        "measure": "Meetniveau", "routing": "Gevraagd als", "everyone": "iedereen",
        "base": "Basis", "asked": "gevraagd", "answered": "beantwoord", "columns": "Kolommen",
        "code": "Code", "name": "Naam", "n": "n", "extra": "kolom uit het gegevensbestand",
        "nominal": "nominaal", "ordinal": "ordinaal", "scale": "schaal",
        "codes": "Codes in SPSS: de plaats van een keuze in de lijst (1, 2, ...); -1 (dan -3, "
                 "-4 ...) weet niet; -2 niet gevraagd (routing); beide user-missing. Leeg: niet "
                 "beantwoord. Meerkeuze: een 0/1-kolom per keuze.",
    },
}  # fmt: skip

STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; color: #1a1a1a; margin: 2em auto; max-width: 60em;
  padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0; } h2 { font-size: 1.15em; margin: 0 0 .4em; }
code { font-family: ui-monospace, monospace; font-size: .95em; }
dl.about, dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; }
dt { font-weight: 600; } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; border-bottom: 1px solid #ccc; padding: .2em .5em;
  vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
section.variable { border-top: 2px solid #444; padding-top: .6em; margin-top: 1.4em;
  break-inside: avoid-page; }
p.codes { background: #f3f3f3; padding: .5em .8em; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def _texts(language: str | None) -> Mapping[str, str]:
    return TEXTS[text_language(language)]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def codebook_html(data: ExportData) -> str:
    """Return the codebook of ``data`` as one self-contained HTML document."""
    t = _texts(data.language)
    lang = text_language(data.language)
    entries = codebook_entries(data)
    form = data.form
    about = []
    if form is not None:
        version = f", {t['version']} {form.version}" if form.version else ""
        about.append((t["form"], f"{form.form_id}{version}"))
    about.append((t["respondents"], str(data.dataset.n)))
    if data.origin:
        about.append((t["origin"], data.origin))
    about.append((t["created"], data.created.strftime("%Y-%m-%d %H:%M")))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(lang)}"><head><meta charset="utf-8">',
        f"<title>{_e(t['codebook'])} — {_e(data.heading)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<header><h1>{_e(t['codebook'])}</h1><p>{_e(data.heading)}</p>",
        '<dl class="about">',
        *(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in about),
        "</dl>",
        f'<p class="codes">{_e(t["codes"])}</p></header>',
        f"<main><h2>{_e(t['variables'])}</h2>",
        _index(entries, t),
        *(_section(entry, t) for entry in entries),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _index(entries: tuple[Entry, ...], t: Mapping[str, str]) -> str:
    rows = [
        f'<tr><td><a href="#v-{_e(e.name)}"><code>{_e(e.name)}</code></a></td>'
        f"<td>{_e(_short(e.label))}</td><td>{_e(_type(e, t))}</td>"
        f'<td class="number">{e.answered}</td></tr>'
        for e in entries
    ]
    head = (
        f"<thead><tr><th>{_e(t['variable'])}</th><th>{_e(t['label'])}</th>"
        f"<th>{_e(t['type'])}</th>"
        f'<th class="number">{_e(t["answered"].capitalize())}</th></tr></thead>'
    )
    return f'<table class="index">{head}<tbody>{"".join(rows)}</tbody></table>'


def _section(entry: Entry, t: Mapping[str, str]) -> str:
    routing = f"<code>{_e(entry.routing)}</code>" if entry.routing else _e(t["everyone"])
    facts = [
        (t["type"], _e(_type(entry, t))),
        (t["measure"], _e(t[entry.measure])),
        (t["routing"], routing),
        (t["base"], f"{_e(t['asked'])} {entry.asked}, {_e(t['answered'])} {entry.answered}"),
    ]
    if len(entry.columns) > 1:
        facts.append((t["columns"], ", ".join(f"<code>{_e(c)}</code>" for c in entry.columns)))
    parts = [
        f'<section class="variable" id="v-{_e(entry.name)}">',
        f"<h2><code>{_e(entry.name)}</code> {_e(entry.label)}</h2>",
        '<dl class="facts">',
        *(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in facts),
        "</dl>",
    ]
    if entry.choices:
        parts.append(
            f'<table><thead><tr><th class="number">{_e(t["code"])}</th>'
            f"<th>{_e(t['name'])}</th><th>{_e(t['label'])}</th>"
            f'<th class="number">{_e(t["n"])}</th></tr></thead><tbody>'
        )
        for choice in entry.choices:
            code = "" if choice.code is None else str(choice.code)
            parts.append(
                f'<tr><td class="number">{code}</td><td><code>{_e(choice.name)}</code></td>'
                f'<td>{_e(choice.label)}</td><td class="number">{choice.count}</td></tr>'
            )
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)


def _type(entry: Entry, t: Mapping[str, str]) -> str:
    return entry.type if entry.type is not None else t["extra"]


def _short(label: str, limit: int = 90) -> str:
    flat = " ".join(label.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class HtmlCodebookWriter(Writer):
    format = "html"
    suffixes = (".html", ".htm")
    media_type = "text/html"
    description = "codebook (HTML): every variable's text, choices, routing and base"

    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        path.write_text(codebook_html(data), encoding="utf-8")
        return Written(tuple(entry.name for entry in codebook_entries(data)))


class PdfCodebookWriter(Writer):
    """The HTML codebook printed to PDF by headless Chromium (``browser``: its path)."""

    format = "pdf"
    suffixes = (".pdf",)
    media_type = "application/pdf"
    description = "codebook (PDF, printed by headless Chromium)"

    def __init__(self, browser: str | None = None) -> None:
        self.browser = browser

    def write_file(self, data: ExportData, path: Path, options: WriteOptions) -> Written:
        browser = self.browser or next(filter(None, map(shutil.which, BROWSERS)), None)
        if browser is None:
            raise ExportError(
                f"a PDF codebook needs Chromium ({' or '.join(BROWSERS)}); install it, "
                "or write the HTML codebook (.html) and print that"
            )
        with tempfile.TemporaryDirectory(prefix="peiling-codebook-") as scratch:
            page = Path(scratch) / "codebook.html"
            page.write_text(codebook_html(data), encoding="utf-8")
            command = [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-pdf-header-footer", "--print-to-pdf-no-header",
                f"--user-data-dir={Path(scratch) / 'profile'}", f"--print-to-pdf={path}",
                page.as_uri(),
            ]  # fmt: skip
            try:
                # The command is built here from a path found on PATH, never from user input.
                done = subprocess.run(  # noqa: S603
                    command, capture_output=True, timeout=PRINT_TIMEOUT, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise ExportError(f"{browser} could not print the codebook ({error})") from None
        if not path.is_file() or path.read_bytes()[:5] != b"%PDF-":
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"]
            raise ExportError(
                f"{browser} could not print the codebook (exit {done.returncode}: {lines[-1]})"
            )
        return Written(tuple(entry.name for entry in codebook_entries(data)))
