"""The codebook: entries, the self-contained HTML (escaped), the PDF printed by Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from peiling.analysis.dataset import Category, Dataset, Variable
from peiling.exchange.codebook import (
    ChoiceEntry,
    Entry,
    HtmlCodebookWriter,
    PdfCodebookWriter,
    codebook_entries,
    codebook_html,
)
from peiling.exchange.writers import ExportData, ExportError


def test_entries_hold_text_choices_routing_and_base(data: ExportData) -> None:
    entries = {entry.name: entry for entry in codebook_entries(data)}
    assert list(entries) == [
        "org",
        "st_a",
        "st_b",
        "wens",
        "kanalen",
        "pct",
        "uren",
        "toelichting",
        "datum",
    ]
    assert entries["st_b"] == Entry(
        name="st_b",
        label="Wetgeving maakt het moeilijk.",
        type="select_one",
        measure="ordinal",
        routing="${org} = 'gemeente'",
        asked=2,
        answered=1,
        choices=(
            ChoiceEntry(1, "eens", "Mee eens", 0),
            ChoiceEntry(2, "neutraal", "Neutraal", 0),
            ChoiceEntry(3, "oneens", "Mee oneens", 0),
            ChoiceEntry(-1, "weet_niet", "Weet niet", 1),
        ),
        columns=("st_b",),
    )
    assert entries["kanalen"].choices == (
        ChoiceEntry(None, "web", "Website", 2),
        ChoiceEntry(None, "telefoon", "Telefoon", 2),
        ChoiceEntry(None, "balie", "Balie", 2),
    )
    assert (entries["kanalen"].asked, entries["kanalen"].answered) == (5, 3)
    assert (entries["pct"].asked, entries["pct"].answered, entries["pct"].measure) == (
        2,
        2,
        "scale",
    )


def test_paradata_entries_come_first(data_with_paradata: ExportData) -> None:
    entries = codebook_entries(data_with_paradata)
    assert [e.name for e in entries[:7]] == [
        "_source",
        "_status",
        "_started",
        "_completed",
        "_duration",
        "_device",
        "_language",
    ]
    assert (entries[3].label, entries[3].type, entries[3].answered) == (
        "Afgerond om",
        "paradata",
        4,
    )


def test_html_is_self_contained(data: ExportData) -> None:
    page = codebook_html(data)
    assert page.startswith('<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">')
    assert "<title>Codeboek — Digitalisering</title>" in page
    assert not re.search(r"<script|<link|<img|<iframe|src=|https?://", page)


def test_html_shows_each_variable(data: ExportData) -> None:
    page = codebook_html(data)
    section = page[page.index('<section class="variable" id="v-st_b">') :]
    section = section[: section.index("</section>")]
    assert "<h2><code>st_b</code> Wetgeving maakt het moeilijk.</h2>" in section
    assert "<dt>Gevraagd als</dt><dd><code>${org} = &#x27;gemeente&#x27;</code></dd>" in section
    assert "<dt>Basis</dt><dd>gevraagd 2, beantwoord 1</dd>" in section
    assert "<dt>Meetniveau</dt><dd>ordinaal</dd>" in section
    assert (
        '<tr><td class="number">-1</td><td><code>weet_niet</code></td><td>Weet niet</td>'
        '<td class="number">1</td></tr>'
    ) in section
    assert '<a href="#v-toelichting"><code>toelichting</code></a>' in page


def test_html_escapes_every_text() -> None:
    hostile = "<script>alert('x')</script> & \"quotes\""
    variable = Variable("q", "single", hostile, (Category("a", "<b>vet</b>"),),
                        relevance=("${x} < 3",))  # fmt: skip
    page = codebook_html(ExportData(Dataset([variable], {"q": [0]}), title="<i>Titel</i>"))
    assert "<script>" not in page and "<b>vet</b>" not in page and "<i>Titel" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "<td>&lt;b&gt;vet&lt;/b&gt;</td>" in page
    assert "<code>${x} &lt; 3</code>" in page


def test_html_writer_writes_utf8(data: ExportData, tmp_path: Path) -> None:
    report = HtmlCodebookWriter().write(data, tmp_path / "codeboek.html")
    assert (tmp_path / "codeboek.html").read_text(encoding="utf-8") == codebook_html(data)
    assert report.columns[0] == "org"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Chromium")
def test_pdf_is_printed_by_chromium(data: ExportData, tmp_path: Path) -> None:
    PdfCodebookWriter().write(data, tmp_path / "codeboek.pdf")
    raw = (tmp_path / "codeboek.pdf").read_bytes()
    assert raw[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) >= 1


def test_pdf_without_a_browser(
    data: ExportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ExportError) as caught:
        PdfCodebookWriter().write(data, tmp_path / "codeboek.pdf")
    assert str(caught.value) == (
        "a PDF codebook needs Chromium (chromium or chromium-browser or google-chrome or "
        "google-chrome-stable); install it, or write the HTML codebook (.html) and print that"
    )
    assert list(tmp_path.iterdir()) == []


def test_pdf_when_the_browser_fails(data: ExportData, tmp_path: Path) -> None:
    browser = tmp_path / "bin" / "chromium"
    browser.parent.mkdir()
    browser.write_text("#!/bin/sh\necho 'starting' >&2\necho 'no display' >&2\nexit 3\n")
    browser.chmod(0o755)
    output = tmp_path / "out"
    output.mkdir()
    with pytest.raises(ExportError) as caught:
        PdfCodebookWriter(browser=str(browser)).write(data, output / "codeboek.pdf")
    assert str(caught.value) == f"{browser} could not print the codebook (exit 3: no display)"
    assert list(output.iterdir()) == []
