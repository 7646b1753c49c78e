"""Jobs a researcher starts: a data export from the report page, its progress page, the file."""

from __future__ import annotations

import csv
import io

import pytest

from peiling.accounts.models import AuditEvent
from peiling.fieldwork import services as fieldwork_services
from peiling.jobs.models import Job
from peiling.jobs.services import JOB_HANDLERS, JobFailed, job_run, job_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def fieldwork(example_fieldwork):
    fieldwork_services.responses_simulate(fieldwork=example_fieldwork, n=12, seed=3,
                                          source="panel")
    return example_fieldwork


def _start(client, fieldwork, name="data.csv", callbacks=None):
    return client.post(f"/rapporten/{fieldwork.slug}/export/", {"name": name})


def test_an_export_runs_as_a_job_and_its_page_offers_the_file(
        analist, fieldwork, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = _start(analist, fieldwork)
    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/taken/{job.pk}/")
    assert len(callbacks) == 1  # the task is queued once the job row is committed
    waiting = analist.get(f"/taken/{job.pk}/").content.decode()
    assert 'data-status="queued"' in waiting and f'hx-get="/taken/{job.pk}/"' in waiting
    assert f"/taken/{job.pk}/bestand" not in waiting
    assert analist.get(f"/taken/{job.pk}/bestand").status_code == 404  # nothing yet

    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.result) == ("done", 2, 2, {"rows": 12})
    part = analist.get(f"/taken/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'data-status="done"' in part
    assert f"/taken/{job.pk}/bestand" in part and "12 responses in the file." in part
    download = analist.get(f"/taken/{job.pk}/bestand")
    assert download["Content-Disposition"] == (
        f'attachment; filename="{fieldwork.slug}-data.csv"')
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 13  # the header and 12 completes
    event = AuditEvent.objects.get()
    assert (event.action, event.target_id, event.detail) == (
        "responses.exported", str(fieldwork.pk), "data.csv")


def test_a_job_is_seen_only_in_its_organisation_and_by_roles_that_may(
        analist, fieldwork, client, make_user, other_organisation, organisation) -> None:
    _start(analist, fieldwork)
    job = Job.objects.get()
    client.force_login(make_user("beheerder", other_organisation))
    assert client.get(f"/taken/{job.pk}/").status_code in (302, 404)  # other organisation
    client.force_login(make_user("onderzoeker", other_organisation))
    assert client.get(f"/taken/{job.pk}/").status_code == 404
    client.force_login(make_user("onderzoeker", organisation))
    assert client.get(f"/taken/{job.pk}/").status_code == 200
    panel_job = job_start(kind="responses_export", organisation=organisation, user=None,
                          action="panel.manage", title="ledenbestand", payload={})
    client.force_login(make_user("analist", organisation, email="tweede@standaard.nl"))
    assert client.get(f"/taken/{panel_job.pk}/").status_code == 403


def test_a_failed_job_says_why(analist, fieldwork, organisation) -> None:
    def refuse(job, progress):
        progress(1, 3, "Reading the responses and writing the file")
        raise JobFailed("Het bestand past niet: te veel kolommen.")

    def crash(job, progress):
        raise RuntimeError("kapot")

    JOB_HANDLERS["test_refuse"], JOB_HANDLERS["test_crash"] = refuse, crash
    try:
        for kind, message in (("test_refuse", "Het bestand past niet: te veel kolommen."),
                              ("test_crash", "An unexpected error stopped the job")):
            job = job_start(kind=kind, organisation=organisation, user=None,
                            action="responses.export", title=kind)
            job_run(job_id=job.pk)
            job.refresh_from_db()
            assert (job.status, job.done, job.total) == ("failed", 1 if kind == "test_refuse"
                                                        else 0, 3 if kind == "test_refuse" else 0)
            page = analist.get(f"/taken/{job.pk}/").content.decode()
            assert message in page and 'data-status="failed"' in page
    finally:
        del JOB_HANDLERS["test_refuse"], JOB_HANDLERS["test_crash"]


def test_a_kept_input_stays_after_success_only_and_is_taken_once(organisation,
                                                                  monkeypatch) -> None:
    from peiling.jobs import services

    def check(job, progress):
        if bytes(job.input) == b"fout":
            raise JobFailed("Dit bestand kan niet.")
        return {"rows": 1}

    monkeypatch.setitem(JOB_HANDLERS, "test_check", check)
    monkeypatch.setattr(services, "KEEPS_INPUT", {"test_check"})
    good, bad = (job_start(kind="test_check", organisation=organisation, user=None,
                           action="panel.manage", title="check", data=data)
                 for data in (b"goed", b"fout"))
    queued = services.job_input_take(job=good)  # not finished: nothing to take
    for job in (good, bad):
        job_run(job_id=job.pk)
    assert queued is None
    assert bytes(Job.objects.get(pk=good.pk).input) == b"goed"
    assert Job.objects.get(pk=bad.pk).input is None  # a failed check keeps no file
    assert services.job_input_take(job=good) == b"goed"
    assert services.job_input_take(job=good) is None
    assert Job.objects.get(pk=good.pk).input is None


def test_a_job_runs_once(analist, fieldwork) -> None:
    _start(analist, fieldwork)
    job = Job.objects.get()
    job_run(job_id=job.pk)
    finished = Job.objects.get().finished_at
    job_run(job_id=job.pk)  # a second delivery of the same task does nothing
    assert Job.objects.get().finished_at == finished


def test_bad_export_requests_are_refused(analist, fieldwork, login_as) -> None:
    assert _start(analist, fieldwork, name="data.exe").status_code == 400
    assert analist.get(f"/rapporten/{fieldwork.slug}/export/").status_code == 405
    assert analist.post("/rapporten/onbekend/export/", {"name": "data.csv"}).status_code == 404
    assert Job.objects.count() == 0
