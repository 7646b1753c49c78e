"""The Word file read back with python-docx: headings, captions, numbers, notes, methods."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from docx import Document

from peiling.reports.layout import caption_title, table_grid
from peiling.reports.model import Report
from peiling.reports.renderers import renderer_for

pytestmark = pytest.mark.django_db(databases=[])


@pytest.fixture(scope="module")
def data(report: Report) -> bytes:
    return renderer_for("docx").render(report)


@pytest.fixture(scope="module")
def document(data: bytes):
    return Document(io.BytesIO(data))


def test_chapters_and_sections_are_word_headings(document, report: Report) -> None:
    heading1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert heading1 == [c.heading for c in report.chapters]
    heading2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    expected = [s.heading for c in report.chapters for s in c.sections if s.title]
    assert heading2 == expected
    assert document.paragraphs[1].style.name == "Title"


def test_captions_are_numbered_per_chapter_with_seq_fields(document, data, report) -> None:
    captions = [p.text.split("\n")[0] for p in document.paragraphs if p.style.name == "Caption"]
    expected = []
    for _, _, block in report.blocks():
        if hasattr(block, "label") and hasattr(block, "number") and block.number:
            expected.append(block.label)
    assert captions == expected
    assert captions[:3] == ["Tabel 3.1", "Tabel 3.2", "Figuur 3.1"]
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert xml.count("SEQ Tabel \\* ARABIC \\s 1") == len(report.tables())
    assert xml.count("SEQ Figuur \\* ARABIC \\s 1") == len(report.figures())


def test_every_table_holds_the_engines_numbers(document, report: Report) -> None:
    assert len(document.tables) == len(report.tables())
    for table, block in zip(document.tables, report.tables(), strict=True):
        grid = table_grid(block)
        header_rows = 2 if grid.subheads else 1
        assert table.style.name == "Light Shading Accent 1"
        for row, grid_row in zip(table.rows[header_rows:], grid.rows, strict=True):
            cells = [c.text for c in row.cells]
            assert cells[0] == grid_row.label
            assert cells[1:] == [c.text + (f" {c.letters}" if c.letters else "")
                                 for c in grid_row.cells], block.label  # fmt: skip


def test_significance_shows_as_underline(document, report: Report) -> None:
    grid_block = next(b for b in report.tables() if b.table.kind == "grid")
    table = document.tables[report.tables().index(grid_block)]
    grid = table_grid(grid_block)
    for row, grid_row in zip(table.rows[1:], grid.rows, strict=True):
        for cell, grid_cell in zip(row.cells[1:], grid_row.cells, strict=True):
            run = cell.paragraphs[0].runs[0]
            assert bool(run.underline) == (grid_cell.mark == -1)


def test_footnotes_follow_their_table(document, report: Report) -> None:
    body = document.element.body
    notes_after: list[list[str]] = []
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[1]
        if tag == "tbl":
            notes_after.append([])
        elif tag == "p" and notes_after:
            style = child.find(".//{*}pStyle")
            if style is not None and style.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val") == "TableNote":
                notes_after[-1].append("".join(t.text for t in child.iter("{*}t")))
    assert notes_after == [list(b.footnotes) for b in report.tables()]


def test_the_methods_section_states_the_facts(document) -> None:
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Het onderzoek liep van dinsdag 27 februari tot en met donderdag 8 maart 2018." in text
    assert "Door afronding tellen de percentages soms niet op tot 100 procent." in text
    assert re.search(r"Het grootste deel van de respons \(7\d%\) is afkomstig via het I&O "
                     r"Research Panel \(n = 1\.\d{3}\)\.", text)  # fmt: skip


def test_table_of_contents_and_field_update(data: bytes) -> None:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert 'TOC \\o "1-2" \\h \\z \\u' in archive.read("word/document.xml").decode()
    assert '<w:updateFields w:val="true"/>' in archive.read("word/settings.xml").decode()
    footer = "".join(archive.read(n).decode() for n in archive.namelist() if "footer" in n)
    assert "PAGE" in footer


def test_charts_are_pictures_with_their_text_alternative(data: bytes, report: Report) -> None:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    descriptions = re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml)
    assert len(descriptions) == len(report.figures())
    assert descriptions[0].startswith("Gestapelde staven per stelling")


def test_captions_carry_the_title(document, report: Report) -> None:
    first = next(p for p in document.paragraphs if p.style.name == "Caption")
    assert first.text == "Tabel 3.1\n" + caption_title(report.tables()[0])
