"""Recovering background work whose worker died (kill -9, a crash, a lost machine).

django-tasks' database backend marks a task RUNNING when a worker takes it and records no
heartbeat, so a task whose worker died stays RUNNING for ever and the rest of its work is
never done. Recovery, written here because the backend has none:

- a task RUNNING for longer than ``PEILING_TASK_TIMEOUT`` seconds is marked FAILED, with
  ``WorkerLost`` as its error;
- a task registered as ``resumable`` is queued again with the same arguments. Only tasks
  that claim each piece of work before doing it may be: the new run skips what the dead one
  claimed (an e-mail left *claimed* stays unconfirmed, "onbekend", until a person releases
  it) and does what it never reached.

There is no heartbeat, so a task still running after the timeout counts as dead: tasks must
stay well within it (sending e-mail: ``BATCH`` of 500 per task, seconds; a reminder run only
queues such batches). Queued again while the first still runs, the claims still send nobody
an e-mail twice.

``recover_stalled_tasks`` (``tasks.py``) runs this every ``RECOVERY_INTERVAL`` on a worker
started with ``peiling manage worker``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus

logger = logging.getLogger(__name__)

__all__ = ["RecoveryReport", "WorkerLost", "resumable", "task_timeout", "tasks_recover"]

#: Task paths (``module.function``) that may be queued again after their worker died.
RESUMABLE: set[str] = set()
T = TypeVar("T")


class WorkerLost(Exception):
    """The worker running a task stopped before the task finished."""


@dataclasses.dataclass(frozen=True)
class RecoveryReport:
    failed: int = 0
    resumed: int = 0


def resumable(task: T) -> T:
    """Register ``task`` (a django-tasks Task) as safe to queue again after its worker died."""
    RESUMABLE.add(task.module_path)  # type: ignore[attr-defined]
    return task


def task_timeout() -> dt.timedelta:
    """Return how long a task may run before its worker counts as dead."""
    return dt.timedelta(seconds=settings.PEILING_TASK_TIMEOUT)


def tasks_recover(*, now: dt.datetime | None = None,
                  timeout: dt.timedelta | None = None) -> RecoveryReport:
    """Mark the tasks RUNNING for longer than ``timeout`` failed, and queue the resumable ones
    again (see the module docstring); return how many of each."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    timeout = timeout or task_timeout()
    failed = resumed = 0
    with transaction.atomic():
        stalled = list(DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=now - timeout))
        for result in stalled:
            result.status = TaskResultStatus.FAILED
            result.finished_at = now
            result.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
            result.traceback = (
                f"WorkerLost: worker {', '.join(result.worker_ids) or '?'} stopped while "
                f"running this task (started {result.started_at:%Y-%m-%d %H:%M:%S}, no end "
                f"after {timeout}); "
                + ("queued again" if result.task_path in RESUMABLE else "not queued again"))
            result.save(update_fields=["status", "finished_at", "exception_class_path",
                                       "traceback"])
            failed += 1
            if result.task_path in RESUMABLE:
                _enqueue(result.task.enqueue, result.args_kwargs)
                resumed += 1
            logger.warning("task %s (%s) lost its worker; %s", result.pk, result.task_path,
                           "queued again" if result.task_path in RESUMABLE else "failed")
    return RecoveryReport(failed, resumed)


def _enqueue(enqueue: Callable[..., Any], args_kwargs: dict[str, Any]) -> None:
    enqueue(*args_kwargs.get("args", ()), **args_kwargs.get("kwargs", {}))
