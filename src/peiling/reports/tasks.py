"""Background work of reports: the data exports a researcher starts on the report page."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from peiling.jobs.services import JobFailed, JobFile, Progress, job_handler


@job_handler("responses_export")
def export_responses(job: Any, progress: Progress) -> JobFile:
    """Write the fieldwork's completed responses (or codebook) as the file asked for."""
    from peiling.exchange import services
    from peiling.exchange.writers import ExportError, get_writer
    from peiling.fieldwork.models import Fieldwork
    from peiling.openanswers.services import personal_data_scan

    fieldwork_id, format, name = (job.payload["fieldwork"], job.payload["format"],
                                  job.payload["name"])
    progress(0, 2, gettext_noop("Reading the responses and writing the file"))
    fieldwork = Fieldwork.objects.filter(pk=fieldwork_id).first()
    if fieldwork is not None:
        personal_data_scan(fieldwork=fieldwork)  # names in open answers are masked too
    with tempfile.TemporaryDirectory(prefix="peiling-export-") as folder:
        path = Path(folder) / name
        try:
            export = services.fieldwork_export(reference=str(fieldwork_id), format=format,
                                               path=path)
        except ExportError as error:
            raise JobFailed(str(error)) from None
        data = path.read_bytes()
    progress(2, 2, gettext_noop("Done"))
    return JobFile(name=f"{job.payload['slug']}-{name}", media_type=get_writer(format).media_type,
                   data=data, result={"rows": export.report.rows})


@job_handler("report_render")
def render_report(job: Any, progress: Progress) -> JobFile:
    """Build the fieldwork's report and render it in the format asked for."""
    from peiling.fieldwork.models import Fieldwork
    from peiling.openanswers.services import personal_data_scan
    from peiling.reports import selectors
    from peiling.reports.renderers import RenderError, renderer_for

    renderer = renderer_for(job.payload["format"])
    progress(0, 2, gettext_noop("Building the report from the responses"))
    fieldwork = Fieldwork.objects.filter(pk=job.payload["fieldwork"]).first()
    if fieldwork is None:
        raise JobFailed("The fieldwork no longer exists.")
    personal_data_scan(fieldwork=fieldwork)  # quotes show names masked too
    try:
        report = selectors.report_for_fieldwork(
            reference=str(fieldwork.pk),
            definition=selectors.stored_definition(fieldwork=fieldwork))
    except selectors.ReportSourceError as error:
        raise JobFailed(str(error)) from None
    progress(1, 2, gettext_noop("Writing the file"))
    try:
        data = renderer.render(report)
    except RenderError as error:
        raise JobFailed(str(error)) from None
    progress(2, 2, gettext_noop("Done"))
    return JobFile(name=f"rapport-{job.payload['slug']}{renderer.extension}",
                   media_type=renderer.content_type, data=data)


@job_handler("tab_book")
def build_tab_book(job: Any, progress: Progress) -> JobFile:
    """Tabulate the saved tab book's questions and write them as one workbook."""
    from peiling.exchange.tablebook import tables_workbook
    from peiling.fieldwork.models import Fieldwork
    from peiling.reports.datasets import DataUnavailable, fieldwork_dataset
    from peiling.reports.explorer import ChoiceError, TableChoice, tab_book_tables
    from peiling.reports.models import TabBook
    from peiling.reports.waves import stacked_waves, weighting_targets

    fieldwork = (Fieldwork.objects.select_related("form_version__questionnaire")
                 .filter(pk=job.payload["fieldwork"]).first())
    book = TabBook.objects.filter(pk=job.payload["book"]).first()
    if fieldwork is None or book is None:
        raise JobFailed("The fieldwork or the tab book no longer exists.")
    progress(0, 1, gettext_noop("Reading the responses"))
    waves = None
    try:
        dataset = fieldwork_dataset(fieldwork=fieldwork)
        if book.waves:
            waves = stacked_waves(fieldwork=fieldwork, weighted=book.weighted)
    except DataUnavailable as error:
        raise JobFailed(str(error)) from None
    except ChoiceError as error:
        raise JobFailed("; ".join(error.problems)) from None
    targets, _own = weighting_targets(fieldwork=fieldwork)

    def step(done: int, total: int) -> None:
        progress(done, total, gettext_noop("Tabulating the questions"))

    base = TableChoice(question="", banners=tuple(book.banners), filter=book.filter,
                       weighted=book.weighted)
    try:
        tables, left_out = tab_book_tables(fieldwork.form_version.form, dataset, book.questions,
                                           base, targets=targets, progress=step, waves=waves)
    except ChoiceError as error:
        raise JobFailed("; ".join(error.problems)) from None
    progress(len(tables), len(tables), gettext_noop("Writing the workbook"))
    data = tables_workbook(tables, title=f"{fieldwork.name}: {book.name}", index=True)
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in book.name.lower())
    return JobFile(name=f"{fieldwork.slug}-tabellenboek-{slug}.xlsx",
                   media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   data=data, result={"tables": len(tables), "left_out": left_out})


@job_handler("dataset_prepare")
def prepare_dataset(job: Any, progress: Progress) -> dict[str, Any]:
    """Read a fieldwork's completed answers into the prepared dataset (``reports.datasets``),
    so that the results pages of a large fieldwork need not wait for them in a request."""
    from peiling.fieldwork.models import Fieldwork
    from peiling.reports.datasets import DataUnavailable, fieldwork_dataset

    fieldwork = Fieldwork.objects.filter(pk=job.payload["fieldwork"]).first()
    if fieldwork is None:
        raise JobFailed("The fieldwork no longer exists.")
    progress(0, 1, gettext_noop("Reading the responses"))
    try:
        dataset = fieldwork_dataset(fieldwork=fieldwork)
    except DataUnavailable as error:
        raise JobFailed(str(error)) from None
    progress(1, 1, gettext_noop("Done"))
    return {"responses": dataset.n}


#: The formats a report build keeps, in the order they are written.
BUILD_FORMATS = ("html", "docx", "xlsx", "json", "pdf")
#: The build's report as a part of a page of the app (kept beside the files).
PAGE = "page"


@job_handler("report_build")
def build_report_files(job: Any, progress: Progress) -> dict[str, Any]:
    """Build the fieldwork's report with the study's definition (the version named in the
    job) and keep it, with a file per format, as a ``ReportBuild``."""
    from django.db import transaction
    from django.template.loader import render_to_string

    from peiling.fieldwork.models import Fieldwork
    from peiling.openanswers.services import personal_data_scan
    from peiling.reports import selectors
    from peiling.reports.definition import DefinitionError, parse_definition
    from peiling.reports.models import ReportBuild, ReportDefinitionVersion, ReportFile
    from peiling.reports.renderers import RENDERERS, Assets, RenderError, renderer_for
    from peiling.reports.renderers.html import report_context

    fieldwork = Fieldwork.objects.filter(pk=job.payload["fieldwork"]).first()
    if fieldwork is None:
        raise JobFailed("The fieldwork no longer exists.")
    version = ReportDefinitionVersion.objects.filter(pk=job.payload.get("definition")).first()
    definition = None
    if version is not None:
        try:
            definition = parse_definition(version.text, source=f"versie {version.number}")
        except DefinitionError as error:
            raise JobFailed(str(error)) from None
    formats = [f for f in BUILD_FORMATS if f in RENDERERS]
    total = len(formats) + 1
    progress(0, total, gettext_noop("Building the report from the responses"))
    personal_data_scan(fieldwork=fieldwork)  # quotes show names masked too
    try:
        report = selectors.report_for_fieldwork(reference=str(fieldwork.pk),
                                                definition=definition)
    except (selectors.ReportSourceError, DefinitionError, ValueError) as error:
        raise JobFailed(str(error).split("\n")[0]) from None
    files, left_out = [], []
    for done, fmt in enumerate(formats, start=1):
        progress(done, total, gettext_noop("Writing the files"))
        renderer = renderer_for(fmt)
        try:
            data = renderer.render(report)
        except RenderError as error:
            left_out.append(f"{fmt}: {error}")
            continue
        files.append(ReportFile(format=fmt, name=f"rapport-{fieldwork.slug}{renderer.extension}",
                                media_type=renderer.content_type, data=data))
    # The report as the app's pages show it (charts as data: images, the site's stylesheet),
    # for the build's page and its share link; the HTML file itself is a download.
    page = render_to_string("reports/_body.html",
                            report_context(report, Assets(), chart_images=True))
    files.append(ReportFile(format=PAGE, name="rapport.html", media_type="text/html",
                            data=page.encode("utf-8")))
    with transaction.atomic():
        build = ReportBuild.objects.create(fieldwork=fieldwork, definition=version,
                                           title=report.title[:300], responses=report.facts.n,
                                           created_by=job.created_by)
        for file in files:
            file.build = build
        ReportFile.objects.bulk_create(files)
    progress(total, total, gettext_noop("Done"))
    return {"build": build.pk, "left_out": left_out}
