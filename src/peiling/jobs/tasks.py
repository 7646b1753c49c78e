"""The recovery of stalled tasks, as a task that runs again every ``RECOVERY_INTERVAL``."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone
from django_tasks import task

from peiling.jobs.services import task_timeout, tasks_recover

RECOVERY_INTERVAL = dt.timedelta(minutes=1)


def recovery_interval() -> dt.timedelta:
    """Return how often recovery runs: every minute, or twice per task timeout if shorter."""
    return min(RECOVERY_INTERVAL, task_timeout() / 2)


@task()
def recover_stalled_tasks(repeat: bool = True) -> dict[str, int]:
    """Recover tasks whose worker died; with ``repeat``, run again after
    ``recovery_interval()``. The next run is queued first, so a worker killed during this one
    leaves it queued."""
    if repeat:
        run_after = timezone.now() + recovery_interval()
        recover_stalled_tasks.using(run_after=run_after).enqueue(True)
    return dataclasses.asdict(tasks_recover())
