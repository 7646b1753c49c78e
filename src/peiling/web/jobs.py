"""The page of a job a researcher started: progress while it runs (htmx polls the part that
changes; without JavaScript the page reloads itself), then the result or the error."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from peiling.accounts.models import AuditEvent
from peiling.accounts.permissions import object_for, researcher_page, user_may
from peiling.accounts.services import audit_record
from peiling.jobs.models import Job

#: Seconds between two looks at a running job.
POLL_SECONDS = 2


def _job(request: HttpRequest, job_id: int) -> Job:
    """The job, if it is of the user's organisation and the user may do what it does."""
    job = object_for(request.user, "study.view", Job.objects.defer("input", "output"),
                     pk=job_id)
    if not user_may(request.user, job.action):
        raise PermissionDenied(job.action)
    return job


@researcher_page("study.view")
@require_http_methods(["GET", "HEAD"])
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    template = "web/jobs/_status.html" if request.htmx else "web/jobs/page.html"
    return render(request, template, {"job": job, "poll": POLL_SECONDS})


@researcher_page("study.view")
@require_http_methods(["GET", "HEAD"])
def job_file(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's result file; a download of answers is logged in the audit log."""
    job = _job(request, job_id)
    if job.status != Job.Status.DONE or not job.output_name:
        raise Http404("no file")
    data = Job.objects.filter(pk=job.pk).values_list("output", flat=True).get()
    if job.kind == "responses_export":
        audit_record(user=request.user, action=AuditEvent.Action.RESPONSES_EXPORTED,
                     target_type="fieldwork", target_id=job.payload.get("fieldwork", ""),
                     detail=job.payload.get("name", ""))
    response = HttpResponse(bytes(data), content_type=job.output_type)
    response["Content-Disposition"] = f'attachment; filename="{job.output_name}"'
    return response


urlpatterns = [
    path("taken/<int:job_id>/", job_page, name="job"),
    path("taken/<int:job_id>/bestand", job_file, name="job_file"),
]
