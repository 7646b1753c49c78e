"""HTML: one self-contained file (styles inline, charts as inline SVG) with print styles.

Rendered with Django's template engine, which escapes every label, answer and title, so text
such as ``<script>`` shows as text. The structure is built for assistive technology: ``lang``,
headings in order (h1 title, h2 chapters, h3 sections, h4 below), tables with ``<caption>``
and ``th scope``, figures with ``<figcaption>``, a text alternative on every chart and its
numbers in a data table. The same body is served inside peiling's pages
(``reports/page.html``).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any, ClassVar

from peiling.reports.layout import caption_title, table_grid
from peiling.reports.model import (
    Block,
    Chapter,
    Chart,
    FigureBlock,
    FindingBlock,
    Paragraph,
    QuoteBlock,
    Report,
    Section,
    TableBlock,
)
from peiling.reports.renderers import Assets, Renderer, register
from peiling.reports.text import number, percent, quoted

__all__ = ["HtmlRenderer", "chart_uri", "css_string", "report_context", "stylesheet"]

STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "reports" / "report.css"


def stylesheet(report: Report) -> str:
    """Return the report's CSS with its running footer (the title) filled in."""
    css = STYLESHEET.read_text(encoding="utf-8")
    return css.replace('"{{ running_title }}"', css_string(report.title))


def css_string(text: str) -> str:
    """Return ``text`` as a CSS string literal that nothing in it can end early."""
    escaped = "".join(c if c.isalnum() or c in " .,?!-–" else f"\\{ord(c):06x}" for c in text)
    return f'"{escaped}"'


def _heading(chapter: Chapter, section: Section) -> dict[str, Any] | None:
    if not section.title:
        return None
    return {
        "text": section.heading,
        "id": _id(f"{chapter.number}-{section.number or section.title}"),
    }


def _id(text: str) -> str:
    return "s-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def report_context(report: Report, assets: Assets, *, chart_images: bool = False,
                   ) -> dict[str, Any]:
    """Return the template context: the report as plain dicts a template can walk.

    ``chart_images`` gives each figure its SVG as a ``data:`` image instead of inline SVG:
    for pages served under the Content-Security-Policy, which refuses the style attributes
    of inline SVG (the stand-alone HTML file keeps its charts inline).
    """
    chapters = []
    for chapter in report.chapters:
        sections = []
        for section in chapter.sections:
            heading = _heading(chapter, section)
            level = 4 if heading else 3
            blocks = [_block(block, level, assets, chart_images) for block in section.blocks]
            sections.append({"heading": heading, "blocks": blocks})
        chapters.append(
            {
                "id": chapter.anchor,
                "heading": chapter.heading,
                "role": chapter.role,
                "sections": sections,
            }
        )
    facts = report.facts
    return {
        "report": report,
        "chapters": chapters,
        "facts": {"n": number(facts.n)},
        "css": stylesheet(report),
    }


def block_context(block: Block, assets: Assets, *, level: int = 3) -> dict[str, Any]:
    """Return what ``reports/_body.html`` (and its ``_table.html`` and ``_figure.html``)
    needs to show one block, for a page that shows a report's table outside a report: charts
    as data: images, which the pages' Content-Security-Policy allows (inline SVG styles not)."""
    return _block(block, level, assets, True)


def _block(block: Block, level: int, assets: Assets, chart_images: bool) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text, "style": block.style}
    if isinstance(block, FindingBlock):
        return {
            "type": "finding",
            "headline": block.headline,
            "text": block.text,
            "sentences": [
                {"text": sentence,
                 "edited": i < len(block.notes) and block.notes[i].edited,
                 "flag": block.notes[i].flag if i < len(block.notes) else ""}
                for i, sentence in enumerate(block.sentences)
            ],
            "draft": block.draft,
            "level": level,
        }
    if isinstance(block, TableBlock):
        grid = table_grid(block)
        return {
            "type": "table",
            "id": block.anchor,
            "label": block.label,
            "title": caption_title(block),
            "grid": grid,
            "layout": block.layout,
            "footnotes": grid.footnotes,
        }
    if isinstance(block, FigureBlock):
        return _figure(block, assets, chart_images)
    if isinstance(block, QuoteBlock):
        return {
            "type": "quotes",
            "title": block.title,
            "intro": block.intro,
            "themes": block.themes,
            "level": level,
        }
    raise ValueError(f"block must be a report block (got {type(block).__name__})")


def _figure(block: FigureBlock, assets: Assets, chart_images: bool) -> dict[str, Any]:
    chart = block.chart
    title = quoted(block.title) if block.quoted else block.title
    if chart.kind == "stacked":
        heads = [s.label for s in chart.series]
        rows = [(r.label, [percent(v) for v in r.values], number(r.base)) for r in chart.rows]
    elif chart.kind == "trend":
        heads = [s.label for s in chart.series]
        shown = chart_value(chart)
        rows = [(r.label, [shown(v) for v in r.values], number(r.base)) for r in chart.rows]
    else:
        heads = ["%"]
        rows = [(r.label, [percent(r.values[0])], number(r.base)) for r in chart.rows]
    return {
        "type": "figure",
        "id": block.anchor,
        "label": block.label,
        "title": f"{title} ({block.subtitle})" if block.subtitle else title,
        "svg": "" if chart_images else assets.svg(block),
        "image": chart_uri(assets.svg(block)) if chart_images else "",
        "description": block.description,
        "data_heads": heads,
        "data_rows": rows,
        "footnotes": block.footnotes,
    }


def chart_value(chart: Chart):
    """How a trend chart's values read: "74%" (shares) or "6,7" (means), "–" not asked."""
    means = bool(chart.series) and chart.series[0].key == "mean"

    def shown(value: float) -> str:
        if value != value:  # NaN: the wave did not ask it
            return "–"
        return f"{value:.1f}".replace(".", ",") if means else percent(value)

    return shown


def chart_uri(svg: str) -> str:
    """An SVG chart as a ``data:`` address for an ``<img>`` (no inline style for the CSP)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@register
class HtmlRenderer(Renderer):
    format: ClassVar[str] = "html"
    extension: ClassVar[str] = ".html"
    content_type: ClassVar[str] = "text/html; charset=utf-8"

    def render(self, report: Report, *, assets: Assets | None = None) -> bytes:
        from django.template.loader import render_to_string

        context = report_context(report, assets or Assets())
        return render_to_string("reports/report.html", context).encode("utf-8")
