"""One contract, run against every registered renderer: what every format must show.

Each format's file is read back as text (python-docx, openpyxl, pypdf, an HTML parser, json)
and must hold every table's caption, the figures, the key findings, the methods facts, and
hostile labels and answers as plain text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peiling.reports.layout import caption_title
from peiling.reports.model import Report
from peiling.reports.renderers import (
    RENDERERS,
    Assets,
    RenderError,
    renderer_for,
    renderer_for_path,
)
from tests.reports.conftest import HOSTILE_TEXTS, chromium_available
from tests.reports.readback import TEXT_OF, squeeze

pytestmark = pytest.mark.django_db(databases=[])


class RendererContract:
    """Mixed into one test class per format; ``format`` names the renderer."""

    format: str

    @pytest.fixture(scope="class")
    @classmethod
    def written(cls, report: Report) -> bytes:
        return renderer_for(cls.format).render(report, assets=Assets())

    @pytest.fixture(scope="class")
    @classmethod
    def hostile(cls, hostile_report: Report) -> bytes:
        return renderer_for(cls.format).render(hostile_report)

    def text(self, data: bytes) -> str:
        return squeeze(TEXT_OF[self.format](data))

    def test_is_registered_under_its_format_and_extension(self) -> None:
        renderer = renderer_for(self.format)
        assert renderer.format == self.format
        assert renderer_for_path(Path(f"rapport{renderer.extension}")).format == self.format
        assert renderer.content_type

    def test_shows_every_table_caption(self, written: bytes, report: Report) -> None:
        text = self.text(written)
        for block in report.tables():
            assert squeeze(block.label) in text
            if self.format != "pdf":  # PDF text extraction may reorder a wrapped caption
                assert squeeze(caption_title(block)) in text, block.label

    def test_shows_every_figure(self, written: bytes, report: Report) -> None:
        text = self.text(written)
        for figure in report.figures():
            assert squeeze(figure.label) in text

    def test_shows_the_key_findings_and_methods(self, written: bytes, report: Report) -> None:
        text = self.text(written)
        if self.format == "xlsx":
            assert squeeze("Veldwerk: dinsdag 27 februari 2018 tot en met donderdag 8 maart 2018") in text
            return
        for finding in report.findings():
            assert squeeze(finding.sentences[0]) in text
        if self.format != "json":
            assert squeeze("Door afronding tellen de percentages soms niet op tot 100 procent.") in text

    def test_hostile_text_is_shown_as_text(self, hostile: bytes) -> None:
        text = self.text(hostile)
        for hostile_text in HOSTILE_TEXTS:
            assert squeeze(hostile_text) in text, hostile_text

    def test_same_report_same_text(self, written: bytes, report: Report) -> None:
        if self.format == "pdf":
            pytest.skip("the PDF is the HTML printed; the HTML test covers its text")
        again = renderer_for(self.format).render(report)
        assert self.text(again) == self.text(written)


def test_every_format_has_a_contract_class() -> None:
    tested = {cls.format for cls in RendererContract.__subclasses__()}
    assert tested == set(RENDERERS) == {"html", "docx", "xlsx", "pdf", "json"}


def test_unknown_formats_are_named() -> None:
    with pytest.raises(RenderError, match=r"^unknown report format 'odt'; expected one of "
                                          r"docx, html, json, pdf, xlsx$"):  # fmt: skip
        renderer_for("odt")
    with pytest.raises(RenderError, match=r"cannot tell the format from '\.txt'; use one of "):
        renderer_for_path(Path("rapport.txt"))


class TestHtml(RendererContract):
    format = "html"

    def test_no_markup_from_the_data(self, hostile: bytes) -> None:
        assert b"<script" not in hostile
        assert b"&lt;script&gt;" in hostile


class TestDocx(RendererContract):
    format = "docx"

    def test_field_codes_in_data_never_become_fields(self, hostile: bytes) -> None:
        import io
        import zipfile

        xml = zipfile.ZipFile(io.BytesIO(hostile)).read("word/document.xml").decode("utf-8")
        instructions = [i.strip() for i in __import__("re").findall(r"<w:instrText[^>]*>([^<]*)<", xml)]
        assert {i.split()[0] for i in instructions} <= {"TOC", "SEQ"}
        assert "HYPERLINK" not in " ".join(instructions)


class TestXlsx(RendererContract):
    format = "xlsx"

    def test_formulas_in_data_are_stored_as_text(self, hostile: bytes) -> None:
        import io

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(hostile))
        risky = [c for s in workbook.worksheets for r in s.iter_rows() for c in r
                 if isinstance(c.value, str) and c.value[:1] in "=+-@"]  # fmt: skip
        assert {c.value for c in risky} >= {HOSTILE_TEXTS[2], HOSTILE_TEXTS[3], HOSTILE_TEXTS[4]}
        assert all(c.data_type == "s" and c.quotePrefix for c in risky)


class TestJson(RendererContract):
    format = "json"


@pytest.mark.skipif(not chromium_available(), reason="PDF needs Debian's chromium")
class TestPdf(RendererContract):
    format = "pdf"

    def test_pages_are_numbered_after_the_title_page(self, written: bytes) -> None:
        from tests.reports.readback import pdf_pages

        pages = pdf_pages(written)
        assert len(pages) > 8
        def numbered(page: str, number: int) -> bool:
            text = page.strip()
            return text.startswith(str(number)) or text.endswith(str(number))

        assert not numbered(pages[0], 1)
        for number, page in enumerate(pages[1:], start=2):
            assert numbered(page, number), number
