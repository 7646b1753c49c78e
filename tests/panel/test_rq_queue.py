"""The task queue on Redis (``PEILING_TASKS=rq``: django-tasks-rq, django-rq's workers), as
several app hosts use it: a sign-up's confirmation e-mail is queued in a real Redis, not sent
in the request, and a worker sends it (through a real SMTP server) — once."""

from __future__ import annotations

import os

import django_rq
import pytest
from django.test import Client
from rq.worker import SimpleWorker

from peiling.panel.models import Member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rq_queue(settings):
    """The queue in a Redis database of its own on 127.0.0.1 (the SQLite and PostgreSQL runs
    of ``make test`` go at once: 14 and 15), emptied before and after."""
    database = 15 if os.environ.get("PEILING_TEST_POSTGRES") else 14
    settings.PEILING_TASKS = "rq"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend",
                                  "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:6379/{database}"}}
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def _work(queue) -> None:
    """What ``peiling manage rqworker --job-class django_tasks_rq.Job`` does, until the
    queue is empty, in this process (a forking worker would not see this test's database)."""
    worker = django_rq.get_worker(queue.name, job_class="django_tasks_rq.Job",
                                  worker_class=SimpleWorker)
    worker.work(burst=True)


def test_a_sign_up_s_e_mail_goes_through_redis_and_a_worker_sends_it_once(
        panel, sink, rq_queue) -> None:
    panel.signup_open, panel.consent_text, panel.consent_version = True, "Ik doe mee.", "1"
    panel.save()
    answer = Client().post(f"/panel/{panel.slug}/", {
        "signup-email": "nieuw@example.org", "signup-consent": "yes", "org_type": "gemeente"})
    assert answer.status_code == 302
    assert Member.objects.get().status == Member.Status.PENDING
    assert rq_queue.count == 1 and sink.messages == []  # queued, not sent in the request
    _work(rq_queue)
    assert rq_queue.count == 0
    [received] = sink.messages
    assert received.rcpt_tos == ("nieuw@example.org",)
    assert received.message["Subject"] == "Bevestig uw aanmelding bij Testpanel"
    _work(rq_queue)  # nothing left: no second e-mail
    assert len(sink.messages) == 1


def test_a_batch_whose_worker_died_is_queued_again_and_sent_once(panel, add_member, fieldwork,
                                                                  sink, rq_queue) -> None:
    """rq fails a job whose worker died (its heartbeat expired) when a worker does its
    maintenance; ``peiling.jobs.rq.Worker`` then queues a resumable task again."""
    from rq.job import JobStatus

    from peiling.jobs.rq import Worker
    from peiling.panel.mailing import invitations_queue
    from peiling.panel.models import Delivery
    from tests.panel.helpers import invite_all

    for number in range(3):
        add_member(f"lid{number}@example.org", org_type="gemeente")
    invite_all(panel, fieldwork)
    invitations_queue(fieldwork=fieldwork)
    [job_id] = rq_queue.job_ids
    # A worker took the job and died: the job is started, its registry entry long expired.
    job = rq_queue.fetch_job(job_id)
    rq_queue.remove(job)
    job.set_status(JobStatus.STARTED)
    rq_queue.connection.zadd(job.started_job_registry.key, {f"{job.id}:dead-worker": 1})
    Worker([rq_queue], connection=rq_queue.connection,
           job_class="django_tasks_rq.Job").clean_registries()
    assert rq_queue.fetch_job(job_id).get_status() == JobStatus.FAILED
    assert len(rq_queue.job_ids) == 1  # the same task, queued again
    _work(rq_queue)
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
        "lid0@example.org", "lid1@example.org", "lid2@example.org"]
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 3


def test_a_task_that_is_not_safe_to_run_again_stays_failed(rq_queue) -> None:
    from rq.exceptions import AbandonedJobError

    from peiling.jobs.rq import requeue_abandoned

    class Dead:
        id, func_name, args, kwargs = "x", "peiling.jobs.tasks.run_job", (1,), {}

    assert requeue_abandoned(Dead(), AbandonedJobError, AbandonedJobError(), None) is True
    assert rq_queue.count == 0


def test_the_worker_loads_urls_and_catalogues_before_it_forks_a_task() -> None:
    """In a fresh process (this one has loaded everything already): constructing the worker
    imports the URLconf and the Dutch and English catalogues, so a forked task does not, and
    freezes them out of the garbage collector's sight."""
    import subprocess
    import sys

    code = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "peiling.settings"
import django; django.setup()
from django.utils.translation import trans_real
from redis import Redis
import gc
before = ("peiling.urls" in sys.modules, sorted(trans_real._translations))
from peiling.jobs.rq import Worker
Worker(["default"], connection=Redis.from_url("redis://127.0.0.1:6379/14"))
print(before, ("peiling.urls" in sys.modules, sorted(trans_real._translations)),
      gc.get_freeze_count() > 100_000)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PEILING_SECURE": "0"}, timeout=120, check=True)
    # nl is loaded at start-up (the default language); the frozen objects are the loaded ones
    assert run.stdout.strip() == "(False, ['nl']) (True, ['en', 'nl']) True"
