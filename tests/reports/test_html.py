"""The HTML's structure for assistive technology (the axe-core run lives with the browser
tests): language, headings in order, captions, header cells, figures with text alternatives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from peiling.reports.model import Report
from peiling.reports.renderers import renderer_for

pytestmark = pytest.mark.django_db(databases=[])


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return renderer_for("html").render(report).decode("utf-8")


@pytest.fixture(scope="module")
def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_language_and_title(html: str, report: Report) -> None:
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"nl\">")
    assert f"<title>{report.title}</title>" in html


def test_headings_never_skip_a_level(outline: Outline) -> None:
    assert outline.headings[0] == 1
    assert outline.headings.count(1) == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1


def test_every_table_has_a_caption_and_scoped_header_cells(html: str) -> None:
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    assert tables
    for table in tables:
        assert "<caption" in table
        headers = re.findall(r"<th\b[^>]*>", table)
        assert headers and all("scope=" in th for th in headers)


def test_every_figure_has_a_caption_text_alternative_and_data(html: str, report: Report) -> None:
    figures = re.findall(r"<figure.*?</figure>", html, flags=re.S)
    assert len(figures) == len(report.figures())
    for figure, block in zip(figures, report.figures(), strict=True):
        assert "<figcaption>" in figure
        assert re.search(r'<svg role="img" aria-label="[^"]+"', figure)
        assert "<title>" in figure
        assert "<details class=\"chart-data\">" in figure
        assert figure.count("<tr>") == len(block.chart.rows) + 1


def test_marks_are_spoken_too(html: str) -> None:
    assert 'class="lower"' in html
    assert "(significant lager)</span>" in html


def test_self_contained(html: str) -> None:
    assert not re.search(r'<(link|script|img)\b', html)
    assert "@page" in html and "counter(page)" in html
