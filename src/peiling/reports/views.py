"""The report page (researchers only) and its downloads in every format. Thin views."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peiling.accounts.models import AuditEvent
from peiling.accounts.permissions import object_for, researcher_page
from peiling.accounts.services import audit_record
from peiling.fieldwork.models import Fieldwork
from peiling.jobs.services import job_start
from peiling.reports import selectors
from peiling.reports.model import Notice
from peiling.reports.renderers import RENDERERS, Assets, RenderError, renderer_for
from peiling.reports.renderers.html import report_context

FORMAT_LABELS = {
    "html": "HTML (.html)",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "pdf": "PDF (.pdf)",
    "json": "JSON (.json)",
}


#: The data downloads next to the report: export format -> (label, file name).
DATA_DOWNLOADS = {
    "sav": (gettext_lazy("SPSS data (.sav)"), "data.sav"),
    "csv": (gettext_lazy("CSV data (.csv)"), "data.csv"),
    "xlsx": (gettext_lazy("Excel data with codebook (.xlsx)"), "data.xlsx"),
    "parquet": (gettext_lazy("Parquet data (.parquet)"), "data.parquet"),
    "html": (gettext_lazy("Codebook (.html)"), "codebook.html"),
}


def _fieldwork(request: HttpRequest, reference: str, action: str) -> Fieldwork:
    """The fieldwork of the address, if it is the user's organisation's (else 404)."""
    return object_for(request.user, action, Fieldwork.objects.all(), slug=reference)


def _report(request: HttpRequest, reference: str):
    fieldwork = _fieldwork(request, reference, "report.view")
    try:  # by id: a slug of digits would name another fieldwork's id
        return selectors.report_for_fieldwork(
            reference=str(fieldwork.pk),
            definition=selectors.stored_definition(fieldwork=fieldwork))
    except selectors.ReportSourceError as error:
        raise Http404(str(error)) from None


def said(problem: str) -> str:
    """A build's notice in the page's language (``model.Notice``); other text as it is."""
    if isinstance(problem, Notice):
        return _(problem.message) % problem.params
    return problem


@researcher_page("report.view")
def report_page(request: HttpRequest, reference: str) -> HttpResponse:
    report = _report(request, reference)
    downloads = [{"format": fmt, "label": FORMAT_LABELS[fmt]}
                 for fmt in FORMAT_LABELS if fmt in RENDERERS]
    data_downloads = [{"name": name, "label": label} for label, name in DATA_DOWNLOADS.values()]
    # What the build noticed (a quote masked for personal data, a question not coded yet).
    context = {**report_context(report, Assets(), chart_images=True), "downloads": downloads,
               "data_downloads": data_downloads, "reference": reference,
               "warnings": [said(problem) for problem in report.problems]}
    return render(request, "reports/page.html", context)


@researcher_page("report.view")
def report_download(request: HttpRequest, reference: str, format: str) -> HttpResponse:
    if format not in RENDERERS:
        raise Http404(_("unknown report format"))
    renderer = renderer_for(format)
    report = _report(request, reference)
    try:
        data = renderer.render(report)
    except RenderError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=renderer.content_type)
    filename = f"rapport-{reference}{renderer.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@researcher_page("report.view")
@require_POST
def report_render(request: HttpRequest, reference: str) -> HttpResponse:
    """Start making the report file in a format (a job): its page offers the download."""
    fieldwork = _fieldwork(request, reference, "report.view")
    format = request.POST.get("format", "")
    if format not in RENDERERS or format not in FORMAT_LABELS:
        return HttpResponse(_("unknown report format"), status=400,
                            content_type="text/plain; charset=utf-8")
    job = job_start(
        kind="report_render", organisation=fieldwork.form_version.questionnaire.organisation,
        user=request.user, action="report.view",
        title=_("Report of %(fieldwork)s in %(format)s") % {
            "fieldwork": fieldwork.name, "format": FORMAT_LABELS[format]},
        payload={"fieldwork": fieldwork.pk, "slug": fieldwork.slug, "format": format},
        back_url=reverse("reports:page", args=[reference]))
    return redirect("web:job", job.pk)


@researcher_page("responses.export")
@require_POST
def data_export(request: HttpRequest, reference: str) -> HttpResponse:
    """Start making a data file (a job): its page shows the progress, then the download."""
    fieldwork = _fieldwork(request, reference, "responses.export")
    name = request.POST.get("name", "")
    format = next((fmt for fmt, (_label, file) in DATA_DOWNLOADS.items() if file == name), None)
    if format is None:
        return HttpResponse(_("unknown data format"), status=400,
                            content_type="text/plain; charset=utf-8")
    job = job_start(
        kind="responses_export", organisation=fieldwork.form_version.questionnaire.organisation,
        user=request.user, action="responses.export",
        title=_("%(file)s of %(fieldwork)s") % {"file": DATA_DOWNLOADS[format][0],
                                               "fieldwork": fieldwork.name},
        payload={"fieldwork": fieldwork.pk, "slug": fieldwork.slug, "format": format,
                 "name": name},
        back_url=reverse("reports:page", args=[reference]))
    return redirect("web:job", job.pk)


@researcher_page("responses.export")
def data_download(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """The fieldwork's completed responses (or codebook) as a file: the export of
    ``peiling export``, never contact data."""
    from peiling.exchange import services
    from peiling.exchange.writers import ExportError, get_writer

    fieldwork = _fieldwork(request, reference, "responses.export")
    format = next((fmt for fmt, (_label, file) in DATA_DOWNLOADS.items() if file == name), None)
    if format is None:
        raise Http404(_("unknown data format"))
    with tempfile.TemporaryDirectory(prefix="peiling-export-") as folder:
        path = Path(folder) / name
        try:
            services.fieldwork_export(reference=str(fieldwork.pk), format=format, path=path)
        except services.FieldworkNotFound:
            raise Http404(_("no such fieldwork")) from None
        except ExportError as error:
            return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
        data = path.read_bytes()
    audit_record(user=request.user, action=AuditEvent.Action.RESPONSES_EXPORTED,
                 target_type="fieldwork", target_id=fieldwork.pk, detail=name)
    response = HttpResponse(data, content_type=get_writer(format).media_type)
    response["Content-Disposition"] = f'attachment; filename="{reference}-{name}"'
    return response
