"""PDF: the HTML report printed by headless Chromium (Debian's ``chromium`` package).

Why Chromium and not WeasyPrint: it is the browser the accessibility tests already drive, it
draws the inline SVG charts exactly as the HTML shows them, and it needs no Python package
with native libraries of its own. Page numbers and the running title come from CSS page
margin boxes (``@page { @bottom-right { content: counter(page) } }``, supported since
Chromium 131); ``--no-pdf-header-footer`` turns off Chromium's own date and URL lines. The
title page has no number (``@page :first``).

The HTML is written to a private temporary directory and printed from there with networking
off; nothing is fetched. ``PEILING_CHROMIUM`` (or ``chromium=``) names another binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import ClassVar

from peiling.reports.model import Report
from peiling.reports.renderers import Assets, Renderer, RenderError, register
from peiling.reports.renderers.html import HtmlRenderer

__all__ = ["PdfRenderer", "chromium_path"]

TIMEOUT_SECONDS = 120
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",
    "--hide-scrollbars",
    "--mute-audio",
)


def chromium_path(explicit: str | None = None) -> str:
    """Return the Chromium binary to use; raise ``RenderError`` saying how to get one."""
    candidates = [
        explicit,
        os.environ.get("PEILING_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "/usr/bin/chromium",
    ]
    for candidate in candidates:
        if candidate and (found := shutil.which(candidate)):
            return found
    raise RenderError(
        "PDF needs Chromium: install the Debian package 'chromium' (apt-get install chromium) "
        "or set PEILING_CHROMIUM to its path"
    )


@register
class PdfRenderer(Renderer):
    format: ClassVar[str] = "pdf"
    extension: ClassVar[str] = ".pdf"
    content_type: ClassVar[str] = "application/pdf"

    def __init__(self, chromium: str | None = None) -> None:
        self.chromium = chromium

    def render(self, report: Report, *, assets: Assets | None = None) -> bytes:
        binary = chromium_path(self.chromium)
        html = HtmlRenderer().render(report, assets=assets)
        with tempfile.TemporaryDirectory(prefix="peiling-pdf-") as folder:
            source, target = Path(folder) / "rapport.html", Path(folder) / "rapport.pdf"
            source.write_bytes(html)
            command = [
                binary,
                *FLAGS,
                f"--user-data-dir={Path(folder) / 'profile'}",
                f"--print-to-pdf={target}",
                source.as_uri(),
            ]
            try:
                # The command is a fixed list: the binary found on PATH and our own files.
                done = subprocess.run(  # noqa: S603
                    command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
                )
            except subprocess.TimeoutExpired:
                raise RenderError(
                    f"Chromium did not finish the PDF in {TIMEOUT_SECONDS} s"
                ) from None
            if not target.is_file() or target.stat().st_size == 0:
                last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
                raise RenderError(f"Chromium made no PDF (exit {done.returncode}): {last}")
            return target.read_bytes()
