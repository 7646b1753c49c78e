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

    fieldwork_id, format, name = (job.payload["fieldwork"], job.payload["format"],
                                  job.payload["name"])
    progress(0, 2, gettext_noop("Reading the responses and writing the file"))
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
    from peiling.reports import selectors
    from peiling.reports.renderers import RenderError, renderer_for

    renderer = renderer_for(job.payload["format"])
    progress(0, 2, gettext_noop("Building the report from the responses"))
    try:
        report = selectors.report_for_fieldwork(reference=str(job.payload["fieldwork"]))
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
