"""Word (.docx) with python-docx: a document a researcher edits without fixing its layout.

- Real Word headings ("Heading 1" per chapter, "Heading 2" per section, "Heading 3" per key
  finding), so the navigation pane and the table of contents work.
- A table of contents field (``TOC \\o "1-2" \\h \\z \\u``); the document asks Word to update
  its fields when opened (``w:updateFields``), which fills it in.
- Captions in the "Caption" style: "Tabel 3." followed by a ``SEQ Tabel \\s 1`` field (numbers
  restart at each chapter, as "Tabel 3.1", "Tabel 3.2"), the cached result already filled in,
  so inserting a table and updating fields renumbers the rest.
- Tables in the built-in "Light Shading Accent 1" style with the heads in small capitals, the
  numbers right-aligned, marks as in the other formats; footnotes in the "Table Note" style.
- Charts as PNG pictures (16 cm wide) with their text alternative as the picture description.
- A4, page numbers (a ``PAGE`` field) and the title in the footer.

Text goes in as text runs only: a label holding a Word field code (``{ HYPERLINK ... }``,
``DDEAUTO``) is printed, never run, because Word only runs ``w:instrText``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import ClassVar

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from peiling.reports.layout import caption_title, table_grid
from peiling.reports.model import (
    Block,
    FigureBlock,
    FindingBlock,
    Paragraph,
    QuoteBlock,
    Report,
    TableBlock,
)
from peiling.reports.renderers import Assets, Renderer, register
from peiling.reports.text import number, quoted, safe_text

__all__ = ["DocxRenderer"]

ACCENT = RGBColor(0x1D, 0x4F, 0x91)
MUTED = RGBColor(0x4D, 0x4D, 0x4D)
TABLE_STYLE = "Light Shading Accent 1"
NOTE_STYLE = "Table Note"
DRAFT_STYLE = "Draft Text"
FONT = "Arial"


def _add_text(
    paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False
) -> None:
    """Add ``text`` as runs, line breaks as Word line breaks; never as fields."""
    for i, line in enumerate(safe_text(text).split("\n")):
        if i:
            paragraph.add_run().add_break(WD_BREAK.LINE)
        run = paragraph.add_run(line)
        run.bold = bold or None
        run.italic = italic or None


def _field(paragraph: DocxParagraph, instruction: str, result: str) -> None:
    """Add a Word field with its cached result (shown until Word updates the field)."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    char("separate")
    paragraph.add_run(result)
    char("end")


def _styles(document: Document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 26), ("Heading 1", 18), ("Heading 2", 13), ("Heading 3", 10.5)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT if name != "Heading 3" else RGBColor(0x1A, 0x1A, 0x1A)
    styles["Heading 1"].paragraph_format.page_break_before = True
    caption = styles["Caption"]
    caption.font.name = FONT
    caption.font.size = Pt(9)
    caption.font.italic = False
    caption.font.color.rgb = RGBColor(0x1A, 0x1A, 0x1A)
    caption.paragraph_format.keep_with_next = True
    note = styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    note.font.size = Pt(8)
    note.font.color.rgb = MUTED
    note.paragraph_format.space_after = Pt(0)
    draft = styles.add_style(DRAFT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    draft.base_style = normal
    draft.font.color.rgb = RGBColor(0x6B, 0x3B, 0x00)


def _page(document: Document, report: Report) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(22), Mm(24)
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.style = document.styles[NOTE_STYLE]
    footer.add_run(safe_text(report.title) + "  •  ")
    _field(footer, "PAGE", "1")
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _title_page(document: Document, report: Report) -> None:
    kicker = document.add_paragraph()
    _add_text(kicker, "Onderzoeksrapport" + (" — concept" if report.draft else ""))
    kicker.runs[0].font.color.rgb = MUTED
    document.add_paragraph(safe_text(report.title), style="Title")
    if report.subtitle:
        document.add_paragraph(safe_text(report.subtitle), style="Subtitle")
    for label, value in (
        ("Uitgevoerd door", report.author),
        ("In opdracht van", report.client),
        ("Aantal deelnemers", number(report.facts.n)),
        ("Datum", report.date_text),
    ):
        if value:
            paragraph = document.add_paragraph()
            _add_text(paragraph, f"{label}: ", bold=True)
            _add_text(paragraph, value)
    document.add_page_break()
    document.add_paragraph("Inhoud", style="TOC Heading")
    _field(
        document.add_paragraph(),
        'TOC \\o "1-2" \\h \\z \\u',
        "Klik met de rechtermuisknop en kies ‘Veld bijwerken’ om de inhoudsopgave te tonen.",
    )


def _caption(document: Document, label: str, number_text: str, title: str) -> None:
    kind, _, _ = label.partition(" ")
    chapter, _, position = number_text.partition(".")
    paragraph = document.add_paragraph(style="Caption")
    run = paragraph.add_run(f"{kind} {chapter}.")
    run.bold = True
    _field(paragraph, f"SEQ {kind} \\* ARABIC \\s 1", position)
    for run in paragraph.runs:
        run.bold = True
    paragraph.add_run().add_break(WD_BREAK.LINE)
    _add_text(paragraph, title)


def _table(document: Document, block: TableBlock) -> None:
    grid = table_grid(block)
    _caption(document, block.label, block.number, caption_title(block))
    header_rows = 2 if grid.subheads else 1
    width = sum(h.span for h in grid.heads)
    table = document.add_table(rows=header_rows + len(grid.rows), cols=1 + width)
    table.style = document.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    # Cells straight from the XML: python-docx's table.cell() walks the whole table each time.
    cells = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
    _head_cell(cells[0][0].paragraphs[0], grid.stub, "")
    column, merges = 1, []
    for head in grid.heads:
        label = head.label + (f" ({head.letter})" if head.letter else "")
        _head_cell(cells[0][column].paragraphs[0], label, head.base)
        if head.span > 1:
            merges.append((column, column + head.span - 1))
        column += head.span
    for j, sub in enumerate(grid.subheads):
        _head_cell(cells[1][1 + j].paragraphs[0], sub, "")
    for i, row in enumerate(grid.rows, start=header_rows):
        _add_text(cells[i][0].paragraphs[0], row.label, bold=row.role == "total")
        for j, cell in enumerate(row.cells, start=1):
            paragraph = cells[i][j].paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(cell.text)
            run.bold = cell.mark == 1 or row.role == "total" or None
            run.underline = cell.mark == -1 or None
            if cell.letters:
                letters = paragraph.add_run(" " + cell.letters)
                letters.font.superscript = True
    for first, last in merges:
        cells[0][first].merge(cells[0][last])
    for table_row in table.rows[:header_rows]:
        _repeat_header(table_row)
    for note in grid.footnotes:
        document.add_paragraph(safe_text(note), style=NOTE_STYLE)
    document.add_paragraph()


def _head_cell(paragraph: DocxParagraph, label: str, base: str) -> None:
    run = paragraph.add_run(safe_text(label))
    run.bold = True
    run.font.all_caps = True
    run.font.size = Pt(7.5)
    if base:
        paragraph.add_run().add_break(WD_BREAK.LINE)
        small = paragraph.add_run(base)
        small.font.size = Pt(7.5)
        small.bold = False
    if label and base:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _figure(document: Document, block: FigureBlock, assets: Assets) -> None:
    title = quoted(block.title) if block.quoted else block.title
    title = f"{title} ({block.subtitle})" if block.subtitle else title
    _caption(document, block.label, block.number, title)
    paragraph = document.add_paragraph()
    shape = paragraph.add_run().add_picture(io.BytesIO(assets.png(block)), width=Cm(17))
    properties = shape._inline.docPr
    properties.set("descr", safe_text(block.description))
    properties.set("title", safe_text(block.label))
    for note in block.footnotes:
        document.add_paragraph(safe_text(note), style=NOTE_STYLE)


def _block(document: Document, block: Block, assets: Assets) -> None:
    if isinstance(block, Paragraph):
        style = DRAFT_STYLE if block.style == "draft" else None
        _add_text(document.add_paragraph(style=style), block.text)
    elif isinstance(block, FindingBlock):
        if block.headline:
            document.add_heading(safe_text(block.headline), level=3)
        style = DRAFT_STYLE if block.draft else None
        _add_text(document.add_paragraph(style=style), block.text)
    elif isinstance(block, TableBlock):
        _table(document, block)
    elif isinstance(block, FigureBlock):
        _figure(document, block, assets)
    elif isinstance(block, QuoteBlock):
        if block.title:
            document.add_heading(safe_text(block.title), level=3)
        _add_text(document.add_paragraph(), block.intro)
        for theme in block.themes:
            _add_text(document.add_paragraph(), theme.heading, bold=True)
            for quote in theme.quotes:
                _add_text(document.add_paragraph(style="List Bullet"), quote, italic=True)
    else:
        raise ValueError(f"block must be a report block (got {type(block).__name__})")


@register
class DocxRenderer(Renderer):
    format: ClassVar[str] = "docx"
    extension: ClassVar[str] = ".docx"
    content_type: ClassVar[str] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )

    def render(self, report: Report, *, assets: Assets | None = None) -> bytes:
        assets = assets or Assets()
        document = Document()
        _styles(document)
        _page(document, report)
        properties = document.core_properties
        properties.title = safe_text(report.title)
        properties.author = safe_text(report.author or "peiling")
        properties.created = properties.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        properties.revision = 1
        _title_page(document, report)
        for chapter in report.chapters:
            document.add_heading(safe_text(chapter.heading), level=1)
            for section in chapter.sections:
                if section.title:
                    document.add_heading(safe_text(section.heading), level=2)
                for block in section.blocks:
                    _block(document, block, assets)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
