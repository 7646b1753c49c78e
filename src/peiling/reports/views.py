"""The report page (researchers only) and its downloads in every format. Thin views."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from peiling.reports import selectors
from peiling.reports.renderers import RENDERERS, Assets, RenderError, renderer_for
from peiling.reports.renderers.html import report_context

FORMAT_LABELS = {
    "html": "HTML (.html)",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "pdf": "PDF (.pdf)",
    "json": "JSON (.json)",
}


def _report(reference: str):
    try:
        return selectors.report_for_fieldwork(reference=reference)
    except selectors.ReportSourceError as error:
        raise Http404(str(error)) from None


@login_required
def report_page(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(reference)
    downloads = [
        {"url": reverse("reports:download", args=[reference, fmt]), "label": FORMAT_LABELS[fmt]}
        for fmt in FORMAT_LABELS
        if fmt in RENDERERS
    ]
    context = {**report_context(report, Assets()), "downloads": downloads}
    return render(request, "reports/page.html", context)


@login_required
def report_download(request: HttpRequest, reference: str, format: str) -> HttpResponse:
    if format not in RENDERERS:
        raise Http404(_("unknown report format"))
    renderer = renderer_for(format)
    report = _report(reference)
    try:
        data = renderer.render(report)
    except RenderError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=renderer.content_type)
    filename = f"rapport-{reference}{renderer.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
