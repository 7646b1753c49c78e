"""JSON: every table as ``Table.to_dict()``, with its number and caption, plus the findings.

For re-use elsewhere (a dashboard, a check against another tool): the numbers are the analysis
engine's own (``values`` rounded as printed, ``exact`` unrounded).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from peiling.reports.layout import caption_title
from peiling.reports.model import Report
from peiling.reports.renderers import Assets, Renderer, register

__all__ = ["JsonRenderer", "report_data"]


def report_data(report: Report) -> dict[str, Any]:
    """Return the report's tables, figures and findings as JSON-ready data."""
    facts = report.facts
    return {
        "title": report.title,
        "subtitle": report.subtitle,
        "date": report.date_text,
        "draft": report.draft,
        "n": facts.n,
        "fieldwork": {
            "start": facts.start.isoformat() if facts.start else None,
            "end": facts.end.isoformat() if facts.end else None,
        },
        "sources": [{"key": s.key, "label": s.label, "n": s.count} for s in facts.sources],
        "findings": [
            {
                "headline": f.headline,
                "sentences": list(f.sentences),
                "notes": [
                    {"key": n.key, "numbers": list(n.numbers), "edited": n.edited, "flag": n.flag}
                    for n in f.notes
                ],
            }
            for f in report.findings()
        ],
        "tables": [
            {
                "number": b.number,
                "label": b.label,
                "caption": f"{b.label} {caption_title(b)}",
                "footnotes": list(b.footnotes),
                **b.table.to_dict(),
            }
            for b in report.tables()
        ],
        "figures": [
            {
                "number": f.number,
                "label": f.label,
                "title": f.title,
                "kind": f.chart.kind,
                "series": [s.label for s in f.chart.series],
                "rows": [
                    {"label": r.label, "values": list(r.values), "n": r.base} for r in f.chart.rows
                ],
            }
            for f in report.figures()
        ],
        "problems": list(report.problems),
    }


@register
class JsonRenderer(Renderer):
    format: ClassVar[str] = "json"
    extension: ClassVar[str] = ".json"
    content_type: ClassVar[str] = "application/json"

    def render(self, report: Report, *, assets: Assets | None = None) -> bytes:
        text = json.dumps(report_data(report), ensure_ascii=False, indent=2, allow_nan=False)
        return (text + "\n").encode("utf-8")
