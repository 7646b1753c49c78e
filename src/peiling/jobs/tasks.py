"""The recovery of stalled tasks, as a task that runs again every ``RECOVERY_INTERVAL``
(with the jobs' housekeeping: kept input files past their time are dropped)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone
from django_tasks import task

from peiling.jobs.services import job_inputs_expire, job_run, task_timeout, tasks_recover

RECOVERY_INTERVAL = dt.timedelta(minutes=1)


def recovery_interval() -> dt.timedelta:
    """Return how often recovery runs: every minute, or twice per task timeout if shorter."""
    return min(RECOVERY_INTERVAL, task_timeout() / 2)


#: How long the results of finished recovery runs are kept (one a minute would pile up).
KEEP_RESULTS = dt.timedelta(days=1)


@task()
def recover_stalled_tasks(repeat: bool = True) -> dict[str, int]:
    """Recover tasks whose worker died; with ``repeat``, run again after
    ``recovery_interval()``. The next run is queued first, so a worker killed during this one
    leaves it queued; unless another run is already waiting (two workers that started at
    once), so that one run stays queued."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    runs = DBTaskResult.objects.filter(task_path=recover_stalled_tasks.module_path)
    if repeat and not runs.filter(status=TaskResultStatus.READY).exists():
        recover_stalled_tasks.using(run_after=now + recovery_interval()).enqueue(True)
    runs.filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_RESULTS).delete()
    return {**dataclasses.asdict(tasks_recover()), "inputs_expired": job_inputs_expire()}


@task()
def run_job(job_id: int) -> None:
    """Do a job a researcher started (``services.job_run``)."""
    job_run(job_id=job_id)
