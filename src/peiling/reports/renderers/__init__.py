"""Report renderers: one small base class, one implementation per file format, a registry.

    renderer = renderer_for("docx")          # or renderer_for_path(Path("rapport.docx"))
    data = renderer.render(report)            # bytes of the file

Every renderer draws the same ``Report`` value: the numbers come from ``layout.table_grid``
and the charts from ``charts``, never computed twice. ``Assets`` holds the chart images of one
report so that several formats rendered in one go draw each chart once per image type.
``tests/reports/test_renderers.py`` runs one contract-test mixin against every registered
renderer.

Errors::

    RenderError (Exception)     a format that cannot be made here (no Chromium for PDF) or
                                an unknown format; the message says what to do
"""

from __future__ import annotations

from html import escape as escape_html
from pathlib import Path
from typing import ClassVar

from peiling.reports import charts
from peiling.reports.model import FigureBlock, Report

__all__ = [
    "RENDERERS",
    "Assets",
    "RenderError",
    "Renderer",
    "register",
    "renderer_for",
    "renderer_for_path",
]


class RenderError(Exception):
    """A report that cannot be rendered in the format asked for; the message says why."""


class Assets:
    """The chart images of one report, drawn on first use and then reused."""

    def __init__(self) -> None:
        self._svg: dict[str, str] = {}
        self._png: dict[str, bytes] = {}

    def svg(self, figure: FigureBlock) -> str:
        """Return the figure's SVG with its text alternative (``role="img"``, ``<title>``)."""
        if figure.number not in self._svg:
            svg = charts.render_svg(figure.chart)
            alt = escape_html(figure.description, quote=True)
            # Plain string surgery: the text alternative must never be read as a pattern.
            start = svg.index("<svg") + len("<svg")
            end = svg.index(">", start) + 1
            svg = (
                f'{svg[:start]} role="img" aria-label="{alt}"{svg[start:end]}'
                f"<title>{alt}</title>{svg[end:]}"
            )
            self._svg[figure.number] = svg
        return self._svg[figure.number]

    def png(self, figure: FigureBlock) -> bytes:
        if figure.number not in self._png:
            self._png[figure.number] = charts.render_png(figure.chart)
        return self._png[figure.number]


class Renderer:
    """Turn a ``Report`` into the bytes of one file format.

    Subclasses set ``format`` (the registry key), ``extension`` and ``content_type``, and
    implement ``render``. ``assets`` may be shared between renderers of the same report.
    """

    format: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]

    def render(self, report: Report, *, assets: Assets | None = None) -> bytes:
        raise NotImplementedError


RENDERERS: dict[str, type[Renderer]] = {}


def register(cls: type[Renderer]) -> type[Renderer]:
    """Class decorator: add a renderer to ``RENDERERS`` under its ``format``."""
    if cls.format in RENDERERS:
        raise ValueError(f"a renderer for {cls.format!r} is already registered")
    RENDERERS[cls.format] = cls
    return cls


def renderer_for(format: str) -> Renderer:
    """Return a renderer for ``format``; raise ``RenderError`` naming the known formats."""
    try:
        return RENDERERS[format]()
    except KeyError:
        raise RenderError(
            f"unknown report format {format!r}; expected one of {', '.join(sorted(RENDERERS))}"
        ) from None


def renderer_for_path(path: Path) -> Renderer:
    """Return the renderer for a file name's extension (``rapport.docx`` -> docx)."""
    suffix = path.suffix.lower()
    for cls in RENDERERS.values():
        if cls.extension == suffix:
            return cls()
    known = ", ".join(sorted(cls.extension for cls in RENDERERS.values()))
    raise RenderError(
        f"{path}: cannot tell the format from {suffix or 'no extension'!r}; use one of {known}"
    )


# Importing the implementations registers them.
from peiling.reports.renderers import docx, html, json, pdf, xlsx  # noqa: E402

__all__ += ["docx", "html", "json", "pdf", "xlsx"]
